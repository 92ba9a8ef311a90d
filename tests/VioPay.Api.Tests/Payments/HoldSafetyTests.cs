using System.Collections.Concurrent;
using System.Net;
using VioPay.Api.Payments;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Payments;

/// <summary>
/// The acquirer's side of holds, as an acquirer keeps it: one capture per charge id (a repeat is the same capture), and
/// every release it was sent. It can lose a capture's answer after doing it, or take its time. It stands in for the
/// acquirer (outside VioPay), never for our storage.
/// </summary>
public sealed class HoldLedgerAcquirer(AcquirerSimulator inner) : IPaymentProcessor
{
    private readonly ConcurrentDictionary<string, long> _captures = new();
    private readonly ConcurrentDictionary<string, int> _releases = new();
    private int _answersToLose;

    public int CaptureCalls;

    public TimeSpan CaptureDelay { get; set; }

    public void LoseNextCaptureAnswers(int count) => Interlocked.Exchange(ref _answersToLose, count);

    /// <summary>An error no acquirer client documents (a bug, a parser failure) on the next capture, before anything is done.</summary>
    public Exception? ThrowNextCapture { get; set; }

    /// <summary>What the acquirer captured for a charge, or null when it never did.</summary>
    public long? CapturedFor(string chargeId) => _captures.TryGetValue(chargeId, out var amount) ? amount : null;

    public int ReleasesFor(string chargeId) => _releases.GetValueOrDefault(chargeId);

    public Task<AuthorizationResult> AuthorizeAsync(AuthorizationRequest request, CancellationToken cancellationToken) =>
        inner.AuthorizeAsync(request, cancellationToken);

    public Task<AuthorizationResult> IncrementAsync(IncrementRequest request, CancellationToken cancellationToken) =>
        inner.IncrementAsync(request, cancellationToken);

    public async Task CaptureAsync(CaptureRequest request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref CaptureCalls);
        if (ThrowNextCapture is { } error)
        {
            ThrowNextCapture = null;
            throw error;
        }

        await Task.Delay(CaptureDelay, CancellationToken.None);
        // A second capture of one authorization would be money taken twice: the ledger would show a different amount.
        _captures.AddOrUpdate(request.ChargeId, request.AmountMinor, (_, before) => before == request.AmountMinor ? before : -1);
        if (Interlocked.Decrement(ref _answersToLose) >= 0)
        {
            throw new AcquirerTimeoutException("the acquirer's answer was lost on the way back");
        }
    }

    public Task ReverseAsync(string chargeId, string reason, CancellationToken cancellationToken) => inner.ReverseAsync(chargeId, reason, cancellationToken);

    public Task ReleaseAsync(string chargeId, string reason, CancellationToken cancellationToken)
    {
        _releases.AddOrUpdate(chargeId, 1, (_, n) => n + 1);
        return Task.CompletedTask;
    }

    public Task<RefundResult> RefundAsync(string chargeId, string refundId, long amountMinor, string currency,
        CancellationToken cancellationToken) => inner.RefundAsync(chargeId, refundId, amountMinor, currency, cancellationToken);
}

/// <summary>
/// No double capture and no forgotten hold (PROTOCOL §11.4, §11.5): parallel captures capture once, a capture whose answer
/// is lost is completed by the sweep under the same charge id, and a lapsed hold is expired and released. Each test moves
/// its app's clock, so each has an app of its own.
/// </summary>
public sealed class HoldSafetyTests : IAsyncLifetime
{
    private readonly AcquirerApp<HoldLedgerAcquirer> app = new();

    public Task InitializeAsync() => app.InitializeAsync();

    public Task DisposeAsync() => app.DisposeAsync();

    [Fact]
    public async Task TwentyParallelCapturesOfOneAuthorizationCaptureOnce()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var id = await terminal.PreAuthorizedAsync("1000");
        app.Acquirer.CaptureDelay = TimeSpan.FromMilliseconds(200);

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            terminal.Http.SendAsync(terminal.CaptureRequest(id, tip: (100 + i).ToString(System.Globalization.CultureInfo.InvariantCulture)))));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
        Assert.Equal(1, app.Acquirer.CaptureCalls);
        var stored = await app.StoredChargeAsync(id);
        Assert.Equal(ChargeStatus.Approved, stored.Status);
        Assert.Equal(stored.AmountMinor, app.Acquirer.CapturedFor(id));
    }

    [Fact]
    public async Task ACaptureWhoseAnswerIsLostIsCompletedByTheSweepAndCapturedOnce()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var id = await terminal.PreAuthorizedAsync("1000");
        app.Acquirer.LoseNextCaptureAnswers(1);

        await (await terminal.Http.SendAsync(terminal.CaptureRequest(id, tip: "100", idempotencyKey: "cap")))
            .AssertErrorAsync(HttpStatusCode.ServiceUnavailable, "5003");
        Assert.Equal((ChargeStatus.Authorized, HoldOperation.Capture), ((await app.StoredChargeAsync(id)).Status, (await app.StoredChargeAsync(id)).PendingOperation));
        // Meanwhile nothing else starts on the hold, and the key is in flight.
        await (await terminal.Http.SendAsync(terminal.CaptureRequest(id, tip: "100", idempotencyKey: "cap")))
            .AssertErrorAsync(HttpStatusCode.Conflict, "4009");
        await (await terminal.Http.SendAsync(terminal.CancelRequest(id))).AssertErrorAsync(HttpStatusCode.Conflict, "4009");
        Assert.Equal(0, (await app.RunMaintenanceAsync()).HoldOperationsResumed);

        app.Time.Advance(TimeSpan.FromSeconds(121));
        Assert.Equal(1, (await app.RunMaintenanceAsync()).HoldOperationsResumed);

        var (answer, replayed) = await terminal.SendEncryptedOkAsync(terminal.CaptureRequest(id, tip: "100", idempotencyKey: "cap"));
        Assert.True(replayed);
        Assert.Equal(("approved", "1100", "100"), (answer.Text("status"), answer.Value("amount"), answer.Value("tip_amount")));
        Assert.Equal(2, app.Acquirer.CaptureCalls);
        Assert.Equal(1100, app.Acquirer.CapturedFor(id));
        Assert.Null((await app.StoredChargeAsync(id)).PendingOperation);
    }

    [Fact]
    public async Task AnUnexpectedAcquirerErrorOnACaptureIsSentAgainNeverA500()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var id = await terminal.PreAuthorizedAsync("1000");
        app.Acquirer.ThrowNextCapture = new InvalidOperationException("the acquirer's client could not parse its answer");

        await (await terminal.Http.SendAsync(terminal.CaptureRequest(id, idempotencyKey: "cap-odd")))
            .AssertErrorAsync(HttpStatusCode.ServiceUnavailable, "5003");
        Assert.Equal(HoldOperation.Capture, (await app.StoredChargeAsync(id)).PendingOperation);

        app.Time.Advance(TimeSpan.FromSeconds(121));
        app.Acquirer.ThrowNextCapture = new InvalidOperationException("again, from the sweep");
        // The round survives it (a background service that throws stops the host), and the intent stays for the next one.
        Assert.Equal(1, (await app.RunMaintenanceAsync()).HoldOperationsResumed);
        Assert.Equal(HoldOperation.Capture, (await app.StoredChargeAsync(id)).PendingOperation);
        app.Time.Advance(TimeSpan.FromSeconds(121));
        Assert.Equal(1, (await app.RunMaintenanceAsync()).HoldOperationsResumed);

        var (answer, replayed) = await terminal.SendEncryptedOkAsync(terminal.CaptureRequest(id, idempotencyKey: "cap-odd"));
        Assert.True(replayed);
        Assert.Equal(("approved", "1000"), (answer.Text("status"), answer.Value("amount")));
        Assert.Equal(1000, app.Acquirer.CapturedFor(id));
    }

    [Fact]
    public async Task AHoldPastItsExpiryIsRefusedThenExpiredByTheSweepAndReleasedOnce()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var id = await terminal.PreAuthorizedAsync("1000");
        var kept = await terminal.PreAuthorizedAsync("1000");
        app.Time.Advance(TimeSpan.FromHours(167));
        Assert.Equal(0, (await app.RunMaintenanceAsync()).HoldsExpired);
        await terminal.SendEncryptedOkAsync(terminal.IncrementRequest(kept, "100"));

        app.Time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        await terminal.AssertRefusedAsync(terminal.CaptureRequest(id), "expired");
        await terminal.AssertRefusedAsync(terminal.IncrementRequest(id, "100"), "expired");
        await terminal.AssertRefusedAsync(terminal.CancelRequest(id), "expired");

        var round = await app.RunMaintenanceAsync();
        Assert.Equal(2, round.HoldsExpired);
        Assert.Equal("expired", (await terminal.GetChargeAsync(id)).Text("status"));
        var debt = Assert.Single(await app.DebtsAsync(id));
        Assert.Equal((AcquirerDebt.Release, "hold_expired"), (debt.Kind, debt.Reason));
        Assert.NotNull(debt.AcknowledgedAt);
        Assert.Equal(1, app.Acquirer.ReleasesFor(id));
        await app.RunMaintenanceAsync();
        Assert.Equal(1, app.Acquirer.ReleasesFor(id));
        await terminal.AssertRefusedAsync(terminal.CaptureRequest(id), "expired");
    }
}
