using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VioPay.Api.Infrastructure.Persistence;

namespace VioPay.Api.Payments;

/// <summary>
/// Runs on every instance, every <see cref="PaymentOptions.MaintenanceIntervalSeconds"/>: sweeps charges left
/// <c>pending</c> by a crash (declined <c>processing_error</c>, their reversal queued, their Idempotency-Key answered),
/// expires lapsed pre-authorizations (release owed), sends again captures and increments whose request died, sends due
/// reversals, voids and releases, sends again the refunds the acquirer has not answered, and purges idempotency records past their retention. Rows are taken with
/// <c>FOR UPDATE SKIP LOCKED</c>, so instances share the work without doing any of it twice.
/// </summary>
public sealed class PaymentsMaintenance(IServiceScopeFactory scopes, IOptions<PaymentOptions> options, TimeProvider time,
    Infrastructure.Telemetry.VioPayMetrics metrics, ILogger<PaymentsMaintenance> logger) : BackgroundService
{
    public const string SweptDeclineCode = "processing_error";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.MaintenanceIntervalSeconds));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (Infrastructure.Errors.ApiExceptionHandler.IsDependencyFailure(e))
            {
                metrics.MaintenanceRoundFailed("skipped");
                logger.LogWarning("Payments maintenance skipped a round: {Reason}", e.GetType().Name);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // A background service that throws stops the host; one bad round must not stop payments on this instance.
                metrics.MaintenanceRoundFailed("failed");
                logger.LogError(e, "Payments maintenance round failed; the next round runs as usual");
            }
        }
    }

    /// <summary>One round of all three jobs; tests call it to avoid waiting for the timer.</summary>
    public async Task<MaintenanceRound> RunOnceAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
        var swept = await SweepPendingAsync(db, cancellationToken);
        var expired = await ExpireHoldsAsync(db, cancellationToken);
        var holds = scope.ServiceProvider.GetRequiredService<HoldOperations>();
        var resumed = 0;
        while (resumed < 100 && await holds.ResumeOneAsync(cancellationToken))
        {
            resumed++;
        }

        var reversed = await scope.ServiceProvider.GetRequiredService<ReversalOutbox>().SendDueAsync(null, 100, cancellationToken);
        var refunds = await ResolvePendingRefundsAsync(scope.ServiceProvider.GetRequiredService<RefundOperations>(), cancellationToken);
        var purged = await db.IdempotencyRecords.Where(r => r.ExpiresAt < time.GetUtcNow()).ExecuteDeleteAsync(cancellationToken);
        var round = new MaintenanceRound(swept, reversed, purged, refunds, expired, resumed);
        metrics.MaintenanceRound(round);
        return round;
    }

    /// <summary>Sends pending refunds that are due again (same refund id); answers how many got an answer.</summary>
    private static async Task<int> ResolvePendingRefundsAsync(RefundOperations refunds, CancellationToken cancellationToken)
    {
        var answered = 0;
        for (var i = 0; i < 100 && await refunds.TakeDueAsync(cancellationToken) is { } due; i++)
        {
            var view = await refunds.SendAsync(due.Refund, due.TerminalId, cancellationToken);
            answered += view.Status == RefundStatus.Pending ? 0 : 1;
        }

        return answered;
    }

    /// <summary>
    /// Holds past their <c>expires_at</c> become <c>expired</c>, their release owed to the acquirer in the same transaction
    /// (PROTOCOL §11.5). A hold with a capture or increment in flight is left to that operation.
    /// </summary>
    private async Task<int> ExpireHoldsAsync(VioPayDbContext db, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var lapsed = await db.Charges
            .FromSql($"""
                SELECT c.*, c.xmin FROM charges c WHERE c.status = 'authorized' AND c.expires_at <= {now} AND c.pending_operation IS NULL
                ORDER BY c.expires_at LIMIT 100 FOR UPDATE SKIP LOCKED
                """)
            .ToListAsync(cancellationToken);
        foreach (var charge in lapsed)
        {
            var transition = ChargeLifecycle.Find(ChargeOperation.Expire, charge.Status)!;
            ChargeLifecycle.Apply(charge, transition, now);
            db.AcquirerReversals.Add(ChargeLifecycle.Debt(charge, transition, "hold_expired", now)!);
            await Events.ChargeEvents.RaiseAsync(db, time, charge, transition, cancellationToken);
            logger.LogInformation("Authorization {ChargeId} expired; its release is queued", charge.Id);
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        db.ChangeTracker.Clear();
        return lapsed.Count;
    }

    private async Task<int> SweepPendingAsync(VioPayDbContext db, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var cutoff = now.AddSeconds(-options.Value.PendingSweepAfterSeconds);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var abandoned = await db.Charges
            .FromSql($"""
                SELECT c.*, c.xmin FROM charges c WHERE c.status = 'pending' AND c.created_at < {cutoff}
                ORDER BY c.created_at LIMIT 100 FOR UPDATE SKIP LOCKED
                """)
            .ToListAsync(cancellationToken);
        foreach (var charge in abandoned)
        {
            var transition = ChargeLifecycle.Find(ChargeOperation.SweepPending, charge.Status)!;
            ChargeLifecycle.Apply(charge, transition, now);
            charge.DeclineCode = SweptDeclineCode;
            db.AcquirerReversals.Add(ChargeLifecycle.Debt(charge, transition, "abandoned_pending", now)!);
            await Events.ChargeEvents.RaiseAsync(db, time, charge, transition, cancellationToken);
            if (charge.IdempotencyKey is not null)
            {
                var json = System.Text.Json.JsonSerializer.Serialize(ChargeView.Of(charge), Pos.PosEnvelopes.PlaintextJson);
                await db.IdempotencyRecords
                    .Where(r => r.TerminalId == charge.TerminalId && r.Key == charge.IdempotencyKey && r.ResourceId == charge.Id)
                    .ExecuteUpdateAsync(u => u
                        .SetProperty(r => r.State, IdempotencyState.Completed)
                        .SetProperty(r => r.ResponseStatus, StatusCodes.Status200OK)
                        .SetProperty(r => r.ResponseJson, json), cancellationToken);
            }

            logger.LogWarning("Charge {ChargeId} was left pending; declined and queued for reversal", charge.Id);
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        db.ChangeTracker.Clear();
        abandoned.ForEach(metrics.ChargeCompleted);
        return abandoned.Count;
    }
}

public sealed record MaintenanceRound(int Swept, int ReversalsAcknowledged, int IdempotencyRecordsPurged, int RefundsResolved = 0,
    int HoldsExpired = 0, int HoldOperationsResumed = 0);
