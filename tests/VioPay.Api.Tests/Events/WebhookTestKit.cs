using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Events;

/// <summary>
/// The app as a webhook integrator's test needs it: http:// and 127.0.0.1 receivers allowed, a short poll and a back-off
/// of seconds (the defaults are the protocol's minute to hour, pinned by <see cref="WebhookEndpointTests"/>).
/// </summary>
public sealed class WebhookApp : VioPayApp
{
    public WebhookApp()
    {
        With("Webhooks:AllowHttp", "true");
        With("Webhooks:AllowPrivateNetworks", "true");
        With("Webhooks:PollIntervalMs", "100");
        With("Webhooks:RetryBaseSeconds", "1");
        With("Webhooks:RetryMaxSeconds", "2");
    }
}

public sealed record CreatedEndpoint(string Id, string Secret, JsonElement Body);

public static class WebhookTestKit
{
    public static async Task<CreatedEndpoint> CreateEndpointAsync(this HttpClient portal, string url, params string[] events)
    {
        var response = await portal.PostAsJsonAsync("/merchant/webhook-endpoints",
            new { url, events = events.Length == 0 ? ["*"] : events, description = "test receiver" });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        var body = JsonDocument.Parse(text).RootElement.Clone();
        return new CreatedEndpoint(body.GetProperty("id").GetString()!, body.GetProperty("secret").GetString()!, body);
    }

    public static async Task<string> PingAsync(this HttpClient portal, string endpointId)
    {
        var response = await portal.PostAsync($"/merchant/webhook-endpoints/{endpointId}/test", null);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("event_id").GetString()!;
    }

    public static async Task<JsonElement> GetJsonAsync(this HttpClient portal, string path)
    {
        var response = await portal.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>The merchant's newest event of <paramref name="type"/> that matches, waiting for it within a generous deadline.</summary>
    public static async Task<JsonElement> EventAsync(this HttpClient portal, string type, Func<JsonElement, bool>? match = null)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var page = await portal.GetJsonAsync($"/merchant/events?type={type}&limit=100");
            foreach (var e in page.GetProperty("data").EnumerateArray())
            {
                if (match is null || match(e))
                {
                    return e;
                }
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), $"no {type} event: {page}");
            await Task.Delay(100);
        }
    }

    /// <summary>The event's delivery attempts once <paramref name="done"/> holds for them, within a generous deadline.</summary>
    public static async Task<JsonElement[]> AttemptsAsync(this HttpClient portal, string eventId, Func<JsonElement[], bool> done)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var attempts = (await portal.GetJsonAsync($"/merchant/events/{eventId}")).GetProperty("delivery_attempts").EnumerateArray().ToArray();
            if (done(attempts))
            {
                return attempts;
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), $"attempts of {eventId}: {string.Join(", ", attempts)}");
            await Task.Delay(100);
        }
    }

    public static int? StatusCode(this JsonElement attempt) =>
        attempt.TryGetProperty("status_code", out var status) ? status.GetInt32() : null;
}
