using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Terminal.Tests;

/// <summary>
/// The SDK's lifecycle calls against the real API (PROTOCOL §11): a pre-authorization incremented and captured with a
/// tip, and a day close whose reconciliation the terminal's own journal makes match, then, tampered with, mismatch.
/// </summary>
public sealed class LifecycleSdkTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    [Fact]
    public async Task APreAuthorizationIsIncrementedCapturedWithATipAndTheDayClosesMatched()
    {
        var terminal = await app.ActivatedAsync(app.CreateClient());
        var sale = await terminal.ChargeAsync(SdkHost.Charge(amount: "1200"), "sale-1");
        var held = await terminal.ChargeAsync(SdkHost.Charge(amount: "4000") with { AuthorizationType = "pre" }, "hold-1");
        Assert.Equal(("authorized", "pre", "4000"), (held.Status, held.AuthorizationType, held.AuthorizedAmount!.Value));
        Assert.NotNull(held.ExpiresAt);

        var incremented = await terminal.IncrementAsync(held.ChargeId, "1000", "EUR", "inc-1");
        Assert.Equal(("approved", "5000"), (incremented.Increment!.Status, incremented.AuthorizedAmount!.Value));
        var replayed = await terminal.IncrementAsync(held.ChargeId, "1000", "EUR", "inc-1");
        Assert.True(replayed.Replayed);

        var captured = await terminal.CaptureAsync(held.ChargeId, new Money("4500", "EUR"), new Money("500", "EUR"), "cap-1");
        Assert.Equal(("approved", "5000", "500"), (captured.Status, captured.Amount.Value, captured.TipAmount!.Value));
        var refund = await terminal.RefundAsync(sale.ChargeId, "200", "EUR", "customer_request", "ref-1");
        Assert.Equal("approved", refund.Status);

        var batch = await terminal.CloseBatchAsync(sendTotals: true, "close-1");

        Assert.Equal(("closed", "matched"), (batch.Status, batch.Reconciliation.Status));
        var eur = Assert.Single(batch.Totals);
        Assert.Equal((2, "6200", "500", 1, "200", "6000"), (eur.SalesCount, eur.SalesAmount, eur.TipsAmount, eur.RefundsCount, eur.RefundsAmount, eur.NetAmount));
        Assert.Empty(terminal.State.Journal.Charges);
        // The next day starts empty and, with nothing sent, is not reconciled.
        var empty = await terminal.CloseBatchAsync(sendTotals: false, "close-2");
        Assert.Equal("not_provided", empty.Reconciliation.Status);
        Assert.Empty(empty.Totals);
    }

    [Fact]
    public async Task AJournalThatDiffersFromTheServerClosesMismatchedAndNamesTheCharges()
    {
        var terminal = await app.ActivatedAsync(app.CreateClient());
        var kept = await terminal.ChargeAsync(SdkHost.Charge(amount: "700"), "kept");
        var forgotten = await terminal.ChargeAsync(SdkHost.Charge(amount: "300"), "forgotten");
        // The terminal lost one charge from its journal (a crash before it saved) and believes in one the server never made.
        terminal.State.Journal.Charges.Remove(forgotten.ChargeId);
        terminal.State.Journal.Charges["ch_" + new string('Z', 24)] = new JournalCharge
        {
            ChargeId = "ch_" + new string('Z', 24), Currency = "EUR", Status = "approved", AmountMinor = 300,
        };

        var batch = await terminal.CloseBatchAsync(sendTotals: true, "close-mismatch");

        Assert.Equal("mismatched", batch.Reconciliation.Status);
        Assert.Equal(["ch_" + new string('Z', 24)], batch.Reconciliation.MissingOnServer);
        Assert.Equal([forgotten.ChargeId], batch.Reconciliation.MissingOnTerminal);
        Assert.DoesNotContain(kept.ChargeId, batch.Reconciliation.MissingOnTerminal);
    }
}
