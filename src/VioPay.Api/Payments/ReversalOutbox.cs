using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VioPay.Api.Infrastructure.Persistence;

namespace VioPay.Api.Payments;

/// <summary>
/// Reversals, voids and releases owed to the acquirer (<see cref="AcquirerDebt"/>), kept as rows written in the same transaction as the change that owes them
/// (a cancel, a void, a lapsed hold, an acquirer timeout, a swept pending charge), then sent at once and, until acknowledged, again by
/// <see cref="PaymentsMaintenance"/> with a growing back-off. Sending takes the row with <c>FOR UPDATE SKIP LOCKED</c>,
/// so two instances never send the same reversal at the same time.
/// </summary>
public sealed class ReversalOutbox(VioPayDbContext db, IPaymentProcessor processor, IOptions<PaymentOptions> options,
    TimeProvider time, ILogger<ReversalOutbox> logger)
{
    public static AcquirerReversal New(string chargeId, string reason, DateTimeOffset now, string kind = AcquirerDebt.Reversal) => new()
    {
        ChargeId = chargeId,
        Reason = reason,
        Kind = kind,
        CreatedAt = now,
        NextAttemptAt = now,
    };

    /// <summary>Sends one charge's reversal now; a failure is left for the retry loop, never thrown at the caller.</summary>
    public async Task TryNowAsync(string chargeId)
    {
        try
        {
            await SendDueAsync(chargeId, 1, CancellationToken.None);
        }
        catch (Exception e) when (Infrastructure.Errors.ApiExceptionHandler.IsDependencyFailure(e))
        {
            logger.LogWarning("Reversal of {ChargeId} left for the retry loop: {Reason}", chargeId, e.GetType().Name);
        }
    }

    /// <summary>Sends up to <paramref name="batch"/> due reversals (of one charge, or any); answers how many were acknowledged.</summary>
    public async Task<int> SendDueAsync(string? chargeId, int batch, CancellationToken cancellationToken)
    {
        var acknowledged = 0;
        for (var i = 0; i < batch; i++)
        {
            var now = time.GetUtcNow();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var query = chargeId is null
                ? db.AcquirerReversals.FromSql($"""
                    SELECT * FROM acquirer_reversals WHERE acknowledged_at IS NULL AND next_attempt_at <= {now}
                    ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED
                    """)
                : db.AcquirerReversals.FromSql($"""
                    SELECT * FROM acquirer_reversals WHERE acknowledged_at IS NULL AND next_attempt_at <= {now} AND charge_id = {chargeId}
                    FOR UPDATE SKIP LOCKED
                    """);
            var due = await query.OrderBy(r => r.NextAttemptAt).FirstOrDefaultAsync(cancellationToken);
            if (due is null)
            {
                break;
            }

            due.Attempts++;
            try
            {
                // A held authorization is voided or released; an approval (or a possible one) is reversed.
                if (due.Kind == AcquirerDebt.Reversal)
                {
                    await processor.ReverseAsync(due.ChargeId, due.Reason, cancellationToken);
                }
                else
                {
                    await processor.ReleaseAsync(due.ChargeId, due.Reason, cancellationToken);
                }

                due.AcknowledgedAt = time.GetUtcNow();
                due.LastError = null;
                acknowledged++;
            }
            catch (Exception e) when (AcquirerRetry.IsNoAnswer(e, cancellationToken))
            {
                var delay = AcquirerRetry.DelaySeconds(options.Value, due.Attempts);
                due.NextAttemptAt = time.GetUtcNow().AddSeconds(delay);
                due.LastError = AcquirerRetry.Describe(e);
                logger.LogWarning("Reversal of {ChargeId} not acknowledged (attempt {Attempts}); next in {DelaySeconds} s",
                    due.ChargeId, due.Attempts, delay);
            }

            await db.SaveChangesAsync(CancellationToken.None);
            await transaction.CommitAsync(CancellationToken.None);
            db.ChangeTracker.Clear();
        }

        return acknowledged;
    }
}
