using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Fleet;

/// <summary>PROTOCOL §13.4: <c>rotate_keys</c> while the active key set expires within <c>Pos:KeyRotationNoticeDays</c> (30).</summary>
public sealed class KeyRotationNoticeTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    [Fact]
    public async Task AKeySetExpiringWithinThirtyDaysAsksTheTerminalToRotateAndRotationStopsIt()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        // The clock moves by months: this class's only test, so no session of another test outlives it.
        Assert.Empty((await terminal.HeartbeatOkAsync()).Actions());

        // Key sets live 365 days; 31 days before expiry there is no notice yet, 29 days before there is.
        app.Time.Advance(TimeSpan.FromDays(334));
        Assert.Empty((await terminal.HeartbeatOkAsync()).Actions());
        app.Time.Advance(TimeSpan.FromDays(2));
        Assert.Equal(["rotate_keys"], (await terminal.HeartbeatOkAsync()).Actions());

        await terminal.AttestAsync();
        await terminal.InstallKeysAsync();
        await terminal.ConfigAsync();
        await terminal.ActivateAsync();
        Assert.Empty((await terminal.HeartbeatOkAsync()).Actions());
    }

}
