using System.Collections.Concurrent;
using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Payments;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Payments;

/// <summary>
/// The acquirer's side of refunds, as an acquirer keeps it: one refund per refund id (a repeat of an id it has already
/// done is the same refund), so the money it sent back can be counted. It can lose its answer after doing the refund,
/// hold a refund until released, or refuse one. It stands in for the acquirer (outside VioPay), never for our storage.
/// </summary>
public sealed class RefundLedgerAcquirer(AcquirerSimulator inner) : IPaymentProcessor
{
    public Task<AuthorizationResult> IncrementAsync(IncrementRequest request, CancellationToken cancellationToken) =>
        inner.IncrementAsync(request, cancellationToken);

    public Task CaptureAsync(CaptureRequest request, CancellationToken cancellationToken) => inner.CaptureAsync(request, cancellationToken);

    public Task ReleaseAsync(string chargeId, string reason, CancellationToken cancellationToken) => inner.ReleaseAsync(chargeId, reason, cancellationToken);

    private readonly ConcurrentDictionary<string, long> _refunds = new();
    private int _answersToLose;

    public int RefundCalls;

    /// <summary>Set to hold the next refund at the acquirer until <see cref="Release"/>; <see cref="Asked"/> says it arrived.</summary>
    public TaskCompletionSource? Gate { get; set; }

    public TaskCompletionSource Asked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string? DeclineWith { get; set; }

    public void LoseNextAnswers(int count) => Interlocked.Exchange(ref _answersToLose, count);

    /// <summary>An error no acquirer client documents (a bug, a parser failure) on the next refund, before anything is done.</summary>
    public Exception? ThrowNext { get; set; }

    public void Release() => Gate?.TrySetResult();

    /// <summary>The money the acquirer has sent back for a charge: the sum over distinct refund ids.</summary>
    public long RefundedFor(string chargeId) => _refunds.Where(r => r.Key.StartsWith(chargeId + "/", StringComparison.Ordinal)).Sum(r => r.Value);

    public int DistinctRefunds => _refunds.Count;

    public Task<AuthorizationResult> AuthorizeAsync(AuthorizationRequest request, CancellationToken cancellationToken) =>
        inner.AuthorizeAsync(request, cancellationToken);

    public Task ReverseAsync(string chargeId, string reason, CancellationToken cancellationToken) => inner.ReverseAsync(chargeId, reason, cancellationToken);

    public async Task<RefundResult> RefundAsync(string chargeId, string refundId, long amountMinor, string currency,
        CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref RefundCalls);
        Asked.TrySetResult();
        if (ThrowNext is { } error)
        {
            ThrowNext = null;
            throw error;
        }

        if (DeclineWith is not null)
        {
            return new RefundResult(false, DeclineWith);
        }

        if (Gate is { } gate)
        {
            await gate.Task;
        }

        // Done at the acquirer: the money goes back to the card, once per refund id.
        _refunds.TryAdd(chargeId + "/" + refundId, amountMinor);
        // A caller that gave up meanwhile never hears of it, as with a real HTTP client.
        cancellationToken.ThrowIfCancellationRequested();
        if (Interlocked.Decrement(ref _answersToLose) >= 0)
        {
            throw new AcquirerTimeoutException("the acquirer's answer was lost on the way back");
        }

        return RefundResult.Acknowledged;
    }
}

public sealed class RefundLedgerApp : AcquirerApp<RefundLedgerAcquirer>
{
    public async Task<(Charge Charge, List<Refund> Refunds)> StoredAsync(string chargeId)
    {
        using var scope = Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
        return (await db.Charges.AsNoTracking().SingleAsync(c => c.Id == chargeId),
            await db.Refunds.AsNoTracking().Where(r => r.ChargeId == chargeId).ToListAsync());
    }
}

/// <summary>
/// PROTOCOL §11.10: a refund is committed pending before the acquirer is called, so no lost answer, client abort or
/// crash in between ever refunds a card twice. Each test moves its app's clock, so each has an app of its own.
/// </summary>
public sealed class RefundSafetyTests : IAsyncLifetime
{
    private readonly RefundLedgerApp app = new();

    public Task InitializeAsync() => app.InitializeAsync();

    public Task DisposeAsync() => app.DisposeAsync();

    [Fact]
    public async Task ARefundWhoseAnswerIsLostIsSentAgainUnderItsIdAndNeverRefundedTwice()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var chargeId = (await terminal.ChargeOkAsync()).Text("charge_id");
        app.Acquirer.LoseNextAnswers(1);
        var key = Guid.NewGuid().ToString();

        var (first, _) = await terminal.SendEncryptedOkAsync(terminal.RefundRequest(chargeId, "500", idempotencyKey: key));
        Assert.Equal("pending", first.Text("status"));
        // The terminal retries, as it should after an unclear answer: the same refund, not a second one.
        var (retry, replayed) = await terminal.SendEncryptedOkAsync(terminal.RefundRequest(chargeId, "500", idempotencyKey: key));
        Assert.True(replayed);
        Assert.Equal(first.Text("refund_id"), retry.Text("refund_id"));

        app.Time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(1, (await app.RunMaintenanceAsync()).RefundsResolved);

        // A retry now learns how the refund ended: the pending answer was replaced by the outcome.
        var (settled, settledReplay) = await terminal.SendEncryptedOkAsync(terminal.RefundRequest(chargeId, "500", idempotencyKey: key));
        Assert.True(settledReplay);
        Assert.Equal(("approved", first.Text("refund_id")), (settled.Text("status"), settled.Text("refund_id")));
        var (charge, refunds) = await app.StoredAsync(chargeId);
        var refund = Assert.Single(refunds);
        Assert.Equal((RefundStatus.Approved, first.Text("refund_id")), (refund.Status, refund.Id));
        Assert.Equal(500, charge.RefundedMinor);
        Assert.Equal(500, app.Acquirer.RefundedFor(chargeId));
        Assert.Equal(2, app.Acquirer.RefundCalls);
        // Answered once: never sent again.
        app.Time.Advance(TimeSpan.FromMinutes(10));
        await app.RunMaintenanceAsync();
        Assert.Equal(2, app.Acquirer.RefundCalls);
    }

    [Fact]
    public async Task AClientThatAbortsMidRefundGetsTheOneRefundOnItsRetry()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var chargeId = (await terminal.ChargeOkAsync()).Text("charge_id");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        app.Acquirer.Gate = gate;
        var key = Guid.NewGuid().ToString();

        using var abort = new CancellationTokenSource();
        var send = terminal.Http.SendAsync(terminal.RefundRequest(chargeId, "700", idempotencyKey: key), abort.Token);
        try
        {
            await app.Acquirer.Asked.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await abort.CancelAsync();
        }
        finally
        {
            // The acquirer does the refund after the client has gone (and never holds a request forever).
            gate.TrySetResult();
        }

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send.WaitAsync(TimeSpan.FromSeconds(30)));

        // The outcome is written although the client left; its retry replays it.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await app.StoredAsync(chargeId)).Refunds.SingleOrDefault()?.Status != RefundStatus.Approved && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        app.Acquirer.Gate = null;
        var (retry, replayed) = await terminal.SendEncryptedOkAsync(terminal.RefundRequest(chargeId, "700", idempotencyKey: key));
        Assert.True(replayed);
        Assert.Equal("approved", retry.Text("status"));
        var (charge, refunds) = await app.StoredAsync(chargeId);
        Assert.Single(refunds);
        Assert.Equal(700, charge.RefundedMinor);
        Assert.Equal(700, app.Acquirer.RefundedFor(chargeId));
        Assert.Equal(1, app.Acquirer.DistinctRefunds);
    }

    [Fact]
    public async Task ARefundLeftPendingIsCompletedByTheSweepAndItsKeyAnswered()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var chargeId = (await terminal.ChargeOkAsync()).Text("charge_id");
        var key = Guid.NewGuid().ToString();
        // The acquirer holds the refund and its request hangs, as when its instance stalls or dies right there.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        app.Acquirer.Gate = gate;
        var send = terminal.Http.SendAsync(terminal.RefundRequest(chargeId, "300", idempotencyKey: key));
        try
        {
            await app.Acquirer.Asked.Task.WaitAsync(TimeSpan.FromSeconds(30));

            // Committed pending with its amount reserved, and no lock held across the acquirer call: other refunds of the
            // charge are judged at once against what is left.
            Assert.Equal(RefundStatus.Pending, Assert.Single((await app.StoredAsync(chargeId)).Refunds).Status);
            var over = await terminal.Http.SendAsync(terminal.RefundRequest(chargeId, "1300")).WaitAsync(TimeSpan.FromSeconds(30));
            await over.AssertErrorAsync(HttpStatusCode.UnprocessableEntity, "4022");
            var inFlight = await terminal.Http.SendAsync(terminal.RefundRequest(chargeId, "300", idempotencyKey: key))
                .WaitAsync(TimeSpan.FromSeconds(30));
            await inFlight.AssertErrorAsync(HttpStatusCode.Conflict, "4009");

            // Younger than the threshold: the sweep leaves it to its request.
            Assert.Equal(0, (await app.RunMaintenanceAsync()).RefundsResolved);
            app.Time.Advance(TimeSpan.FromSeconds(121));
            app.Acquirer.Gate = null;
            Assert.Equal(1, (await app.RunMaintenanceAsync()).RefundsResolved);

            // The stalled request comes back late: the acquirer sees the same refund id again, and the sweep's outcome stands.
            gate.TrySetResult();
            var late = await send.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(HttpStatusCode.OK, late.StatusCode);
        }
        finally
        {
            // Never leave the request hanging at the acquirer, whatever failed above.
            gate.TrySetResult();
        }

        var (retry, replayed) = await terminal.SendEncryptedOkAsync(terminal.RefundRequest(chargeId, "300", idempotencyKey: key));
        Assert.True(replayed);
        Assert.Equal("approved", retry.Text("status"));
        var (charge, refunds) = await app.StoredAsync(chargeId);
        Assert.Equal(RefundStatus.Approved, Assert.Single(refunds).Status);
        Assert.Equal(300, charge.RefundedMinor);
        Assert.Equal(300, app.Acquirer.RefundedFor(chargeId));
        Assert.Equal(1, app.Acquirer.DistinctRefunds);
    }

    [Fact]
    public async Task AnUnexpectedAcquirerErrorLeavesTheRefundPendingAndTheSweepRunning()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var chargeId = (await terminal.ChargeOkAsync()).Text("charge_id");
        app.Acquirer.ThrowNext = new InvalidOperationException("the acquirer's client could not parse its answer");

        var (first, _) = await terminal.SendEncryptedOkAsync(terminal.RefundRequest(chargeId, "400"));
        Assert.Equal("pending", first.Text("status"));
        app.Time.Advance(TimeSpan.FromSeconds(5));
        app.Acquirer.ThrowNext = new InvalidOperationException("again");
        // The round survives the error (a background service that throws would stop the host) and backs off.
        Assert.Equal(0, (await app.RunMaintenanceAsync()).RefundsResolved);
        var pending = Assert.Single((await app.StoredAsync(chargeId)).Refunds);
        Assert.Equal((RefundStatus.Pending, 2), (pending.Status, pending.Attempts));
        Assert.Contains("InvalidOperationException", pending.LastError, StringComparison.Ordinal);

        app.Time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(1, (await app.RunMaintenanceAsync()).RefundsResolved);
        Assert.Equal(RefundStatus.Approved, Assert.Single((await app.StoredAsync(chargeId)).Refunds).Status);
        Assert.Equal(400, app.Acquirer.RefundedFor(chargeId));
    }

    [Fact]
    public async Task ARefusedRefundGivesItsAmountBack()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var chargeId = (await terminal.ChargeOkAsync()).Text("charge_id");
        app.Acquirer.DeclineWith = "refund_not_allowed";

        var (refused, _) = await terminal.SendEncryptedOkAsync(terminal.RefundRequest(chargeId, "1500"));

        Assert.Equal(("declined", "refund_not_allowed"), (refused.Text("status"), refused.Text("decline_code")));
        Assert.Equal(0, (await app.StoredAsync(chargeId)).Charge.RefundedMinor);
        app.Acquirer.DeclineWith = null;
        var (approved, _) = await terminal.SendEncryptedOkAsync(terminal.RefundRequest(chargeId, "1500"));
        Assert.Equal("approved", approved.Text("status"));
        Assert.Equal(1500, (await app.StoredAsync(chargeId)).Charge.RefundedMinor);
    }
}
