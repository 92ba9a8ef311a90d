using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Payments;

/// <summary>The merchant's batches, their CSV, and refund and cancel from the backoffice (PROTOCOL §11.8).</summary>
public sealed class BatchBackofficeTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    [Fact]
    public async Task TheBackofficeServesTheBatchTheTerminalGotAndListsBatchesNewestFirstByPage()
    {
        var (t, portal, _) = await app.ActivatedTerminalAsync();
        var (other, _, _) = await app.ActivatedTerminalAsync(); // another merchant's batch never shows
        await other.CloseOkAsync();
        var closed = new List<JsonElement>();
        for (var i = 0; i < 3; i++)
        {
            await t.ChargeIdAsync(amount: $"{100 + i}");
            closed.Add(await t.CloseOkAsync());
            app.Time.Advance(TimeSpan.FromSeconds(2));
        }

        var one = JsonSerializer.Deserialize<JsonElement>(await portal.GetStringAsync($"/merchant/batches/{closed[0].Text("batch_id")}"));
        Assert.Equal(t.TerminalId, one.Text("terminal_id"));
        Assert.Equal(t.DeviceId, one.Text("device_id"));
        Assert.Equal(closed[0].EnumerateObject().Select(p => (p.Name, p.Value.GetRawText())),
            one.EnumerateObject().Where(p => p.Name is not ("terminal_id" or "device_id")).Select(p => (p.Name, p.Value.GetRawText())));

        var first = JsonSerializer.Deserialize<JsonElement>(await portal.GetStringAsync($"/merchant/batches?limit=2&terminal_id={t.TerminalId}"));
        Assert.Equal([closed[2].Text("batch_id"), closed[1].Text("batch_id")],
            first.GetProperty("data").EnumerateArray().Select(b => b.Text("batch_id")));
        var cursor = first.Text("next_cursor");
        var second = JsonSerializer.Deserialize<JsonElement>(await portal.GetStringAsync($"/merchant/batches?limit=2&cursor={Uri.EscapeDataString(cursor)}"));
        Assert.Equal([closed[0].Text("batch_id")], second.GetProperty("data").EnumerateArray().Select(b => b.Text("batch_id")));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next_cursor").ValueKind);

        var bad = await portal.GetAsync("/merchant/batches?limit=0&cursor=x");
        var error = await bad.AssertErrorAsync(HttpStatusCode.BadRequest, "4000");
        Assert.Equal(["cursor", "limit"], error.GetProperty("details").GetProperty("fields").EnumerateObject().Select(p => p.Name).Order());
    }

    [Fact]
    public async Task TheTransactionsCsvHasOneRowPerChargeAndRefundOfTheBatchAndNoPan()
    {
        var (t, portal, _) = await app.ActivatedTerminalAsync();
        var sale = await t.ChargeIdAsync(amount: "1500");
        var cancelled = await t.ChargeIdAsync("5555555555554444", "800");
        await t.CancelOkAsync(cancelled);
        await t.RefundOkAsync(sale, "300");
        await t.ChargeOkAsync(t.ChargeJson(VioPay.Api.Payments.AcquirerSimulator.DeclinedCard)); // in no batch
        var batch = (await t.CloseOkAsync()).Text("batch_id");

        var response = await portal.GetAsync($"/merchant/batches/{batch}/transactions.csv");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("4111111111111111", text, StringComparison.Ordinal);
        Assert.DoesNotContain("411111", text, StringComparison.Ordinal);
        var rows = BatchRequests.ParseCsv(text);

        Assert.Equal("type,id,charge_id,created_at,terminal_id,brand,last4,currency,amount,tip,status,authorization_code,rrn", string.Join(',', rows[0]));
        Assert.Equal(4, rows.Count);
        Assert.All(rows, r => Assert.Equal(13, r.Length));
        var charge = rows.Single(r => r[0] == "charge" && r[1] == sale);
        Assert.Equal([sale, t.TerminalId!, "visa", "1111", "EUR", "1500", "0", "approved"], charge[2..3].Concat(charge[4..11]));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", charge[3]);
        Assert.Matches("^[0-9A-Z]{6}$", charge[11]);
        Assert.Matches(@"^\d{12}$", charge[12]);
        Assert.Equal("cancelled", rows.Single(r => r[1] == cancelled)[10]);
        var refund = rows.Single(r => r[0] == "refund");
        Assert.Matches("^rf_", refund[1]);
        Assert.Equal([sale, t.TerminalId!, "visa", "1111", "EUR", "300", "", "approved", "", ""], refund[2..3].Concat(refund[4..]));
    }

    [Fact]
    public async Task ABackofficeRefundIs201ACancelIs200AndAnotherMerchantsChargeOrBatchIs404()
    {
        var (t, portal, _) = await app.ActivatedTerminalAsync();
        var (_, otherPortal, _) = await app.ActivatedTerminalAsync();
        var toRefund = await t.ChargeIdAsync(amount: "1500");
        var toCancel = await t.ChargeIdAsync(amount: "900");

        var refund = await portal.PostAsJsonAsync($"/merchant/charges/{toRefund}/refund",
            new { amount = new { value = "400", currency = "EUR" }, reason = "returned goods" });
        Assert.Equal(HttpStatusCode.Created, refund.StatusCode);
        var body = JsonSerializer.Deserialize<JsonElement>(await refund.Content.ReadAsStringAsync());
        Assert.Equal((toRefund, "approved", "400", "returned goods"),
            (body.Text("charge_id"), body.Text("status"), body.GetProperty("amount").Text("value"), body.Text("reason")));

        var cancel = await portal.PostAsync($"/merchant/charges/{toCancel}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        var charge = JsonSerializer.Deserialize<JsonElement>(await cancel.Content.ReadAsStringAsync());
        Assert.Equal((toCancel, "cancelled"), (charge.Text("charge_id"), charge.Text("status")));
        Assert.Equal(HttpStatusCode.OK, (await portal.PostAsync($"/merchant/charges/{toCancel}/cancel", null)).StatusCode);

        // The terminal's rules: a refunded charge cannot be cancelled, a cancelled one not refunded, no refund above the rest.
        await (await portal.PostAsync($"/merchant/charges/{toRefund}/cancel", null)).AssertErrorAsync(HttpStatusCode.Conflict, "4009");
        await (await portal.PostAsJsonAsync($"/merchant/charges/{toCancel}/refund", new { amount = new { value = "1", currency = "EUR" } }))
            .AssertErrorAsync(HttpStatusCode.Conflict, "4009");
        await (await portal.PostAsJsonAsync($"/merchant/charges/{toRefund}/refund", new { amount = new { value = "1101", currency = "EUR" } }))
            .AssertErrorAsync(HttpStatusCode.UnprocessableEntity, "4022");

        var stranger = await t.ChargeIdAsync(amount: "700");
        var batch = (await t.CloseOkAsync()).Text("batch_id");
        await (await otherPortal.PostAsJsonAsync($"/merchant/charges/{stranger}/refund", new { amount = new { value = "1", currency = "EUR" } }))
            .AssertErrorAsync(HttpStatusCode.NotFound, "4004");
        await (await otherPortal.PostAsync($"/merchant/charges/{stranger}/cancel", null)).AssertErrorAsync(HttpStatusCode.NotFound, "4004");
        await (await otherPortal.GetAsync($"/merchant/batches/{batch}")).AssertErrorAsync(HttpStatusCode.NotFound, "4004");
        await (await otherPortal.GetAsync($"/merchant/batches/{batch}/transactions.csv")).AssertErrorAsync(HttpStatusCode.NotFound, "4004");

        // After the close the backoffice cancel is refused like the terminal's; a refund still works.
        await (await portal.PostAsync($"/merchant/charges/{stranger}/cancel", null)).AssertErrorAsync(HttpStatusCode.Conflict, "4009");
        Assert.Equal(HttpStatusCode.Created, (await portal.PostAsJsonAsync($"/merchant/charges/{stranger}/refund",
            new { amount = new { value = "700", currency = "EUR" } })).StatusCode);
    }

    [Fact]
    public async Task ABackofficeRefundRetriedWithItsKeyReplaysAndTheKeyIsTheMerchantsNotTheTerminals()
    {
        var (t, portal, _) = await app.ActivatedTerminalAsync();
        var chargeId = await t.ChargeIdAsync(amount: "1500");
        var key = Guid.NewGuid().ToString();
        HttpRequestMessage Refund(string value) => new(HttpMethod.Post, $"/merchant/charges/{chargeId}/refund")
        {
            Content = JsonContent.Create(new { amount = new { value, currency = "EUR" } }),
            Headers = { { "Idempotency-Key", key } },
        };

        var first = await portal.SendAsync(Refund("500"));
        var again = await portal.SendAsync(Refund("500"));

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (first.StatusCode, again.StatusCode));
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(await first.Content.ReadAsStringAsync(), await again.Content.ReadAsStringAsync());
        await (await portal.SendAsync(Refund("600"))).AssertErrorAsync(HttpStatusCode.UnprocessableEntity, "4022");

        // The same key on the terminal is another key space: a refund of its own.
        var terminalRefund = (await t.SendEncryptedOkAsync(t.RefundRequest(chargeId, "500", idempotencyKey: key))).Body;
        Assert.Equal("approved", terminalRefund.Text("status"));
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
        Assert.Equal(2, await db.Refunds.CountAsync(r => r.ChargeId == chargeId));
        Assert.Equal(1000, (await db.Charges.SingleAsync(c => c.Id == chargeId)).RefundedMinor);

        var badKey = new HttpRequestMessage(HttpMethod.Post, $"/merchant/charges/{chargeId}/refund")
        {
            Content = JsonContent.Create(new { amount = new { value = "1", currency = "EUR" } }),
        };
        badKey.Headers.TryAddWithoutValidation("Idempotency-Key", new string('k', 256));
        await (await portal.SendAsync(badKey)).AssertErrorAsync(HttpStatusCode.BadRequest, "4000");
    }
}
