using System.Net;
using VioPay.Api.Payments;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Payments;

/// <summary>Pre-authorization, increment, capture with tip, void, and tips on final charges (PROTOCOL §11.1–§11.6).</summary>
public sealed class PreAuthorizationTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    [Fact]
    public async Task APreAuthorizationIsAuthorizedWithItsHeldAmountAndExpiry()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var before = app.Time.GetUtcNow();
        var charge = await terminal.ChargeOkAsync(terminal.ChargeJson(amount: "4200", authorizationType: "pre"));

        Assert.Equal(("authorized", "pre", "4200", "4200"),
            (charge.Text("status"), charge.Text("authorization_type"), charge.Value("amount"), charge.Value("authorized_amount")));
        var expires = DateTimeOffset.Parse(charge.Text("expires_at"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(expires, before.AddHours(168).AddSeconds(-1), before.AddHours(168).AddMinutes(1));
        Assert.False(charge.TryGetProperty("tip_amount", out _));
        var read = await terminal.GetChargeAsync(charge.Text("charge_id"));
        Assert.Equal(("authorized", "4200"), (read.Text("status"), read.Value("authorized_amount")));
        var stored = await app.StoredChargeAsync(charge.Text("charge_id"));
        Assert.Equal((4200L, 4200L), (stored.AuthorizedMinor, stored.FirstAuthorizedMinor));
    }

    [Fact]
    public async Task EveryChargeAnswerCarriesItsAuthorizationTypeAndAFinalChargeNoHold()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var charge = await terminal.ChargeOkAsync();
        Assert.Equal(("approved", "final"), (charge.Text("status"), charge.Text("authorization_type")));
        Assert.False(charge.TryGetProperty("authorized_amount", out _));
        Assert.False(charge.TryGetProperty("expires_at", out _));
        var declined = await terminal.ChargeOkAsync(terminal.ChargeJson(AcquirerSimulator.DeclinedCard, authorizationType: "pre"));
        Assert.Equal(("declined", "pre", "card_declined"),
            (declined.Text("status"), declined.Text("authorization_type"), declined.Text("decline_code")));
        Assert.False(declined.TryGetProperty("authorized_amount", out _));
    }

    [Fact]
    public async Task AFinalChargeCarriesItsTipInTheAmount()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var charge = await terminal.ChargeOkAsync(terminal.ChargeJson(amount: "1700", tip: "200"));
        Assert.Equal(("approved", "1700", "200"), (charge.Text("status"), charge.Value("amount"), charge.Value("tip_amount")));
        Assert.Equal(200L, (await app.StoredChargeAsync(charge.Text("charge_id"))).TipMinor);
        var noTip = await terminal.ChargeOkAsync(terminal.ChargeJson(amount: "1700", tip: "0"));
        Assert.False(noTip.TryGetProperty("tip_amount", out _));
    }

    [Theory]
    [InlineData("final", "1800", "EUR", "tip.value")]
    [InlineData("final", "100", "USD", "tip.currency")]
    [InlineData("pre", "100", "EUR", "tip")]
    public async Task ATipAboveTheAmountInAnotherCurrencyOrOnAPreAuthorizationIs400(string type, string tip, string tipCurrency, string field)
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var json = terminal.ChargeJson(amount: "1700", authorizationType: type, tip: tip).Replace(
            $"\"tip\":{{\"value\":\"{tip}\",\"currency\":\"EUR\"}}", $"\"tip\":{{\"value\":\"{tip}\",\"currency\":\"{tipCurrency}\"}}",
            StringComparison.Ordinal);
        var error = await (await terminal.Http.SendAsync(terminal.ChargeRequest(json))).AssertErrorAsync(HttpStatusCode.BadRequest, "4000");
        Assert.True(error.GetProperty("details").GetProperty("fields").TryGetProperty(field, out _), error.ToString());
    }

    [Fact]
    public async Task AnIncrementRaisesTheHoldAndAnswersItsOutcome()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var id = await terminal.PreAuthorizedAsync("1000");
        var (answer, replayed) = await terminal.SendEncryptedOkAsync(terminal.IncrementRequest(id, "500"));

        Assert.False(replayed);
        Assert.Equal(("authorized", "1500", "1500"), (answer.Text("status"), answer.Value("amount"), answer.Value("authorized_amount")));
        var increment = answer.GetProperty("increment");
        Assert.Equal(("approved", "500"), (increment.Text("status"), increment.Value("amount")));
        Assert.False(increment.TryGetProperty("decline_code", out _));
        Assert.Equal("1500", (await terminal.GetChargeAsync(id)).Value("authorized_amount"));
    }

    [Fact]
    public async Task AnIncrementBeyondTenTimesTheFirstAmountIsDeclinedAndLeavesTheChargeAsItWas()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var id = await terminal.PreAuthorizedAsync("1000");
        var declined = (await terminal.SendEncryptedOkAsync(terminal.IncrementRequest(id, "9001"))).Body;
        Assert.Equal(("declined", "insufficient_funds"),
            (declined.GetProperty("increment").Text("status"), declined.GetProperty("increment").Text("decline_code")));
        Assert.Equal(("authorized", "1000", "1000"), (declined.Text("status"), declined.Value("amount"), declined.Value("authorized_amount")));

        var upToTheLimit = (await terminal.SendEncryptedOkAsync(terminal.IncrementRequest(id, "9000"))).Body;
        Assert.Equal(("approved", "10000"), (upToTheLimit.GetProperty("increment").Text("status"), upToTheLimit.Value("authorized_amount")));
    }

    [Fact]
    public async Task ACaptureOfTheWholeHoldWithATipApprovesTheChargeForTheTotal()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var id = await terminal.PreAuthorizedAsync("1000");
        var captured = (await terminal.SendEncryptedOkAsync(terminal.CaptureRequest(id, tip: "150"))).Body;

        Assert.Equal(("approved", "1150", "1000", "150"),
            (captured.Text("status"), captured.Value("amount"), captured.Value("authorized_amount"), captured.Value("tip_amount")));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", captured.Text("captured_at"));
        Assert.False(captured.TryGetProperty("increment", out _));
        var stored = await app.StoredChargeAsync(id);
        Assert.Equal((ChargeStatus.Approved, 1150L, 150L, (string?)null), (stored.Status, stored.AmountMinor, stored.TipMinor, stored.PendingOperation));
        // The captured total, tip included, is what can be refunded.
        var refund = (await terminal.SendEncryptedOkAsync(terminal.RefundRequest(id, "1150"))).Body;
        Assert.Equal("approved", refund.Text("status"));
    }

    [Fact]
    public async Task APartialCaptureCapturesLessThanTheHoldAndNoTipMeansNoTipAmount()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var id = await terminal.PreAuthorizedAsync("1000");
        var captured = (await terminal.SendEncryptedOkAsync(terminal.CaptureRequest(id, amount: "600"))).Body;
        Assert.Equal(("approved", "600", "1000"), (captured.Text("status"), captured.Value("amount"), captured.Value("authorized_amount")));
        Assert.False(captured.TryGetProperty("tip_amount", out _));
    }

    [Theory]
    [InlineData("1001", null, "EUR", "EUR")]
    [InlineData(null, "201", "EUR", "EUR")]
    [InlineData("500", null, "USD", "EUR")]
    [InlineData(null, "100", "EUR", "USD")]
    public async Task ACaptureAboveTheHoldATipAboveTheLimitOrAnotherCurrencyIs422AndChangesNothing(string? amount, string? tip,
        string currency, string tipCurrency)
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var id = await terminal.PreAuthorizedAsync("1000");
        var request = terminal.CaptureRequest(id, amount, tip, currency, tipCurrency, idempotencyKey: "cap-" + Guid.NewGuid());
        await (await terminal.Http.SendAsync(request)).AssertErrorAsync(HttpStatusCode.UnprocessableEntity, "4022");
        Assert.Equal("authorized", (await terminal.GetChargeAsync(id)).Text("status"));
        // 20 % of 1000 is the largest tip.
        Assert.Equal("1200", (await terminal.SendEncryptedOkAsync(terminal.CaptureRequest(id, tip: "200"))).Body.Value("amount"));
    }

    [Fact]
    public async Task AnIncrementInAnotherCurrencyIs422AndAZeroOrMalformedOneIs400()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var id = await terminal.PreAuthorizedAsync("1000");
        await (await terminal.Http.SendAsync(terminal.IncrementRequest(id, "100", "USD"))).AssertErrorAsync(HttpStatusCode.UnprocessableEntity, "4022");
        await (await terminal.Http.SendAsync(terminal.IncrementRequest(id, "0"))).AssertErrorAsync(HttpStatusCode.BadRequest, "4000");
        await (await terminal.Http.SendAsync(terminal.IncrementRequest(id, "1.5"))).AssertErrorAsync(HttpStatusCode.BadRequest, "4000");
        Assert.Equal("1000", (await terminal.GetChargeAsync(id)).Value("authorized_amount"));
    }

    [Fact]
    public async Task VoidingAnAuthorizedChargeCancelsItAndOwesTheAcquirerAVoid()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var id = await terminal.PreAuthorizedAsync("1000");
        var voided = (await terminal.SendEncryptedOkAsync(terminal.CancelRequest(id, "reverse"))).Body;
        Assert.Equal("cancelled", voided.Text("status"));
        Assert.Equal("cancelled", (await terminal.SendEncryptedOkAsync(terminal.CancelRequest(id))).Body.Text("status"));

        var debt = Assert.Single(await app.DebtsAsync(id));
        Assert.Equal((AcquirerDebt.Void, "cancel"), (debt.Kind, debt.Reason));
        Assert.NotNull(debt.AcknowledgedAt);
        await terminal.AssertRefusedAsync(terminal.CaptureRequest(id), "cancelled");
        await terminal.AssertRefusedAsync(terminal.IncrementRequest(id, "100"), "cancelled");
    }

    [Fact]
    public async Task ACapturedPreAuthorizationIsCancelledLikeAnApprovedChargeAndOwesAReversal()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var id = await terminal.PreAuthorizedAsync("1000");
        await terminal.SendEncryptedOkAsync(terminal.CaptureRequest(id));
        Assert.Equal("cancelled", (await terminal.SendEncryptedOkAsync(terminal.CancelRequest(id))).Body.Text("status"));
        Assert.Equal(AcquirerDebt.Reversal, Assert.Single(await app.DebtsAsync(id)).Kind);
    }

    [Fact]
    public async Task ASecondCaptureIs409AndSoAreIncrementAndCaptureOfAFinalOrDeclinedCharge()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var id = await terminal.PreAuthorizedAsync("1000");
        await terminal.SendEncryptedOkAsync(terminal.CaptureRequest(id));
        await terminal.AssertRefusedAsync(terminal.CaptureRequest(id), "approved");
        await terminal.AssertRefusedAsync(terminal.IncrementRequest(id, "100"), "approved");

        var final = (await terminal.ChargeOkAsync()).Text("charge_id");
        await terminal.AssertRefusedAsync(terminal.CaptureRequest(final), "approved");
        await terminal.AssertRefusedAsync(terminal.IncrementRequest(final, "100"), "approved");
        var declined = (await terminal.ChargeOkAsync(terminal.ChargeJson(AcquirerSimulator.DeclinedCard, authorizationType: "pre"))).Text("charge_id");
        await terminal.AssertRefusedAsync(terminal.CaptureRequest(declined), "declined");
        await terminal.AssertRefusedAsync(terminal.CancelRequest(declined), "declined");
    }

    [Fact]
    public async Task AnAuthorizedChargeCannotBeRefundedAndAnotherTerminalsHoldIs404()
    {
        var (terminal, _, merchant) = await app.ActivatedTerminalAsync();
        var id = await terminal.PreAuthorizedAsync("1000");
        await terminal.AssertRefusedAsync(terminal.RefundRequest(id, "100"), "authorized");
        var (other, _, _) = await app.ActivatedTerminalAsync(merchant);
        await (await other.Http.SendAsync(other.CaptureRequest(id))).AssertErrorAsync(HttpStatusCode.NotFound, "4004");
        await (await other.Http.SendAsync(other.IncrementRequest(id, "100"))).AssertErrorAsync(HttpStatusCode.NotFound, "4004");
    }
}
