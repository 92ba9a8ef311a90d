using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VioPay.Api.Events;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Pos;
using VioPay.Crypto;

namespace VioPay.Api.Payments;

/// <summary>
/// Refunds (PROTOCOL §8, §11.10), written like a charge: the refund is committed <c>pending</c> with its amount reserved
/// on the charge (and its Idempotency-Key claimed) before the acquirer is called, and its outcome is written after,
/// whatever the client does meanwhile. No lock is held across the acquirer call. A refund the acquirer did not answer
/// stays <c>pending</c> and is sent again under the same refund id by <see cref="PaymentsMaintenance"/> until it is
/// answered; a retry of the request replays the first answer. So a crash, a lost answer or a retry never refunds twice.
/// </summary>
public sealed class RefundOperations(
    VioPayDbContext db,
    IdempotencyKeys keys,
    IPaymentProcessor processor,
    IOptions<PaymentOptions> options,
    TimeProvider time,
    ILogger<RefundOperations> logger)
{
    public Task<PosAnswer> RefundAsync(PosTerminalContext terminal, string chargeId, JsonElement plaintext, string? idempotencyKey,
        CancellationToken cancellationToken) =>
        RefundAsync(new RefundScope(terminal.TerminalId, $"POST /pos/charge/{chargeId}/refund", terminal.TerminalId, null), chargeId,
            plaintext, idempotencyKey, cancellationToken);

    /// <summary>
    /// A refund by the terminal or, with a merchant scope, by the backoffice (PROTOCOL §11.8): the same rules, the charge
    /// found only under the scope's owner, the Idempotency-Key in the scope's own key space.
    /// </summary>
    public async Task<PosAnswer> RefundAsync(RefundScope scope, string chargeId, JsonElement plaintext, string? idempotencyKey,
        CancellationToken cancellationToken)
    {
        var input = PaymentValidation.ValidateRefund(plaintext);
        var now = time.GetUtcNow();
        Refund refund;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            IdempotencyRecord? record = null;
            if (idempotencyKey is not null)
            {
                // The key is claimed first: a racing twin waits here for this transaction, then replays its answer.
                record = keys.New(scope.IdempotencyScope, idempotencyKey, scope.Route, plaintext, now);
                db.IdempotencyRecords.Add(record);
                if (!await keys.TrySaveNewAsync(cancellationToken))
                {
                    await transaction.RollbackAsync(cancellationToken);
                    return await keys.ReplayAsync(scope.IdempotencyScope, idempotencyKey, record.RequestFingerprint, cancellationToken);
                }
            }

            // The row lock serialises refunds of one charge, and the pending refund's amount is reserved on the charge
            // before the lock is released, so parallel refunds can never exceed it.
            var charge = await (scope.MerchantId is { } merchantId
                    ? db.Charges.FromSql($"SELECT c.*, c.xmin FROM charges c WHERE c.id = {chargeId} AND c.merchant_id = {merchantId} FOR UPDATE")
                    : db.Charges.FromSql($"SELECT c.*, c.xmin FROM charges c WHERE c.id = {chargeId} AND c.terminal_id = {scope.TerminalId} FOR UPDATE"))
                .OrderBy(c => c.Id)
                .FirstOrDefaultAsync(cancellationToken)
                ?? throw ChargeOperations.ChargeNotFound();
            refund = Reserve(charge, input, idempotencyKey, now);
            EventOutbox.Raise(db, time, charge.MerchantId, EventTypes.RefundCreated, RefundView.Of(refund));
            refund.IdempotencyScope = idempotencyKey is not null && scope.IdempotencyScope != charge.TerminalId ? scope.IdempotencyScope : null;
            if (record is not null)
            {
                record.ResourceId = refund.Id;
            }

            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        db.ChangeTracker.Clear();
        // From here on the pending refund exists: its outcome is written whatever the client does.
        return new PosAnswer(Serialize(await SendAsync(refund, scope.IdempotencyScope, CancellationToken.None)), false);
    }

    /// <summary>
    /// Sends a pending refund to the acquirer and writes what it answered; without an answer the refund stays pending,
    /// due again after a back-off. Answers the refund as it now stands (another instance may have completed it first).
    /// </summary>
    public async Task<RefundView> SendAsync(Refund refund, string terminalId, CancellationToken cancellationToken)
    {
        RefundResult? result = null;
        string? error = null;
        try
        {
            result = await processor.RefundAsync(refund.ChargeId, refund.Id, refund.AmountMinor, refund.Currency, cancellationToken);
        }
        catch (Exception e) when (AcquirerRetry.IsNoAnswer(e, cancellationToken))
        {
            // Whatever the acquirer's client threw, the refund may or may not have happened: it stays pending and is sent
            // again under its id. Nothing escapes to the caller or the maintenance loop (which would stop the host).
            error = AcquirerRetry.Describe(e);
            logger.LogWarning("Acquirer did not answer refund {RefundId} of {ChargeId}: {Reason}; it stays pending and is sent again",
                refund.Id, refund.ChargeId, e.GetType().Name);
        }

        await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
        var current = await db.Refunds.FromSql($"SELECT * FROM refunds WHERE id = {refund.Id} FOR UPDATE")
            .SingleAsync(CancellationToken.None);
        if (current.Status != RefundStatus.Pending)
        {
            // The sweep (or the request, when this is the sweep) answered it first; the acquirer saw one refund id.
            return RefundView.Of(current);
        }

        var now = time.GetUtcNow();
        current.UpdatedAt = now;
        if (result is null)
        {
            current.Attempts++;
            current.LastError = error;
            current.NextAttemptAt = now.AddSeconds(AcquirerRetry.DelaySeconds(options.Value, current.Attempts));
        }
        else
        {
            current.Status = result.Approved ? RefundStatus.Approved : RefundStatus.Declined;
            current.DeclineCode = result.Approved ? null : result.DeclineCode ?? "refund_declined";
            current.LastError = null;
            if (!result.Approved)
            {
                // A refused refund gives its reserved amount back.
                await db.Charges.Where(c => c.Id == current.ChargeId).ExecuteUpdateAsync(u => u
                    .SetProperty(c => c.RefundedMinor, c => c.RefundedMinor - current.AmountMinor)
                    .SetProperty(c => c.UpdatedAt, now), CancellationToken.None);
            }
        }

        var view = RefundView.Of(current);
        if (current.IdempotencyKey is not null)
        {
            // The answer a retry replays: the outcome, or "pending" until the acquirer answers; a pending answer is
            // replaced by the outcome once it is known, so a terminal that retries learns how its refund ended.
            await keys.AnswerAsync(current.IdempotencyScope ?? terminalId, current.IdempotencyKey, current.Id, Serialize(view), CancellationToken.None);
        }

        await db.SaveChangesAsync(CancellationToken.None);
        await transaction.CommitAsync(CancellationToken.None);
        db.ChangeTracker.Clear();
        return view;
    }

    private Refund Reserve(Charge charge, RefundInput input, string? idempotencyKey, DateTimeOffset now)
    {
        if (charge.Status != ChargeStatus.Approved)
        {
            throw ApiException.Conflict("Only an approved charge can be refunded",
                new Dictionary<string, object?> { ["charge_status"] = charge.Status });
        }

        if (input.Currency != charge.Currency)
        {
            throw ApiException.Unprocessable("Refund currency differs from the charge's",
                new Dictionary<string, object?> { ["charge_currency"] = charge.Currency });
        }

        var refundable = charge.AmountMinor - charge.RefundedMinor;
        if (input.AmountMinor > refundable)
        {
            throw ApiException.Unprocessable("Refund exceeds the refundable amount",
                new Dictionary<string, object?> { ["refundable_amount"] = MoneyView.Of(refundable, charge.Currency) });
        }

        var refund = new Refund
        {
            Id = SecureIds.NewRefundId(),
            ChargeId = charge.Id,
            AmountMinor = input.AmountMinor,
            Currency = input.Currency,
            Reason = input.Reason,
            IdempotencyKey = idempotencyKey,
            CreatedAt = now,
            UpdatedAt = now,
            NextAttemptAt = now.AddSeconds(options.Value.PendingSweepAfterSeconds),
        };
        charge.RefundedMinor += input.AmountMinor;
        charge.UpdatedAt = now;
        db.Refunds.Add(refund);
        return refund;
    }

    /// <summary>
    /// Takes one pending refund that is due (the acquirer did not answer it, or its request died before it could ask),
    /// leasing it for a minute so that no other instance sends it meanwhile; null when none is due.
    /// </summary>
    public async Task<(Refund Refund, string TerminalId)?> TakeDueAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var lease = now.AddSeconds(60);
        var due = await db.Refunds.FromSql($"""
            UPDATE refunds SET next_attempt_at = {lease}
            WHERE id = (SELECT id FROM refunds WHERE status = 'pending' AND next_attempt_at <= {now}
                        ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING *
            """).AsNoTracking().ToListAsync(cancellationToken);
        if (due.Count == 0)
        {
            return null;
        }

        var terminalId = await db.Charges.Where(c => c.Id == due[0].ChargeId).Select(c => c.TerminalId).SingleAsync(cancellationToken);
        return (due[0], terminalId);
    }

    private static string Serialize(RefundView view) => JsonSerializer.Serialize(view, PosEnvelopes.PlaintextJson);
}

/// <summary>
/// Who asks for a refund: the scope of its Idempotency-Key (a terminal id, or <c>merchant:{id}</c>), the route its
/// fingerprint covers, and the owner the charge must have (its terminal, or its merchant).
/// </summary>
public sealed record RefundScope(string IdempotencyScope, string Route, string? TerminalId, Guid? MerchantId);
