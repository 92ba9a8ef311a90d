using System.Net;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Fleet;

/// <summary>
/// PROTOCOL §13.5 on the app's clock: never_seen → online → offline → online, with exactly one <c>device.offline</c> and one
/// <c>device.online</c> event however many sweeps and heartbeats run. Each test class that moves the clock has an app of its own (sessions are judged on it too).
/// </summary>
public sealed class ConnectivityTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    /// <summary>Three heartbeat intervals of 60 s, and a second more.</summary>
    private static readonly TimeSpan PastTheWindow = TimeSpan.FromSeconds(181);

    [Fact]
    public async Task ADeviceGoesOnlineOfflineAndBackWithOneOfflineAndOneOnlineEvent()
    {
        var (terminal, portal, _) = await app.ActivatedTerminalAsync();
        Assert.Equal("never_seen", await portal.ConnectivityAsync(terminal.DeviceId));

        await terminal.HeartbeatOkAsync(new { battery_percent = 80 });
        Assert.Equal("online", await portal.ConnectivityAsync(terminal.DeviceId));
        await app.SweepOfflineAsync();
        Assert.Empty(await app.DeviceEventsAsync("device.offline", terminal.DeviceId));

        app.Time.Advance(PastTheWindow);
        // The view is judged on the clock, so it is right before any sweep ran.
        Assert.Equal("offline", await portal.ConnectivityAsync(terminal.DeviceId));
        await app.SweepOfflineAsync();
        await app.SweepOfflineAsync();
        var offline = Assert.Single(await app.DeviceEventsAsync("device.offline", terminal.DeviceId));
        Assert.Equal("offline", offline.Text("connectivity"));
        Assert.Equal(80, offline.GetProperty("battery_percent").GetInt32());
        Assert.Equal("activated", offline.Text("status"));

        await terminal.HeartbeatOkAsync(new { battery_percent = 75 });
        await terminal.HeartbeatOkAsync(new { battery_percent = 74 });
        Assert.Equal("online", await portal.ConnectivityAsync(terminal.DeviceId));
        var online = Assert.Single(await app.DeviceEventsAsync("device.online", terminal.DeviceId));
        Assert.Equal("online", online.Text("connectivity"));
        Assert.Equal(75, online.GetProperty("battery_percent").GetInt32());
        await app.SweepOfflineAsync();
        Assert.Single(await app.DeviceEventsAsync("device.offline", terminal.DeviceId));
    }
}
