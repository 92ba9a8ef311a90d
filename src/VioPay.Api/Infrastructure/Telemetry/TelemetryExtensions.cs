using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace VioPay.Api.Infrastructure.Telemetry;

/// <summary>
/// OpenTelemetry as eShop's ServiceDefaults sets it up: ASP.NET Core, HttpClient and runtime metrics, plus the
/// business meters of <see cref="VioPayMetrics"/>, scraped by Prometheus at <c>/metrics</c>. Npgsql's own metrics are
/// left out: they label every series with the data source's name, which is the connection string unless the data
/// source is given a name. Traces (ASP.NET Core, HttpClient, Npgsql, Redis) and an OTLP copy of the metrics go to
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> when it is set. Without it no tracer is registered at all, so the hot path pays
/// for no span per SQL command or Redis call that nobody would receive.
/// </summary>
public static class TelemetryExtensions
{
    public const string MetricsPath = "/metrics";

    /// <summary>The variable (or configuration key) that turns the OTLP exporter on, as the OpenTelemetry SDKs name it.</summary>
    public const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static WebApplicationBuilder AddTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<VioPayMetrics>();
        builder.Services.AddSingleton<MoneyAtRiskGauges>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<MoneyAtRiskGauges>());

        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpointKey]);
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(Health.HealthApi.ServiceName))
            .WithMetrics(metrics =>
            {
                metrics.AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddMeter(VioPayMetrics.MeterName)
                    .AddPrometheusExporter();
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            });
        if (otlp)
        {
            telemetry.WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(o => o.Filter = http => !IsQuietPath(http.Request.Path))
                .AddHttpClientInstrumentation()
                .AddNpgsql()
                .AddRedisInstrumentation()
                .AddOtlpExporter());
        }

        // /metrics on a port of its own: Kestrel listens there too, beside the URLs the API was given.
        if (builder.Configuration.GetValue<int?>($"{TelemetryOptions.Section}:{nameof(TelemetryOptions.MetricsPort)}") is { } port and > 0)
        {
            builder.WebHost.UseUrls([.. ApiUrls(builder.Configuration), $"http://*:{port}"]);
        }

        return builder;
    }

    /// <summary>
    /// The Prometheus scrape endpoint: no authentication, no rate limit, not in the OpenAPI document. With
    /// <c>Telemetry:MetricsPort</c> set, that port answers <c>/metrics</c> and nothing else, and the API's port answers
    /// 404 there, judged by the port the connection arrived on (a Host header cannot move it).
    /// </summary>
    public static WebApplication MapMetrics(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<TelemetryOptions>>().Value.MetricsPort is { } port)
        {
            app.Use((http, next) =>
            {
                var onMetricsPort = http.Connection.LocalPort == port;
                var isMetrics = http.Request.Path.Equals(MetricsPath, StringComparison.OrdinalIgnoreCase);
                if (onMetricsPort == isMetrics)
                {
                    return next(http);
                }

                http.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            });
        }

        app.MapPrometheusScrapingEndpoint(MetricsPath)
            .WithMetadata(new HttpMethodMetadata([HttpMethods.Get]))
            .ExcludeFromDescription();
        return app;
    }

    /// <summary>The URLs Kestrel would have listened on without the metrics port (<c>--urls</c>, then <c>HTTP_PORTS</c>, then its default).</summary>
    private static IEnumerable<string> ApiUrls(IConfiguration configuration)
    {
        if (configuration[WebHostDefaults.ServerUrlsKey] is { Length: > 0 } urls)
        {
            return urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }

        return configuration[WebHostDefaults.HttpPortsKey] is { Length: > 0 } ports
            ? ports.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => $"http://*:{p}")
            : ["http://localhost:5000"];
    }

    /// <summary>Scrapes and probes: every few seconds from every scraper and orchestrator, and of no interest one by one.</summary>
    public static bool IsQuietPath(PathString path) =>
        path.StartsWithSegments(MetricsPath, StringComparison.OrdinalIgnoreCase) ||
        path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase);
}
