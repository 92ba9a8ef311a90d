using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Payments;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Payments;

/// <summary>Day close on the terminal (PROTOCOL §11.7): totals, reconciliation, the empty batch, replay, cancel after close.</summary>
public sealed class BatchCloseTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    private const string Mastercard = "5555555555554444";
    private const string Amex = "378282246310005";

    /// <summary>A day on one terminal; its expected totals are computed by hand in the test below.</summary>
    private static async Task<Day> ADayOfChargesAsync(TestTerminal t)
    {
        var visaEur = await t.ChargeIdAsync(amount: "1500");
        var mastercardEur = await t.ChargeIdAsync(Mastercard, "2500");
        await t.RefundOkAsync(mastercardEur, "700");
        var visaUsd = await t.ChargeIdAsync(amount: "1000", currency: "USD");
        var amexUsd = await t.ChargeIdAsync(Amex, "3000", "USD");
        await t.CancelOkAsync(amexUsd);
        var declined = (await t.ChargeOkAsync(t.ChargeJson(AcquirerSimulator.DeclinedCard, "2000"))).Text("charge_id");
        var visaJpy = await t.ChargeIdAsync(amount: "500", currency: "JPY");
        await t.RefundOkAsync(visaJpy, "500", "JPY");
        return new Day(visaEur, mastercardEur, visaUsd, amexUsd, declined, visaJpy);
    }

    private sealed record Day(string VisaEur, string MastercardEur, string VisaUsd, string AmexUsd, string Declined, string VisaJpy)
    {
        public string[] Sales => [VisaEur, MastercardEur, VisaUsd, VisaJpy];
    }

    [Fact]
    public async Task BatchTotalsMatchAHandComputedDayOfSeveralCurrenciesBrandsRefundsAndACancel()
    {
        var (t, _, _) = await app.ActivatedTerminalAsync();
        var day = await ADayOfChargesAsync(t);

        var batch = await t.CloseOkAsync();

        Assert.Matches("^bt_[0-9A-Za-z]{24}$", batch.Text("batch_id"));
        Assert.Equal("closed", batch.Text("status"));
        Assert.Equal(["batch_id", "status", "opened_at", "closed_at", "totals", "by_brand", "open_authorizations", "reconciliation"],
            batch.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["EUR", "JPY", "USD"], batch.GetProperty("totals").EnumerateArray().Select(x => x.Text("currency")));
        Assert.Equal((2, "4000", "0", 1, "700", 0, "3300"), batch.Total("EUR"));
        Assert.Equal((1, "500", "0", 1, "500", 0, "0"), batch.Total("JPY"));
        Assert.Equal((1, "1000", "0", 0, "0", 1, "1000"), batch.Total("USD"));
        Assert.Equal(["mastercard EUR 1 2500", "visa EUR 1 1500", "visa JPY 1 500", "visa USD 1 1000"],
            batch.GetProperty("by_brand").EnumerateArray().Select(b =>
                $"{b.Text("brand")} {b.Text("currency")} {b.GetProperty("count").GetInt32()} {b.Text("amount")}"));
        Assert.Equal(0, batch.GetProperty("open_authorizations").GetInt32());
        Assert.Equal("not_provided", batch.GetProperty("reconciliation").Text("status"));

        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
        var inBatch = await db.Charges.Where(c => c.BatchId == batch.Text("batch_id")).Select(c => c.Id).ToListAsync();
        Assert.Equal(day.Sales.Append(day.AmexUsd).Order(), inBatch.Order());
        Assert.Null((await db.Charges.SingleAsync(c => c.Id == day.Declined)).BatchId);
        Assert.Equal(2, await db.Refunds.CountAsync(r => r.BatchId == batch.Text("batch_id")));
        var stored = await db.Batches.SingleAsync(b => b.Id == batch.Text("batch_id"));
        Assert.Equal(batch.GetRawText(), stored.ReportJson);
    }

    [Fact]
    public async Task TheNextBatchOpensWhereTheLastClosedAndARefundOfAnEarlierDayMakesItsNetNegative()
    {
        var (t, _, _) = await app.ActivatedTerminalAsync();
        var charge = await t.ChargeIdAsync(amount: "1500");
        var first = await t.CloseOkAsync();

        await t.RefundOkAsync(charge, "500");
        var second = await t.CloseOkAsync();

        Assert.Equal(first.Text("closed_at"), second.Text("opened_at"));
        Assert.Equal((0, "0", "0", 1, "500", 0, "-500"), second.Total("EUR"));
        Assert.Empty(second.GetProperty("by_brand").EnumerateArray());
    }

    [Fact]
    public async Task AnEmptyBatchClosesWithNoTotals()
    {
        var (t, _, _) = await app.ActivatedTerminalAsync();
        var declined = await t.ChargeOkAsync(t.ChargeJson(AcquirerSimulator.DeclinedCard));
        Assert.Equal("declined", declined.Text("status"));

        var batch = await t.CloseOkAsync(new { terminal_totals = Array.Empty<object>(), charge_ids = Array.Empty<string>() });

        Assert.Empty(batch.GetProperty("totals").EnumerateArray());
        Assert.Empty(batch.GetProperty("by_brand").EnumerateArray());
        var reconciliation = batch.GetProperty("reconciliation");
        Assert.Equal("matched", reconciliation.Text("status"));
        Assert.Empty(reconciliation.GetProperty("differences").EnumerateArray());
    }

    [Fact]
    public async Task MatchingTerminalTotalsAndChargeIdsReconcileAsMatched()
    {
        var (t, _, _) = await app.ActivatedTerminalAsync();
        var day = await ADayOfChargesAsync(t);

        var batch = await t.CloseOkAsync(new
        {
            terminal_totals = new object[]
            {
                new { currency = "EUR", sales_count = 2, sales_amount = "4000", refunds_count = 1, refunds_amount = "700" },
                new { currency = "USD", sales_count = 1, sales_amount = "1000", refunds_count = 0, refunds_amount = "0" },
                new { currency = "JPY", sales_count = 1, sales_amount = "500", refunds_count = 1, refunds_amount = "500" },
            },
            // The cancelled charge may be listed or not.
            charge_ids = day.Sales.Append(day.AmexUsd),
        });

        var reconciliation = batch.GetProperty("reconciliation");
        Assert.Equal("matched", reconciliation.Text("status"));
        Assert.Empty(reconciliation.GetProperty("differences").EnumerateArray());
        Assert.Empty(reconciliation.GetProperty("missing_on_server").EnumerateArray());
        Assert.Empty(reconciliation.GetProperty("missing_on_terminal").EnumerateArray());
    }

    [Fact]
    public async Task DifferingTotalsAndChargeIdsReconcileAsMismatchedWithBothMissingLists()
    {
        var (t, _, _) = await app.ActivatedTerminalAsync();
        var day = await ADayOfChargesAsync(t);
        const string unknown = "ch_000000000000000000000000";

        var batch = await t.CloseOkAsync(new
        {
            terminal_totals = new object[]
            {
                new { currency = "EUR", sales_count = 2, sales_amount = "4100", refunds_count = 1, refunds_amount = "700" },
                new { currency = "JPY", sales_count = 1, sales_amount = "500", refunds_count = 1, refunds_amount = "500" },
                new { currency = "GBP", sales_count = 1, sales_amount = "900", refunds_count = 0, refunds_amount = "0" },
            },
            charge_ids = new[] { day.VisaEur, day.MastercardEur, day.VisaJpy, day.Declined, unknown },
        });

        var reconciliation = batch.GetProperty("reconciliation");
        Assert.Equal("mismatched", reconciliation.Text("status"));
        Assert.Equal(
            [
                "EUR sales_amount \"4100\" \"4000\"", "GBP sales_count 1 0", "GBP sales_amount \"900\" \"0\"",
                "USD sales_count 0 1", "USD sales_amount \"0\" \"1000\"",
            ],
            reconciliation.GetProperty("differences").EnumerateArray().Select(d =>
                $"{d.Text("currency")} {d.Text("field")} {d.GetProperty("terminal").GetRawText()} {d.GetProperty("server").GetRawText()}"));
        // The declined charge is in no batch: the terminal holding it is a difference too.
        Assert.Equal([day.Declined, unknown], reconciliation.GetProperty("missing_on_server").EnumerateArray().Select(x => x.GetString()));
        Assert.Equal([day.VisaUsd], reconciliation.GetProperty("missing_on_terminal").EnumerateArray().Select(x => x.GetString()));
    }

    [Fact]
    public async Task ChargeIdsAloneThatDifferMakeTheBatchMismatchedAndTotalsAloneThatAgreeMatch()
    {
        var (t, _, _) = await app.ActivatedTerminalAsync();
        var charge = await t.ChargeIdAsync();
        var onlyIds = await t.CloseOkAsync(new { charge_ids = Array.Empty<string>() });
        Assert.Equal("mismatched", onlyIds.GetProperty("reconciliation").Text("status"));
        Assert.Equal([charge], onlyIds.GetProperty("reconciliation").GetProperty("missing_on_terminal").EnumerateArray().Select(x => x.GetString()));

        await t.ChargeIdAsync(amount: "200");
        var onlyTotals = await t.CloseOkAsync(new
        {
            terminal_totals = new[] { new { currency = "EUR", sales_count = 1, sales_amount = "200", refunds_count = 0, refunds_amount = "0" } },
        });
        Assert.Equal("matched", onlyTotals.GetProperty("reconciliation").Text("status"));
    }

    [Fact]
    public async Task AMalformedCloseIs400NamingTheFieldsAndClosesNothing()
    {
        var (t, _, _) = await app.ActivatedTerminalAsync();
        await t.ChargeIdAsync();
        var response = await t.Http.SendAsync(t.CloseRequest(new
        {
            terminal_totals = new object[] { new { currency = "XXX", sales_count = -1, sales_amount = "12a", refunds_count = 0 } },
            charge_ids = "ch_1",
        }));
        var error = await response.AssertErrorAsync(HttpStatusCode.BadRequest, "4000");
        var fields = error.GetProperty("details").GetProperty("fields").EnumerateObject().Select(p => p.Name).Order();
        Assert.Equal(["charge_ids", "terminal_totals[0].currency", "terminal_totals[0].refunds_amount", "terminal_totals[0].sales_amount",
            "terminal_totals[0].sales_count"], fields);

        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
        Assert.False(await db.Batches.AnyAsync(b => b.TerminalId == t.TerminalId));
    }

    [Fact]
    public async Task ACloseRetriedWithItsIdempotencyKeyReplaysTheFirstAnswerAndClosesOnce()
    {
        var (t, _, _) = await app.ActivatedTerminalAsync();
        await t.ChargeIdAsync();
        var key = Guid.NewGuid().ToString();
        var body = new { charge_ids = Array.Empty<string>() };
        var (first, firstReplayed) = await t.SendEncryptedOkAsync(t.CloseRequest(body, key));
        await t.ChargeIdAsync();

        var (again, replayed) = await t.SendEncryptedOkAsync(t.CloseRequest(body, key));

        Assert.False(firstReplayed);
        Assert.True(replayed);
        Assert.Equal(first.GetRawText(), again.GetRawText());
        var other = await t.Http.SendAsync(t.CloseRequest(new { charge_ids = new[] { "ch_x" } }, key));
        await other.AssertErrorAsync(HttpStatusCode.UnprocessableEntity, "4022");
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
        Assert.Equal(1, await db.Batches.CountAsync(b => b.TerminalId == t.TerminalId));
    }

    [Fact]
    public async Task ParallelClosesAndChargesPutEveryApprovedChargeInExactlyOneBatch()
    {
        var (t, _, _) = await app.ActivatedTerminalAsync();
        var charges = Enumerable.Range(0, 12).Select(i => t.ChargeIdAsync(amount: $"{100 + i}")).ToList();
        var closes = Enumerable.Range(0, 4).Select(_ => t.CloseOkAsync()).ToList();
        var ids = await Task.WhenAll(charges);
        var batches = (await Task.WhenAll(closes)).ToList();
        batches.Add(await t.CloseOkAsync());

        Assert.Equal(12, batches.Sum(b => b.GetProperty("totals").EnumerateArray().Sum(x => x.GetProperty("sales_count").GetInt32())));
        Assert.Equal(Enumerable.Range(0, 12).Sum(i => 100L + i),
            batches.Sum(b => b.GetProperty("totals").EnumerateArray().Sum(x => long.Parse(x.Text("sales_amount"), System.Globalization.CultureInfo.InvariantCulture))));
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
        Assert.Equal(12, await db.Charges.CountAsync(c => ids.Contains(c.Id) && c.BatchId != null));
        Assert.Equal(5, await db.Batches.CountAsync(b => b.TerminalId == t.TerminalId));
    }

    [Fact]
    public async Task CancelAfterCloseIs409WhileARefundStillWorks()
    {
        var (t, _, _) = await app.ActivatedTerminalAsync();
        var charge = await t.ChargeIdAsync();
        var cancelledBefore = await t.ChargeIdAsync();
        await t.CancelOkAsync(cancelledBefore);
        var batch = await t.CloseOkAsync();

        foreach (var route in new[] { "cancel", "reverse" })
        {
            var refused = await t.Http.SendAsync(t.Signed(HttpMethod.Post, $"/pos/charge/{charge}/{route}", null));
            var error = await refused.AssertErrorAsync(HttpStatusCode.Conflict, "4009");
            Assert.Equal(batch.Text("batch_id"), error.GetProperty("details").Text("batch_id"));
        }

        var byKey = Guid.NewGuid().ToString();
        var keyed = (await t.ChargeOkAsync(idempotencyKey: byKey)).Text("charge_id");
        await t.CloseOkAsync();
        var reverseByKey = await t.Http.SendAsync(t.Signed(HttpMethod.Post, "/pos/charge/reverse",
            t.EncryptedBody(JsonSerializer.Serialize(new { idempotency_key = byKey }))));
        await reverseByKey.AssertErrorAsync(HttpStatusCode.Conflict, "4009");

        // A charge cancelled before the close answers its repeat as before; the closed one is refunded instead.
        await t.CancelOkAsync(cancelledBefore);
        await t.RefundOkAsync(charge, "1500");
        await t.RefundOkAsync(keyed, "100");
        var status = (await t.SendEncryptedOkAsync(t.Signed(HttpMethod.Get, $"/pos/charge/{charge}", null))).Body;
        Assert.Equal(("approved", "1500"), (status.Text("status"), status.GetProperty("refunded_amount").Text("value")));
    }
}
