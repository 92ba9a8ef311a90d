using Microsoft.Extensions.Options;

namespace VioPay.Api.Events;

/// <summary>Events and webhooks (PROTOCOL §13.1–§13.3): options, the URL rules, the delivery client and the dispatcher.</summary>
public static class EventsExtensions
{
    public static WebApplicationBuilder AddEvents(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.RetryMaxSeconds >= o.RetryBaseSeconds,
                $"Configuration '{WebhookOptions.Section}:{nameof(WebhookOptions.RetryMaxSeconds)}' must be at least " +
                $"'{WebhookOptions.Section}:{nameof(WebhookOptions.RetryBaseSeconds)}'.")
            .Validate(o => o.EventRetentionDays == 0 || o.EventRetentionDays * 24 > o.GiveUpAfterHours,
                $"Configuration '{WebhookOptions.Section}:{nameof(WebhookOptions.EventRetentionDays)}' must be 0 (keep every event) " +
                $"or longer than '{WebhookOptions.Section}:{nameof(WebhookOptions.GiveUpAfterHours)}'.")
            .ValidateOnStart();
        services.AddSingleton<WebhookUrls>();
        services.AddScoped<WebhookEndpoints>();

        // Our own persistent schedule is the retry (WebhookDispatcher), so no resilience handler: a retry inside the client
        // would be a second, unrecorded send. No redirects (a 3xx is an answer that is not 2xx), no proxy (the connect
        // step must judge the receiver's address, not a proxy's), and every connection through WebhookUrls.ConnectAsync.
        services.AddHttpClient(WebhookDispatcher.HttpClientName, (sp, client) =>
            {
                client.Timeout = TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<WebhookOptions>>().Value.TimeoutSeconds);
                client.DefaultRequestHeaders.UserAgent.ParseAdd("VioPay-Webhooks/1.0");
            })
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseProxy = false,
                UseCookies = false,
                ConnectTimeout = TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<WebhookOptions>>().Value.TimeoutSeconds),
                ConnectCallback = sp.GetRequiredService<WebhookUrls>().ConnectAsync,
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            });
        services.AddSingleton<WebhookDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<WebhookDispatcher>());
        return builder;
    }
}
