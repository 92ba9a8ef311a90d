using System.Net.Http.Json;
using VioPay.Api.Tests.Infrastructure;
using VioPay.Terminal.Portal;

namespace VioPay.Terminal.Tests;

/// <summary>The SDK's heartbeat against the real API (PROTOCOL §13.4): it sends the config version it holds and acts on the answer.</summary>
public sealed class FleetSdkTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    [Fact]
    public async Task AHeartbeatSendsTheHeldConfigVersionAndARefetchBringsTheNewOne()
    {
        var merchant = await app.CreateMerchantAsync();
        var portal = new MerchantPortal(app.CreateClient());
        await portal.SignInAsync(merchant.ClientId, merchant.ClientSecret);
        var device = await portal.ProvisionDeviceAsync("Till", "PAX-A920");
        var terminal = new PosTerminal(app.CreateClient(), device.ToState(), app.Time) { RetryDelay = TimeSpan.Zero };
        await Cli.Flows.ActivateAsync(terminal, portal, _ => { }, default);
        var held = terminal.State.ConfigVersion;
        Assert.Matches("^cv_[0-9A-F]{16}$", held);

        var quiet = await terminal.HeartbeatAsync(new HeartbeatReport(BatteryPercent: 90, Network: "wifi"));
        Assert.Equal((held, false, false), (quiet.ConfigVersion, quiet.ShouldRefetchConfig, quiet.ShouldRotateKeys));

        var settings = await (await app.PortalClientAsync(merchant)).PutAsJsonAsync("/merchant/settings", new { tax_info = new { rate = 19 } });
        settings.EnsureSuccessStatusCode();
        var steps = new List<Cli.FlowStep>();
        var changed = await Cli.Flows.HeartbeatAsync(terminal, new HeartbeatReport(), rotate: false, steps.Add, default);

        Assert.True(changed.ShouldRefetchConfig);
        Assert.Equal(changed.ConfigVersion, terminal.State.ConfigVersion);
        Assert.NotEqual(held, terminal.State.ConfigVersion);
        Assert.Equal(["Heartbeat (MSK envelope both ways)", "Config refetched (refetch_config)"], steps.Select(s => s.Title));
        Assert.Empty((await terminal.HeartbeatAsync()).Actions);
    }
}
