using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Events;

/// <summary>
/// PROTOCOL §13.2 across processes: the outbox is written with the change, so an API that dies before it delivers loses
/// nothing, and several instances sharing the work send each event once.
/// </summary>
public sealed class WebhookRestartTests
{
    private static readonly Dictionary<string, string> Receivers = new()
    {
        ["Webhooks__AllowHttp"] = "true",
        ["Webhooks__AllowPrivateNetworks"] = "true",
        ["Payments__MaintenanceIntervalSeconds"] = "3600",
    };

    [Fact]
    public async Task NoEventIsLostWhenTheApiStopsBeforeDelivering()
    {
        var backends = await SharedBackends.CreateAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        try
        {
            // The first instance never gets to dispatch: its first round would be a minute after start-up.
            string deviceId;
            await using (var first = await ApiProcess.StartAsync(backends, new Dictionary<string, string>(Receivers)
                         { ["Webhooks__PollIntervalMs"] = "60000" }))
            {
                var portal = await PortalAsync(backends, first);
                await portal.CreateEndpointAsync(receiver.Url(), "device.claimed");
                var terminal = await TerminalAsync(portal, first);
                await terminal.PairAndClaimAsync(portal);
                deviceId = terminal.DeviceId;
                await first.KillAsync();
            }

            Assert.Equal(1, await backends.CountAsync("SELECT count(*) FROM events WHERE type = 'device.claimed' AND dispatched_at IS NULL"));
            Assert.Empty(receiver.Received);

            await using var second = await ApiProcess.StartAsync(backends, new Dictionary<string, string>(Receivers)
                { ["Webhooks__PollIntervalMs"] = "100" });
            var delivered = await receiver.WaitForAsync(r => r.Type == "device.claimed");
            Assert.Equal(deviceId, delivered.Json.GetProperty("data").Text("device_id"));
        }
        finally
        {
            await TestDependencies.DropDatabaseAsync(backends.Postgres);
        }
    }

    [Fact]
    public async Task TwoInstancesDeliverEachEventOnce()
    {
        var backends = await SharedBackends.CreateAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        try
        {
            var settings = new Dictionary<string, string>(Receivers)
            {
                ["Webhooks__PollIntervalMs"] = "50", ["RateLimits__WebhookPingsPerMerchantPerMinute"] = "100",
            };
            var started = await Task.WhenAll(ApiProcess.StartAsync(backends, settings), ApiProcess.StartAsync(backends, settings));
            await using var a = started[0];
            await using var b = started[1];
            var portal = await PortalAsync(backends, a);
            var endpoint = await portal.CreateEndpointAsync(receiver.Url());
            // Both instances poll every 50 ms over the same deliveries; each is taken by one of them only.
            var pings = new List<string>();
            for (var i = 0; i < 20; i++)
            {
                pings.Add(await portal.PingAsync(endpoint.Id));
            }

            foreach (var ping in pings)
            {
                await receiver.WaitForEventAsync(ping);
            }

            Assert.Equal(pings.Order(), receiver.Received.Select(r => r.EventId).Order());
            Assert.Equal(20, await backends.CountAsync("SELECT count(*) FROM webhook_delivery_attempts"));
        }
        finally
        {
            await TestDependencies.DropDatabaseAsync(backends.Postgres);
        }
    }

    private static async Task<(string ClientId, string Secret)> ClientAsync(SharedBackends backends)
    {
        var reseller = await ApiProcess.AdminAsync(backends, "create-reseller", "--name", "Webhook reseller");
        var merchant = await ApiProcess.AdminAsync(backends, "create-merchant", "--reseller", reseller.GetProperty("reseller_id").GetString()!,
            "--name", "Webhook merchant");
        var client = await ApiProcess.AdminAsync(backends, "create-api-client", "--merchant", merchant.GetProperty("merchant_id").GetString()!);
        return (client.GetProperty("client_id").GetString()!, client.GetProperty("client_secret").GetString()!);
    }

    private static async Task<HttpClient> PortalAsync(SharedBackends backends, ApiProcess api)
    {
        var (clientId, secret) = await ClientAsync(backends);
        return await new HttpClient { BaseAddress = api.BaseAddress }.SignInAsync(clientId, secret);
    }

    private static async Task<TestTerminal> TerminalAsync(HttpClient portal, ApiProcess api)
    {
        var response = await portal.PostAsync("/merchant/devices", System.Net.Http.Json.JsonContent.Create(new { label = "Till" }));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        using var body = System.Text.Json.JsonDocument.Parse(text);
        return Tenants.TerminalFor(new HttpClient { BaseAddress = api.BaseAddress }, TimeProvider.System, body.RootElement);
    }
}
