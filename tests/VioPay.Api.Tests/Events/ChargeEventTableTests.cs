using Microsoft.Extensions.DependencyInjection;
using VioPay.Api.Payments;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Events;

/// <summary>The charge status table says which event each move raises; the sweep's moves raise theirs too.</summary>
public sealed class ChargeEventTableTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    [Fact]
    public void EveryMoveRaisesTheEventThatReportsIt()
    {
        var raised = ChargeLifecycle.Table.Select(t => $"{t.Operation}:{t.From}->{t.To}/{t.Event ?? "none"}").Order().ToArray();
        Assert.Equal(new[]
        {
            "Approve:pending->approved/charge.approved",
            "Cancel:approved->cancelled/charge.cancelled",
            "Cancel:authorized->cancelled/charge.cancelled",
            "Cancel:cancelled->cancelled/none",
            "Capture:authorized->approved/charge.captured",
            "Decline:pending->declined/charge.declined",
            "DeclineUnanswered:pending->declined/charge.declined",
            "Expire:authorized->expired/charge.expired",
            "Hold:pending->authorized/charge.authorized",
            "Increment:authorized->authorized/none",
            "SweepPending:pending->declined/charge.declined",
        }.Order(), raised);
    }

    [Fact]
    public async Task AHoldThatLapsesRaisesChargeExpiredWhenTheSweepExpiresIt()
    {
        var (terminal, portal, _) = await app.ActivatedTerminalAsync();
        var id = await terminal.PreAuthorizedAsync("1000");
        var lapse = TimeSpan.FromHours(168) + TimeSpan.FromSeconds(1);
        app.Time.Advance(lapse);
        try
        {
            var round = await app.Services.GetRequiredService<PaymentsMaintenance>().RunOnceAsync(default);
            Assert.True(round.HoldsExpired >= 1);
        }
        finally
        {
            // Back to the real time, so the portal's token (checked against the real clock) is valid again.
            app.Time.Advance(-lapse);
        }

        var expired = await portal.EventAsync("charge.expired", e => e.GetProperty("data").Text("charge_id") == id);
        Assert.Equal("expired", expired.GetProperty("data").Text("status"));
    }
}
