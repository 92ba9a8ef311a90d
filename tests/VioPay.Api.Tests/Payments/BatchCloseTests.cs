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
    [Fact]
    public async Task BatchTotalsMatchAHandComputedDayOfSeveralCurrenciesBrandsRefundsAndACancel()
    {
        var (t, _, _) = await app.ActivatedTerminalAsync();
        var day = await t.ADayOfChargesAsync();

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
