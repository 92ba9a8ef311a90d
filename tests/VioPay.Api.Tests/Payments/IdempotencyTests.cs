using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Payments;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Payments;

/// <summary>The Idempotency-Key contract of PROTOCOL §8, and the refundable amount, under concurrency.</summary>
public sealed class IdempotencyTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    private VioPayDbContext Db(IServiceScope scope) => scope.ServiceProvider.GetRequiredService<VioPayDbContext>();

    [Fact]
    public async Task TheSameRequestWithTheSameKeyReplaysTheFirstAnswerAndCreatesNothing()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var key = Guid.NewGuid().ToString();
        var json = terminal.ChargeJson();
        var (first, firstReplayed) = await terminal.SendEncryptedOkAsync(terminal.ChargeRequest(json, key));
        Assert.False(firstReplayed);

        // The same plaintext with its keys in another order and other white space is the same request.
        using var reordered = JsonDocument.Parse(json);
        var shuffled = "{ " + string.Join(", ", reordered.RootElement.EnumerateObject().Reverse().Select(p => $"\"{p.Name}\": {p.Value.GetRawText()}")) + " }";
        var (second, secondReplayed) = await terminal.SendEncryptedOkAsync(terminal.ChargeRequest(shuffled, key));
        Assert.True(secondReplayed);
        Assert.Equal(first.GetRawText(), second.GetRawText());

        using var scope = app.Services.CreateScope();
        Assert.Equal(1, await Db(scope).Charges.CountAsync(c => c.TerminalId == terminal.TerminalId));
    }

    [Fact]
    public async Task TheSameKeyWithADifferentAmountIs422()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var key = Guid.NewGuid().ToString();
        await terminal.ChargeOkAsync(terminal.ChargeJson(amount: "1500"), key);
        var response = await terminal.Http.SendAsync(terminal.ChargeRequest(terminal.ChargeJson(amount: "1501"), key));
        await response.AssertErrorAsync(HttpStatusCode.UnprocessableEntity, "4022");

        using var scope = app.Services.CreateScope();
        Assert.Equal(1, await Db(scope).Charges.CountAsync(c => c.TerminalId == terminal.TerminalId));
    }

    [Fact]
    public async Task KeysAreScopedToTheTerminal()
    {
        var (one, _, merchant) = await app.ActivatedTerminalAsync();
        var (two, _, _) = await app.ActivatedTerminalAsync(merchant);
        var key = Guid.NewGuid().ToString();
        var a = await one.ChargeOkAsync(idempotencyKey: key);
        var b = await two.ChargeOkAsync(idempotencyKey: key);
        Assert.NotEqual(a.Text("charge_id"), b.Text("charge_id"));
    }

    [Fact]
    public async Task FiftyParallelIdenticalRequestsMakeExactlyOneCharge()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var key = Guid.NewGuid().ToString();
        var json = terminal.ChargeJson();
        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(async _ =>
        {
            var response = await terminal.Http.SendAsync(terminal.ChargeRequest(json, key));
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        }));

        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, $"{(int)r.StatusCode} {r.Body}"));
        var ids = responses.Where(r => r.StatusCode == HttpStatusCode.OK)
            .Select(r => terminal.Decrypt(JsonDocument.Parse(r.Body).RootElement).Text("charge_id")).Distinct().ToList();
        Assert.Single(ids);

        using var scope = app.Services.CreateScope();
        var rows = await Db(scope).Charges.Where(c => c.TerminalId == terminal.TerminalId).ToListAsync();
        Assert.Equal(ids[0], Assert.Single(rows).Id);

        // Once the first is complete every retry replays it.
        var (replay, replayed) = await terminal.SendEncryptedOkAsync(terminal.ChargeRequest(json, key));
        Assert.True(replayed);
        Assert.Equal(ids[0], replay.Text("charge_id"));
    }

    [Fact]
    public async Task TwentyParallelPartialRefundsNeverExceedTheCharge()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var chargeId = (await terminal.ChargeOkAsync(terminal.ChargeJson(amount: "1000"))).Text("charge_id");

        // 20 × 70 = 1400 asked against 1000: exactly 14 can succeed.
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            terminal.Http.SendAsync(terminal.RefundRequest(chargeId, "70", idempotencyKey: Guid.NewGuid().ToString()))));
        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.UnprocessableEntity, r.StatusCode.ToString()));
        Assert.Equal(14, responses.Count(r => r.StatusCode == HttpStatusCode.OK));

        using var scope = app.Services.CreateScope();
        var db = Db(scope);
        var refunded = await db.Refunds.Where(r => r.ChargeId == chargeId).SumAsync(r => r.AmountMinor);
        var charge = await db.Charges.SingleAsync(c => c.Id == chargeId);
        Assert.Equal(980, refunded);
        Assert.Equal(980, charge.RefundedMinor);
    }

    [Fact]
    public async Task ARefundWithAKeyIsReplayedAndNotRepeated()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var chargeId = (await terminal.ChargeOkAsync()).Text("charge_id");
        var key = Guid.NewGuid().ToString();
        var (first, _) = await terminal.SendEncryptedOkAsync(terminal.RefundRequest(chargeId, "1000", idempotencyKey: key));

        // After the first refund only 500 is left, yet the retry replays instead of failing: the key is judged first.
        var parallel = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ =>
            terminal.SendEncryptedOkAsync(terminal.RefundRequest(chargeId, "1000", idempotencyKey: key))));
        Assert.All(parallel, p => Assert.True(p.Replayed));
        Assert.All(parallel, p => Assert.Equal(first.GetRawText(), p.Body.GetRawText()));

        var different = await terminal.Http.SendAsync(terminal.RefundRequest(chargeId, "10", idempotencyKey: key));
        await different.AssertErrorAsync(HttpStatusCode.UnprocessableEntity, "4022");

        // The key of a refund on one charge cannot be reused for a charge.
        var asCharge = await terminal.Http.SendAsync(terminal.ChargeRequest(terminal.ChargeJson(), key));
        await asCharge.AssertErrorAsync(HttpStatusCode.UnprocessableEntity, "4022");

        using var scope = app.Services.CreateScope();
        Assert.Equal(1000, (await Db(scope).Charges.SingleAsync(c => c.Id == chargeId)).RefundedMinor);
    }

    [Fact]
    public async Task AFailedRefundLeavesItsKeyFree()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var chargeId = (await terminal.ChargeOkAsync()).Text("charge_id");
        var key = Guid.NewGuid().ToString();
        var tooMuch = await terminal.Http.SendAsync(terminal.RefundRequest(chargeId, "1501", idempotencyKey: key));
        await tooMuch.AssertErrorAsync(HttpStatusCode.UnprocessableEntity, "4022");
        var (ok, replayed) = await terminal.SendEncryptedOkAsync(terminal.RefundRequest(chargeId, "1500", idempotencyKey: key));
        Assert.False(replayed);
        Assert.Equal("approved", ok.Text("status"));
    }

    [Fact]
    public async Task AChargeStillInFlightIs409ForItsKey()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var key = Guid.NewGuid().ToString();
        using (var scope = app.Services.CreateScope())
        {
            // What a crashed instance leaves behind: the key claimed for this very request, its charge not yet answered.
            var db = Db(scope);
            var now = app.Time.GetUtcNow();
            db.IdempotencyRecords.Add(scope.ServiceProvider.InFlightRecord(terminal.TerminalId!, key, terminal.ChargeJson(), "ch_" + new string('P', 24), now));
            await db.SaveChangesAsync();
        }

        var response = await terminal.Http.SendAsync(terminal.ChargeRequest(terminal.ChargeJson(), key));
        await response.AssertErrorAsync(HttpStatusCode.Conflict, "4009");
        var different = await terminal.Http.SendAsync(terminal.ChargeRequest(terminal.ChargeJson(amount: "1"), key));
        await different.AssertErrorAsync(HttpStatusCode.UnprocessableEntity, "4022");
    }

    [Fact]
    public async Task ConcurrentChargeAndReverseByKeyNeverLeaveAnApprovedChargeBehindARecordedReversal()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        for (var round = 0; round < 10; round++)
        {
            var key = Guid.NewGuid().ToString();
            var reverseBody = terminal.EncryptedBody(JsonSerializer.Serialize(new { idempotency_key = key }));
            var charge = terminal.Http.SendAsync(terminal.ChargeRequest(terminal.ChargeJson(), key));
            var reverse = terminal.Http.SendAsync(terminal.Signed(HttpMethod.Post, "/pos/charge/reverse", reverseBody));
            await Task.WhenAll(charge, reverse);

            // Whatever the interleaving, the key's charge ends cancelled or never exists.
            var settle = await terminal.Http.SendAsync(terminal.Signed(HttpMethod.Post, "/pos/charge/reverse", reverseBody));
            Assert.Equal(HttpStatusCode.OK, settle.StatusCode);
            using var scope = app.Services.CreateScope();
            var row = await Db(scope).Charges.SingleOrDefaultAsync(c => c.TerminalId == terminal.TerminalId && c.IdempotencyKey == key);
            Assert.True(row is null || row.Status == ChargeStatus.Cancelled, row?.Status);
        }
    }
}
