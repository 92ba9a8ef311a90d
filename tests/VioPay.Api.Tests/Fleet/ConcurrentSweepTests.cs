using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Fleet;

/// <summary>
/// Several API instances run the offline sweep; each device's transition (and its event) is taken by exactly one sweep,
/// and by exactly one of several concurrent heartbeats on the way back.
/// </summary>
public sealed class ConcurrentSweepTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    [Fact]
    public async Task ConcurrentSweepsRaiseOneOfflineEventPerDevice()
    {
        var terminals = new List<TestTerminal>();
        for (var i = 0; i < 4; i++)
        {
            var (terminal, _, _) = await app.ActivatedTerminalAsync();
            await terminal.HeartbeatOkAsync();
            terminals.Add(terminal);
        }

        app.Time.Advance(TimeSpan.FromSeconds(181));
        // Several instances sweeping at the same moment: each device is taken by exactly one of them.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(app.SweepOfflineAsync)));
        foreach (var terminal in terminals)
        {
            Assert.Single(await app.DeviceEventsAsync("device.offline", terminal.DeviceId));
        }

        // And concurrent heartbeats of one device coming back raise one device.online.
        var back = terminals[0];
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => back.HeartbeatOkAsync()));
        Assert.Single(await app.DeviceEventsAsync("device.online", back.DeviceId));
    }

}
