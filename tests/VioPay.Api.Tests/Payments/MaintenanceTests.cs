using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Payments;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Payments;

/// <summary>
/// An acquirer whose reversals fail a set number of times before they are acknowledged: the real simulator behind
/// a flaky line. It stands in for the acquirer (outside VioPay), never for our own storage.
/// </summary>
public sealed class FlakyAcquirer(AcquirerSimulator inner) : IPaymentProcessor
{
    public Task<AuthorizationResult> IncrementAsync(IncrementRequest request, CancellationToken cancellationToken) =>
        inner.IncrementAsync(request, cancellationToken);

    public Task CaptureAsync(CaptureRequest request, CancellationToken cancellationToken) => inner.CaptureAsync(request, cancellationToken);

    public Task ReleaseAsync(string chargeId, string reason, CancellationToken cancellationToken) => inner.ReleaseAsync(chargeId, reason, cancellationToken);

    private int _reversalFailures;

    public int ReversalsReceived { get; private set; }

    public void FailNextReversals(int count) => Interlocked.Exchange(ref _reversalFailures, count);

    public Task<AuthorizationResult> AuthorizeAsync(AuthorizationRequest request, CancellationToken cancellationToken) =>
        inner.AuthorizeAsync(request, cancellationToken);

    public Task ReverseAsync(string chargeId, string reason, CancellationToken cancellationToken)
    {
        ReversalsReceived++;
        return Interlocked.Decrement(ref _reversalFailures) >= 0
            ? throw new AcquirerUnavailableException("connection reset by the acquirer")
            : inner.ReverseAsync(chargeId, reason, cancellationToken);
    }

    public Task<RefundResult> RefundAsync(string chargeId, string refundId, long amountMinor, string currency,
        CancellationToken cancellationToken) =>
        inner.RefundAsync(chargeId, refundId, amountMinor, currency, cancellationToken);
}

public sealed class FlakyAcquirerApp : AcquirerApp<FlakyAcquirer>;

/// <summary>
/// The sweep of abandoned pending charges, reversal retries until acknowledged, and the idempotency purge. Each test
/// moves its app's clock, so each has an app of its own.
/// </summary>
public sealed class MaintenanceTests : IAsyncLifetime
{
    private readonly FlakyAcquirerApp app = new();

    public Task InitializeAsync() => app.InitializeAsync();

    public Task DisposeAsync() => app.DisposeAsync();

    [Fact]
    public async Task AReversalIsRetriedUntilTheAcquirerAcknowledgesIt()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        app.Acquirer.FailNextReversals(3);
        var charge = await terminal.ChargeOkAsync(terminal.ChargeJson(AcquirerSimulator.TimeoutCard));
        Assert.Equal("issuer_unavailable", charge.Text("decline_code"));

        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
        async Task<AcquirerReversal> Reversal() =>
            await db.AcquirerReversals.AsNoTracking().SingleAsync(r => r.ChargeId == charge.Text("charge_id"));

        var afterFirst = await Reversal();
        Assert.Null(afterFirst.AcknowledgedAt);
        Assert.Equal(1, afterFirst.Attempts);
        Assert.Contains("AcquirerUnavailableException", afterFirst.LastError);

        // Not due yet: the back-off holds it.
        await app.RunMaintenanceAsync();
        Assert.Equal(1, (await Reversal()).Attempts);

        for (var i = 0; i < 3; i++)
        {
            app.Time.Advance(TimeSpan.FromMinutes(10));
            await app.RunMaintenanceAsync();
        }

        var done = await Reversal();
        Assert.Equal(4, done.Attempts);
        Assert.NotNull(done.AcknowledgedAt);
        Assert.Null(done.LastError);

        // Acknowledged reversals are never sent again.
        var received = app.Acquirer.ReversalsReceived;
        app.Time.Advance(TimeSpan.FromMinutes(10));
        await app.RunMaintenanceAsync();
        Assert.Equal(received, app.Acquirer.ReversalsReceived);
    }

    [Fact]
    public async Task AChargeLeftPendingByACrashIsDeclinedReversedAndItsKeyAnswered()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var key = Guid.NewGuid().ToString();
        var json = terminal.ChargeJson();
        string chargeId;
        using (var scope = app.Services.CreateScope())
        {
            // Exactly what ChargeOperations commits before it calls the acquirer, left behind by a process that died.
            var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
            var now = app.Time.GetUtcNow();
            chargeId = VioPay.Crypto.SecureIds.NewChargeId();
            db.IdempotencyRecords.Add(scope.ServiceProvider.InFlightRecord(terminal.TerminalId!, key, json, chargeId, now));
            var device = await db.Devices.SingleAsync(d => d.Id == terminal.DeviceId);
            var keySet = await db.KeySets.SingleAsync(k => k.DeviceId == terminal.DeviceId && k.Status == "active");
            db.Charges.Add(new Charge
            {
                Id = chargeId, TerminalId = terminal.TerminalId!, DeviceId = terminal.DeviceId, MerchantId = device.MerchantId!.Value,
                AmountMinor = 1500, Currency = "EUR", CardBrand = "visa", CardFirst6 = "411111", CardLast4 = "1111",
                CardFingerprint = new byte[32], Stan = "000123", IdempotencyKey = key, KeySetId = keySet.Id, CreatedAt = now, UpdatedAt = now,
            });
            await db.SaveChangesAsync();
        }

        var inFlight = await terminal.Http.SendAsync(terminal.ChargeRequest(json, key));
        await inFlight.AssertErrorAsync(System.Net.HttpStatusCode.Conflict, "4009");

        // Younger than the threshold: left alone.
        Assert.Equal(0, (await app.RunMaintenanceAsync()).Swept);
        app.Time.Advance(TimeSpan.FromSeconds(121));
        var round = await app.RunMaintenanceAsync();
        Assert.Equal(1, round.Swept);

        var (retry, replayed) = await terminal.SendEncryptedOkAsync(terminal.ChargeRequest(json, key));
        Assert.True(replayed);
        Assert.Equal((chargeId, "declined", "processing_error"), (retry.Text("charge_id"), retry.Text("status"), retry.Text("decline_code")));

        using var check = app.Services.CreateScope();
        var dbCheck = check.ServiceProvider.GetRequiredService<VioPayDbContext>();
        Assert.False(await dbCheck.Charges.AnyAsync(c => c.Status == ChargeStatus.Pending));
        Assert.Equal(1, await dbCheck.Charges.CountAsync(c => c.TerminalId == terminal.TerminalId));
        var reversal = await dbCheck.AcquirerReversals.SingleAsync(r => r.ChargeId == chargeId);
        Assert.Equal("abandoned_pending", reversal.Reason);
        Assert.NotNull(reversal.AcknowledgedAt);
    }

    [Fact]
    public async Task IdempotencyRecordsAreKeptADayThenPurged()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var key = Guid.NewGuid().ToString();
        var first = await terminal.ChargeOkAsync(idempotencyKey: key);

        app.Time.Advance(TimeSpan.FromHours(23));
        await app.RunMaintenanceAsync();
        var (replay, replayed) = await terminal.SendEncryptedOkAsync(terminal.ChargeRequest(terminal.ChargeJson(), key));
        Assert.True(replayed);
        Assert.Equal(first.Text("charge_id"), replay.Text("charge_id"));

        app.Time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        Assert.True((await app.RunMaintenanceAsync()).IdempotencyRecordsPurged >= 1);

        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
        Assert.False(await db.IdempotencyRecords.AnyAsync(r => r.TerminalId == terminal.TerminalId && r.Key == key));
        // The charge itself stays, and stays findable by its key.
        var found = (await terminal.SendEncryptedOkAsync(terminal.Signed(HttpMethod.Get, "/pos/charge?idempotency_key=" + key, null))).Body;
        Assert.Equal(first.Text("charge_id"), found.Text("charge_id"));
    }

    [Fact]
    public async Task ReverseByKeyAfterThePurgeReversesTheChargeTheKeyCreated()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var key = Guid.NewGuid().ToString();
        var charge = await terminal.ChargeOkAsync(idempotencyKey: key);
        app.Time.Advance(TimeSpan.FromHours(24) + TimeSpan.FromSeconds(1));
        Assert.True((await app.RunMaintenanceAsync()).IdempotencyRecordsPurged >= 1);

        var reverseBody = terminal.EncryptedBody(JsonSerializer.Serialize(new { idempotency_key = key }));
        var (reversed, _) = await terminal.SendEncryptedOkAsync(terminal.Signed(HttpMethod.Post, "/pos/charge/reverse", reverseBody));

        // The terminal is told the truth: the card was charged and that charge is now cancelled.
        Assert.Equal(("cancelled", charge.Text("charge_id")), (reversed.Text("status"), reversed.Text("charge_id")));
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
        Assert.Equal(ChargeStatus.Cancelled, (await db.Charges.AsNoTracking().SingleAsync(c => c.Id == charge.Text("charge_id"))).Status);
        Assert.False(await db.IdempotencyRecords.AnyAsync(r => r.TerminalId == terminal.TerminalId && r.Key == key));
        var reversal = await db.AcquirerReversals.AsNoTracking().SingleAsync(r => r.ChargeId == charge.Text("charge_id"));
        Assert.Equal("cancel", reversal.Reason);

        // Repeating it answers the cancelled charge again, as cancel does.
        var (again, _) = await terminal.SendEncryptedOkAsync(terminal.Signed(HttpMethod.Post, "/pos/charge/reverse",
            terminal.EncryptedBody(JsonSerializer.Serialize(new { idempotency_key = key }))));
        Assert.Equal(("cancelled", charge.Text("charge_id")), (again.Text("status"), again.Text("charge_id")));
    }
}
