using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VioPay.Api.Events;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.Persistence;

namespace VioPay.Api.Payments;

/// <summary>
/// Increment and capture of a held pre-authorization (PROTOCOL §11.3, §11.4), written like a charge: the operation's
/// intent (<see cref="Charge.PendingOperation"/>, and the request's Idempotency-Key) is committed before the acquirer is
/// called, and its outcome after, with no lock held across the call and whatever the client does meanwhile. While an
/// intent is set no other increment, capture or void of the charge starts (409), so one authorization is captured
/// once however many requests race. An intent whose acquirer call got no answer, or whose request died, is sent again
/// by <see cref="PaymentsMaintenance"/> (the acquirer treats a repeat for the same charge id as the same operation)
/// until it is answered; its Idempotency-Key is answered then.
/// </summary>
public sealed class HoldOperations(
    VioPayDbContext db,
    IdempotencyKeys keys,
    IPaymentProcessor processor,
    IOptions<PaymentOptions> options,
    TimeProvider time,
    ILogger<HoldOperations> logger)
{
    public static string Route(string chargeId, string operation) => $"POST /pos/charge/{chargeId}/{operation}";

    public Task<PosAnswer> IncrementAsync(PosTerminalContext terminal, string chargeId, JsonElement plaintext, string? idempotencyKey,
        CancellationToken cancellationToken)
    {
        var input = HoldValidation.ValidateIncrement(plaintext);
        return RunAsync(terminal, chargeId, HoldOperation.Increment, plaintext, idempotencyKey, (charge, now) =>
        {
            ChargeLifecycle.Require(ChargeOperation.Increment, charge, now);
            RequireCurrency(charge, input.Currency, "amount");
            charge.PendingAmountMinor = input.AmountMinor;
            charge.PendingTipMinor = null;
        }, cancellationToken);
    }

    public Task<PosAnswer> CaptureAsync(PosTerminalContext terminal, string chargeId, JsonElement plaintext, string? idempotencyKey,
        CancellationToken cancellationToken)
    {
        var input = HoldValidation.ValidateCapture(plaintext);
        return RunAsync(terminal, chargeId, HoldOperation.Capture, plaintext, idempotencyKey, (charge, now) =>
        {
            ChargeLifecycle.Require(ChargeOperation.Capture, charge, now);
            var authorized = charge.AuthorizedMinor ?? charge.AmountMinor;
            var details = new Dictionary<string, object?> { ["authorized_amount"] = MoneyView.Of(authorized, charge.Currency) };
            if (input.Currency is not null)
            {
                RequireCurrency(charge, input.Currency, "amount");
            }

            if (input.TipCurrency is not null)
            {
                RequireCurrency(charge, input.TipCurrency, "tip");
            }

            if (input.AmountMinor > authorized)
            {
                throw ApiException.Unprocessable("The capture amount exceeds the authorized amount", details);
            }

            var maxTip = authorized * options.Value.MaxTipPercent / 100;
            if (input.TipMinor > maxTip)
            {
                details["max_tip_amount"] = MoneyView.Of(maxTip, charge.Currency);
                throw ApiException.Unprocessable($"The tip exceeds {options.Value.MaxTipPercent} % of the authorized amount", details);
            }

            charge.PendingAmountMinor = input.AmountMinor ?? authorized;
            charge.PendingTipMinor = input.TipMinor ?? 0;
        }, cancellationToken);
    }

    /// <summary>
    /// Sends one hold operation whose request died or got no answer (oldest first), holding its row so no other instance
    /// sends it meanwhile, and writes the outcome; false when none is due.
    /// </summary>
    public async Task<bool> ResumeOneAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow().AddSeconds(-options.Value.PendingSweepAfterSeconds);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var charge = await db.Charges.FromSql($"""
            SELECT c.*, c.xmin FROM charges c WHERE c.pending_operation IS NOT NULL AND c.pending_since < {cutoff}
            ORDER BY c.pending_since LIMIT 1 FOR UPDATE SKIP LOCKED
            """).OrderBy(c => c.PendingSince).FirstOrDefaultAsync(cancellationToken);
        if (charge is null)
        {
            return false;
        }

        var outcome = await CallAcquirerAsync(charge, cancellationToken);
        await WriteOutcomeAsync(charge, outcome);
        await transaction.CommitAsync(CancellationToken.None);
        db.ChangeTracker.Clear();
        return true;
    }

    private async Task<PosAnswer> RunAsync(PosTerminalContext terminal, string chargeId, string operation, JsonElement plaintext,
        string? idempotencyKey, Action<Charge, DateTimeOffset> admit, CancellationToken cancellationToken)
    {
        // Microseconds, as PostgreSQL keeps them, so the intent read back after the call is recognised as this one.
        var now = time.GetUtcNow();
        now = now.AddTicks(-(now.Ticks % 10));
        Charge charge;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            if (idempotencyKey is not null)
            {
                // The key is claimed first: a racing twin waits here for this transaction, then replays its answer.
                var record = keys.New(terminal.TerminalId, idempotencyKey, Route(chargeId, operation), plaintext, now);
                record.ResourceId = chargeId;
                db.IdempotencyRecords.Add(record);
                if (!await keys.TrySaveNewAsync(cancellationToken))
                {
                    await transaction.RollbackAsync(cancellationToken);
                    return await keys.ReplayAsync(terminal.TerminalId, idempotencyKey, record.RequestFingerprint, cancellationToken);
                }
            }

            // A refused request (409, 422) rolls back here, its key included: the key stays unused.
            charge = await LockAsync(terminal.TerminalId, chargeId, cancellationToken);
            admit(charge, now);
            charge.PendingOperation = operation;
            charge.PendingSince = now;
            charge.UpdatedAt = now;
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        db.ChangeTracker.Clear();
        // From here on the intent is committed: the outcome is written whatever the client does.
        var outcome = await CallAcquirerAsync(charge, CancellationToken.None);
        await using (var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None))
        {
            var current = await LockAsync(terminal.TerminalId, chargeId, CancellationToken.None);
            if (current.PendingOperation != operation || current.PendingSince != charge.PendingSince)
            {
                // The sweep answered this intent first (this request stalled past the sweep's delay): its outcome stands.
                return new PosAnswer(PosPlaintext(current, null), false);
            }

            var answer = await WriteOutcomeAsync(current, outcome);
            await transaction.CommitAsync(CancellationToken.None);
            return answer is null ? throw AcquirerSilent() : new PosAnswer(answer, false);
        }
    }

    private async Task<AuthorizationResult?> CallAcquirerAsync(Charge charge, CancellationToken cancellationToken)
    {
        var authorized = charge.AuthorizedMinor ?? charge.AmountMinor;
        try
        {
            if (charge.PendingOperation == HoldOperation.Capture)
            {
                var tip = charge.PendingTipMinor ?? 0;
                await processor.CaptureAsync(new CaptureRequest(charge.Id, charge.PendingAmountMinor!.Value + tip, tip, authorized,
                    charge.Currency), cancellationToken);
                return new AuthorizationResult(true, charge.AuthorizationCode, charge.Rrn ?? "", null);
            }

            return await processor.IncrementAsync(new IncrementRequest(charge.Id, charge.PendingAmountMinor!.Value,
                authorized + charge.PendingAmountMinor.Value, charge.FirstAuthorizedMinor ?? authorized, charge.Currency), cancellationToken);
        }
        catch (Exception e) when (AcquirerRetry.IsNoAnswer(e, cancellationToken))
        {
            logger.LogWarning("Acquirer did not answer the {Operation} of {ChargeId}: {Reason}; it is sent again",
                charge.PendingOperation, charge.Id, e.GetType().Name);
            return null;
        }
    }

    /// <summary>
    /// Writes the acquirer's answer onto the locked charge and answers the intent's Idempotency-Key; without an answer
    /// the intent stays, due again after the sweep's delay. Answers the plaintext, or null when there was no answer.
    /// </summary>
    private async Task<string?> WriteOutcomeAsync(Charge charge, AuthorizationResult? outcome)
    {
        var now = time.GetUtcNow();
        if (outcome is null)
        {
            charge.PendingSince = now;
            await db.SaveChangesAsync(CancellationToken.None);
            return null;
        }

        IncrementOutcome? increment = null;
        var amount = charge.PendingAmountMinor!.Value;
        if (charge.PendingOperation == HoldOperation.Capture)
        {
            var tip = charge.PendingTipMinor ?? 0;
            var capture = ChargeLifecycle.Find(ChargeOperation.Capture, charge.Status)!;
            ChargeLifecycle.Apply(charge, capture, now);
            charge.AmountMinor = amount + tip;
            charge.TipMinor = tip > 0 ? tip : null;
            charge.CapturedAt = now;
            await ChargeEvents.RaiseAsync(db, time, charge, capture, CancellationToken.None);
        }
        else
        {
            ChargeLifecycle.Apply(charge, ChargeLifecycle.Find(ChargeOperation.Increment, charge.Status)!, now);
            increment = new IncrementOutcome(outcome.Approved ? "approved" : "declined", MoneyView.Of(amount, charge.Currency),
                outcome.Approved ? null : outcome.DeclineCode ?? "card_declined");
            if (outcome.Approved)
            {
                charge.AmountMinor += amount;
                charge.AuthorizedMinor = (charge.AuthorizedMinor ?? 0) + amount;
            }
        }

        charge.PendingOperation = null;
        charge.PendingAmountMinor = charge.PendingTipMinor = null;
        charge.PendingSince = null;
        var plaintext = PosPlaintext(charge, increment);
        await db.SaveChangesAsync(CancellationToken.None);
        // The intent's key (if any) is the one in-flight record naming this charge: the charge's own key completed long ago.
        await db.IdempotencyRecords
            .Where(r => r.TerminalId == charge.TerminalId && r.ResourceId == charge.Id && r.State == IdempotencyState.InFlight)
            .ExecuteUpdateAsync(u => u
                .SetProperty(r => r.State, IdempotencyState.Completed)
                .SetProperty(r => r.ResponseStatus, StatusCodes.Status200OK)
                .SetProperty(r => r.ResponseJson, plaintext), CancellationToken.None);
        return plaintext;
    }

    private static string PosPlaintext(Charge charge, IncrementOutcome? increment) => increment is null
        ? Pos.PosEnvelopes.Plaintext(ChargeView.Of(charge))
        : new IncrementView(ChargeView.Of(charge), increment).Plaintext();

    private static void RequireCurrency(Charge charge, string currency, string field)
    {
        if (currency != charge.Currency)
        {
            throw ApiException.Unprocessable($"The {field} currency differs from the charge's",
                new Dictionary<string, object?> { ["charge_currency"] = charge.Currency });
        }
    }

    private static ApiException AcquirerSilent() => ApiException.DependencyUnavailable("acquirer");

    private async Task<Charge> LockAsync(string terminalId, string chargeId, CancellationToken cancellationToken) =>
        await db.Charges
            .FromSql($"SELECT c.*, c.xmin FROM charges c WHERE c.id = {chargeId} AND c.terminal_id = {terminalId} FOR UPDATE")
            .OrderBy(c => c.Id)
            .FirstOrDefaultAsync(cancellationToken)
        ?? throw ChargeOperations.ChargeNotFound();
}
