using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Payments;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Payments;

/// <summary>Happy paths of every charge-family endpoint, and every outcome of the acquirer simulator (PROTOCOL §8).</summary>
public sealed class ChargeFlowTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    [Fact]
    public async Task AnApprovedChargeIsAnsweredInAnEnvelopeAndStoredWithoutItsPan()
    {
        var (terminal, _, merchant) = await app.ActivatedTerminalAsync();
        var charge = await terminal.ChargeOkAsync();

        Assert.Matches("^ch_[0-9A-Za-z]{24}$", charge.Text("charge_id"));
        Assert.Equal("approved", charge.Text("status"));
        Assert.Equal("1500", charge.GetProperty("amount").Text("value"));
        Assert.Equal("EUR", charge.GetProperty("amount").Text("currency"));
        Assert.Equal("0", charge.GetProperty("refunded_amount").Text("value"));
        Assert.Equal("visa", charge.GetProperty("card").Text("brand"));
        Assert.Equal("1111", charge.GetProperty("card").Text("last4"));
        Assert.Matches("^[0-9A-Z]{6}$", charge.GetProperty("gateway_data").Text("authorization_code"));
        Assert.Matches(@"^\d{12}$", charge.GetProperty("gateway_data").Text("rrn"));
        Assert.False(charge.TryGetProperty("decline_code", out _));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", charge.Text("created_at"));

        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
        var row = await db.Charges.SingleAsync(c => c.Id == charge.Text("charge_id"));
        Assert.Equal((ChargeStatus.Approved, "411111", "1111", merchant.MerchantId, terminal.TerminalId, terminal.DeviceId),
            (row.Status, row.CardFirst6, row.CardLast4, row.MerchantId, row.TerminalId, row.DeviceId));
        Assert.Equal(32, row.CardFingerprint.Length);
        Assert.Equal(AcquirerSimulator.AuthorizationCode(row.Id), row.AuthorizationCode);
    }

    [Theory]
    [InlineData("4000000000000002", "card_declined")]
    [InlineData("4000000000009995", "insufficient_funds")]
    [InlineData("4000000000000127", "incorrect_pin")]
    public async Task SimulatorDeclinesAreAnsweredAsDeclinedCharges(string pan, string declineCode)
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var charge = await terminal.ChargeOkAsync(terminal.ChargeJson(pan));
        Assert.Equal("declined", charge.Text("status"));
        Assert.Equal(declineCode, charge.Text("decline_code"));
        Assert.False(charge.GetProperty("gateway_data").TryGetProperty("authorization_code", out _));
        Assert.Matches(@"^\d{12}$", charge.GetProperty("gateway_data").Text("rrn"));
    }

    [Fact]
    public async Task TheTimeoutCardIsReversedWithTheAcquirerAndDeclinedIssuerUnavailable()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var charge = await terminal.ChargeOkAsync(terminal.ChargeJson(AcquirerSimulator.TimeoutCard));
        Assert.Equal("declined", charge.Text("status"));
        Assert.Equal("issuer_unavailable", charge.Text("decline_code"));

        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
        var reversal = await db.AcquirerReversals.SingleAsync(r => r.ChargeId == charge.Text("charge_id"));
        Assert.Equal("acquirer_timeout", reversal.Reason);
        Assert.NotNull(reversal.AcknowledgedAt);
        Assert.Equal(1, reversal.Attempts);
    }

    [Fact]
    public async Task AnExpiredCardIsADeclineNotAnError()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var lastMonth = app.Time.GetUtcNow().AddMonths(-1);
        var charge = await terminal.ChargeOkAsync(terminal.ChargeJson(expiryYear: lastMonth.Year, expiryMonth: lastMonth.Month));
        Assert.Equal("declined", charge.Text("status"));
        Assert.Equal("expired_card", charge.Text("decline_code"));

        var thisMonth = app.Time.GetUtcNow();
        var stillValid = await terminal.ChargeOkAsync(terminal.ChargeJson(expiryYear: thisMonth.Year, expiryMonth: thisMonth.Month));
        Assert.Equal("approved", stillValid.Text("status"));
    }

    [Theory]
    [InlineData("4111111111111111", "visa")]
    [InlineData("5555555555554444", "mastercard")]
    [InlineData("2221000000000009", "mastercard")]
    [InlineData("2720990000000007", "mastercard")]
    [InlineData("378282246310005", "amex")]
    [InlineData("6011111111111117", "discover")]
    [InlineData("6445644564456445", "discover")]
    [InlineData("6759649826438453", "maestro")]
    [InlineData("5018000000000009", "maestro")]
    [InlineData("3530111333300000", "jcb")]
    public async Task TheCardBrandComesFromTheBin(string pan, string brand)
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var charge = await terminal.ChargeOkAsync(terminal.ChargeJson(pan));
        Assert.Equal(brand, charge.GetProperty("card").Text("brand"));
        Assert.Equal(pan[^4..], charge.GetProperty("card").Text("last4"));
    }

    [Fact]
    public async Task PartialAndRepeatedRefundsAreAcceptedUpToTheAmount()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var chargeId = (await terminal.ChargeOkAsync()).Text("charge_id");

        var first = (await terminal.SendEncryptedOkAsync(terminal.RefundRequest(chargeId, "500"))).Body;
        Assert.Matches("^rf_[0-9A-Za-z]{24}$", first.Text("refund_id"));
        Assert.Equal(chargeId, first.Text("charge_id"));
        Assert.Equal("approved", first.Text("status"));
        Assert.Equal("500", first.GetProperty("amount").Text("value"));
        var second = (await terminal.SendEncryptedOkAsync(terminal.RefundRequest(chargeId, "1000"))).Body;
        Assert.NotEqual(first.Text("refund_id"), second.Text("refund_id"));

        var over = await terminal.Http.SendAsync(terminal.RefundRequest(chargeId, "1"));
        var error = await over.AssertErrorAsync(HttpStatusCode.UnprocessableEntity, "4022");
        Assert.Equal("0", error.GetProperty("details").GetProperty("refundable_amount").Text("value"));

        var status = (await terminal.SendEncryptedOkAsync(terminal.Signed(HttpMethod.Get, $"/pos/charge/{chargeId}", null))).Body;
        Assert.Equal("1500", status.GetProperty("refunded_amount").Text("value"));
        Assert.Equal("approved", status.Text("status"));
    }

    [Fact]
    public async Task ARefundInAnotherCurrencyIs422AndADeclinedChargeCannotBeRefunded()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var chargeId = (await terminal.ChargeOkAsync()).Text("charge_id");
        var currency = await terminal.Http.SendAsync(terminal.RefundRequest(chargeId, "100", "USD"));
        await currency.AssertErrorAsync(HttpStatusCode.UnprocessableEntity, "4022");

        var declined = (await terminal.ChargeOkAsync(terminal.ChargeJson(AcquirerSimulator.DeclinedCard))).Text("charge_id");
        var refund = await terminal.Http.SendAsync(terminal.RefundRequest(declined, "100"));
        await refund.AssertErrorAsync(HttpStatusCode.Conflict, "4009");
    }

    [Theory]
    [InlineData("cancel")]
    [InlineData("reverse")]
    public async Task CancelAndReverseAnswerTheSameTwiceAndQueueOneReversal(string verb)
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var chargeId = (await terminal.ChargeOkAsync()).Text("charge_id");

        var first = (await terminal.SendEncryptedOkAsync(terminal.Signed(HttpMethod.Post, $"/pos/charge/{chargeId}/{verb}", null))).Body;
        Assert.Equal(chargeId, first.Text("charge_id"));
        Assert.Equal("cancelled", first.Text("status"));
        var again = (await terminal.SendEncryptedOkAsync(terminal.Signed(HttpMethod.Post, $"/pos/charge/{chargeId}/{verb}", null))).Body;
        Assert.Equal(first.GetRawText(), again.GetRawText());

        var refund = await terminal.Http.SendAsync(terminal.RefundRequest(chargeId, "100"));
        await refund.AssertErrorAsync(HttpStatusCode.Conflict, "4009");
        var status = (await terminal.SendEncryptedOkAsync(terminal.Signed(HttpMethod.Get, $"/pos/charge/{chargeId}", null))).Body;
        Assert.Equal("cancelled", status.Text("status"));

        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
        var reversal = await db.AcquirerReversals.SingleAsync(r => r.ChargeId == chargeId);
        Assert.Equal("cancel", reversal.Reason);
        Assert.NotNull(reversal.AcknowledgedAt);
    }

    [Fact]
    public async Task ARefundedOrDeclinedChargeCannotBeCancelled()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var chargeId = (await terminal.ChargeOkAsync()).Text("charge_id");
        await terminal.SendEncryptedOkAsync(terminal.RefundRequest(chargeId, "100"));
        var cancel = await terminal.Http.SendAsync(terminal.Signed(HttpMethod.Post, $"/pos/charge/{chargeId}/cancel", null));
        await cancel.AssertErrorAsync(HttpStatusCode.Conflict, "4009");

        var declined = (await terminal.ChargeOkAsync(terminal.ChargeJson(AcquirerSimulator.DeclinedCard))).Text("charge_id");
        var reverse = await terminal.Http.SendAsync(terminal.Signed(HttpMethod.Post, $"/pos/charge/{declined}/reverse", null));
        await reverse.AssertErrorAsync(HttpStatusCode.Conflict, "4009");
    }

    [Fact]
    public async Task AChargeIsFoundByItsIdempotencyKeyAndReversedByIt()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var key = "order-" + Guid.NewGuid();
        var charge = await terminal.ChargeOkAsync(idempotencyKey: key);

        var found = (await terminal.SendEncryptedOkAsync(
            terminal.Signed(HttpMethod.Get, "/pos/charge?idempotency_key=" + Uri.EscapeDataString(key), null))).Body;
        Assert.Equal(charge.Text("charge_id"), found.Text("charge_id"));

        var unknown = await terminal.Http.SendAsync(terminal.Signed(HttpMethod.Get, "/pos/charge?idempotency_key=nobody-used-this", null));
        await unknown.AssertErrorAsync(HttpStatusCode.NotFound, "4004");

        var reverse = (await terminal.SendEncryptedOkAsync(terminal.Signed(HttpMethod.Post, "/pos/charge/reverse",
            terminal.EncryptedBody(JsonSerializer.Serialize(new { idempotency_key = key }))))).Body;
        Assert.Equal((key, "cancelled", charge.Text("charge_id")), (reverse.Text("idempotency_key"), reverse.Text("status"), reverse.Text("charge_id")));
        var status = (await terminal.SendEncryptedOkAsync(terminal.Signed(HttpMethod.Get, $"/pos/charge/{charge.Text("charge_id")}", null))).Body;
        Assert.Equal("cancelled", status.Text("status"));
    }

    [Fact]
    public async Task AReversalByKeyBeforeTheChargeRefusesTheLateCharge()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var key = "lost-" + Guid.NewGuid();
        var body = terminal.EncryptedBody(JsonSerializer.Serialize(new { idempotency_key = key }));
        var recorded = (await terminal.SendEncryptedOkAsync(terminal.Signed(HttpMethod.Post, "/pos/charge/reverse", body))).Body;
        Assert.Equal("reversal_recorded", recorded.Text("status"));
        Assert.Equal(JsonValueKind.Null, recorded.GetProperty("charge_id").ValueKind);
        var repeated = (await terminal.SendEncryptedOkAsync(terminal.Signed(HttpMethod.Post, "/pos/charge/reverse", body))).Body;
        Assert.Equal("reversal_recorded", repeated.Text("status"));

        var late = await terminal.Http.SendAsync(terminal.ChargeRequest(terminal.ChargeJson(), key));
        await late.AssertErrorAsync(HttpStatusCode.Conflict, "4009");
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
        Assert.Equal(0, await db.Charges.CountAsync(c => c.TerminalId == terminal.TerminalId));
    }

    [Fact]
    public async Task ReverseByKeyOfADeclinedChargeIs409()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var key = "declined-" + Guid.NewGuid();
        await terminal.ChargeOkAsync(terminal.ChargeJson(AcquirerSimulator.DeclinedCard), key);
        var reverse = await terminal.Http.SendAsync(terminal.Signed(HttpMethod.Post, "/pos/charge/reverse",
            terminal.EncryptedBody(JsonSerializer.Serialize(new { idempotency_key = key }))));
        await reverse.AssertErrorAsync(HttpStatusCode.Conflict, "4009");
    }

    [Fact]
    public async Task TheMerchantListsItsChargesNewestFirstWithFiltersAndACursor()
    {
        var (terminal, portal, _) = await app.ActivatedTerminalAsync();
        var (other, _, _) = await app.ActivatedTerminalAsync();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await terminal.ChargeOkAsync(terminal.ChargeJson(amount: (100 + i).ToString(System.Globalization.CultureInfo.InvariantCulture)))).Text("charge_id"));
        }

        var declined = (await terminal.ChargeOkAsync(terminal.ChargeJson(AcquirerSimulator.DeclinedCard))).Text("charge_id");
        var foreign = (await other.ChargeOkAsync()).Text("charge_id");
        await terminal.SendEncryptedOkAsync(terminal.RefundRequest(ids[0], "40"));

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var url = "/merchant/charges?limit=2" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor));
            using var page = JsonDocument.Parse(await portal.GetStringAsync(url));
            seen.AddRange(page.RootElement.GetProperty("data").EnumerateArray().Select(c => c.Text("charge_id")));
            cursor = page.RootElement.GetProperty("next_cursor").GetString();
        }
        while (cursor is not null);
        Assert.Equal([declined, .. Enumerable.Reverse(ids)], seen);
        Assert.DoesNotContain(foreign, seen);

        using var approved = JsonDocument.Parse(await portal.GetStringAsync($"/merchant/charges?status=approved&terminal_id={terminal.TerminalId}"));
        var rows = approved.RootElement.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(5, rows.Count);
        var oldest = rows[^1];
        Assert.Equal((ids[0], terminal.TerminalId, terminal.DeviceId, "40", "visa", "1111"),
            (oldest.Text("charge_id"), oldest.Text("terminal_id"), oldest.Text("device_id"), oldest.GetProperty("refunded_amount").Text("value"),
             oldest.GetProperty("card").Text("brand"), oldest.GetProperty("card").Text("last4")));

        var future = Uri.EscapeDataString(TestTerminal.Timestamp(app.Time.GetUtcNow().AddHours(1)));
        using var none = JsonDocument.Parse(await portal.GetStringAsync($"/merchant/charges?from={future}"));
        Assert.Empty(none.RootElement.GetProperty("data").EnumerateArray());

        var detail = await portal.GetFromJsonAsync<JsonElement>($"/merchant/charges/{ids[0]}");
        Assert.Equal("411111", detail.GetProperty("card").Text("first6"));
        Assert.Equal("40", detail.GetProperty("refunds")[0].GetProperty("amount").Text("value"));

        var notMine = await portal.GetAsync($"/merchant/charges/{foreign}");
        await notMine.AssertErrorAsync(HttpStatusCode.NotFound, "4004");
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=101", "limit")]
    [InlineData("limit=abc", "limit")]
    [InlineData("status=refunded", "status")]
    [InlineData("from=yesterday", "from")]
    [InlineData("to=2025-13-01T00:00:00Z", "to")]
    [InlineData("cursor=garbage", "cursor")]
    public async Task BadListParametersAre400NamingTheField(string query, string field)
    {
        var merchant = await app.CreateMerchantAsync();
        var portal = await app.PortalClientAsync(merchant);
        var response = await portal.GetAsync("/merchant/charges?" + query);
        var error = await response.AssertErrorAsync(HttpStatusCode.BadRequest, "4000");
        Assert.True(error.GetProperty("details").GetProperty("fields").TryGetProperty(field, out _));
    }
}
