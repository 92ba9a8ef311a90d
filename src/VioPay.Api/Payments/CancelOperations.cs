using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using VioPay.Api.Events;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Pos;

namespace VioPay.Api.Payments;

/// <summary>
/// Cancel, reverse and reverse-by-key (PROTOCOL §8, §10.5, §10.6, §11.5): an approved charge without refunds is reversed,
/// an authorized one voided, as <see cref="ChargeLifecycle"/> says; what that leaves owed to the acquirer is written in
/// the same transaction and sent after the commit (and retried by the outbox until acknowledged).
/// </summary>
public sealed class CancelOperations(VioPayDbContext db, IdempotencyKeys keys, ReversalOutbox reversals, TimeProvider time)
{
    /// <summary>Cancel and reverse (fine point 5): an approved charge with no refund, or an authorized one; a cancelled one answers again.</summary>
    public async Task<PosAnswer> CancelAsync(PosTerminalContext terminal, string chargeId, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var charge = await CancelLockedAsync(transaction, terminal.TerminalId, chargeId, cancellationToken);
        return new PosAnswer(Serialize(new CancelView(charge.Id, ChargeStatus.Cancelled, charge.CancelledAt)), false);
    }

    /// <summary>The backoffice's cancel (PROTOCOL §11.8): cancel's rules on a charge of the merchant (another's is 404).</summary>
    public async Task CancelForMerchantAsync(Guid merchantId, string chargeId, CancellationToken cancellationToken)
    {
        var terminalId = await db.Charges.Where(c => c.Id == chargeId && c.MerchantId == merchantId).Select(c => c.TerminalId)
            .FirstOrDefaultAsync(cancellationToken) ?? throw ChargeOperations.ChargeNotFound();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await CancelLockedAsync(transaction, terminalId, chargeId, cancellationToken);
    }

    /// <summary>
    /// Reverse by key (PROTOCOL §8, fine point 6): cancels the charge the key created, or records the reversal so a
    /// charge arriving later with that key is refused. The record is written under the same primary key a charge
    /// would claim, so a racing charge and its reversal cannot both win.
    /// </summary>
    public async Task<PosAnswer> ReverseByKeyAsync(PosTerminalContext terminal, JsonElement plaintext, CancellationToken cancellationToken)
    {
        var key = plaintext.ValueKind == JsonValueKind.Object && plaintext.TryGetProperty("idempotency_key", out var k) &&
            k.ValueKind == JsonValueKind.String ? k.GetString() : null;
        if (!PaymentValidation.IsIdempotencyKey(key))
        {
            throw ApiException.InvalidFields(new Dictionary<string, string>
            {
                ["idempotency_key"] = "idempotency_key is required: 1 to 255 printable ASCII characters.",
            });
        }

        for (var attempt = 0; ; attempt++)
        {
            var now = time.GetUtcNow();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var record = await db.IdempotencyRecords
                .FromSql($"SELECT * FROM idempotency_records WHERE terminal_id = {terminal.TerminalId} AND key = {key} FOR UPDATE")
                .OrderBy(r => r.Key)
                .FirstOrDefaultAsync(cancellationToken);
            if (record is null)
            {
                // The key's record may have been purged after its retention while the charge it created is still there:
                // that charge is the one to reverse (PROTOCOL §11.10), never a reversal recorded beside it.
                var purgedKeyCharge = await db.Charges.AsNoTracking()
                    .Where(c => c.TerminalId == terminal.TerminalId && c.IdempotencyKey == key)
                    .OrderByDescending(c => c.CreatedAt)
                    .Select(c => c.Id)
                    .FirstOrDefaultAsync(cancellationToken);
                if (purgedKeyCharge is not null)
                {
                    var cancelled = await CancelLockedAsync(transaction, terminal.TerminalId, purgedKeyCharge, cancellationToken);
                    return new PosAnswer(Serialize(new ReverseByKeyView(key!, ChargeStatus.Cancelled, cancelled.Id)), false);
                }

                var recorded = keys.New(terminal.TerminalId, key!, "POST /pos/charge/reverse", plaintext, now);
                recorded.State = IdempotencyState.ReversalRecorded;
                db.IdempotencyRecords.Add(recorded);
                if (!await keys.TrySaveNewAsync(cancellationToken))
                {
                    // A charge with this key claimed it a moment ago: look again, now that it is there.
                    await transaction.RollbackAsync(cancellationToken);
                    if (attempt < 3)
                    {
                        continue;
                    }

                    throw IdempotencyKeys.InFlight();
                }

                await transaction.CommitAsync(CancellationToken.None);
                return new PosAnswer(Serialize(new ReverseByKeyView(key!, IdempotencyState.ReversalRecorded, null)), false);
            }

            switch (record.State)
            {
                case IdempotencyState.ReversalRecorded:
                    return new PosAnswer(Serialize(new ReverseByKeyView(key!, IdempotencyState.ReversalRecorded, null)), false);
                case IdempotencyState.InFlight:
                    throw IdempotencyKeys.InFlight();
            }

            if (record.ResourceId is null || !record.ResourceId.StartsWith("ch_", StringComparison.Ordinal))
            {
                throw ApiException.Conflict("This Idempotency-Key did not create a charge");
            }

            var charge = await CancelLockedAsync(transaction, terminal.TerminalId, record.ResourceId, cancellationToken);
            return new PosAnswer(Serialize(new ReverseByKeyView(key!, ChargeStatus.Cancelled, charge.Id)), false);
        }
    }

    /// <summary>
    /// Cancel's rules on the locked charge, committed in <paramref name="transaction"/>; the reversal a fresh cancel owes
    /// is sent after the commit (and retried by the outbox if that fails).
    /// </summary>
    private async Task<Charge> CancelLockedAsync(IDbContextTransaction transaction, string terminalId, string chargeId,
        CancellationToken cancellationToken)
    {
        var charge = await LockChargeAsync(terminalId, chargeId, cancellationToken);
        var cancelledNow = await CancelAsync(charge);
        await db.SaveChangesAsync(CancellationToken.None);
        await transaction.CommitAsync(CancellationToken.None);
        if (cancelledNow)
        {
            await reversals.TryNowAsync(charge.Id);
        }

        return charge;
    }

    /// <summary>Cancels the charge (void of a hold, reversal of an approval) and queues what that owes; false when it already was.</summary>
    private async Task<bool> CancelAsync(Charge charge)
    {
        var now = time.GetUtcNow();
        var transition = ChargeLifecycle.Require(ChargeOperation.Cancel, charge, now);
        if (transition.From == ChargeStatus.Cancelled)
        {
            return false;
        }

        // Once its day is closed, an approved charge is settled: refund it instead (PROTOCOL §11.7).
        if (charge.BatchId is not null)
        {
            throw BatchOperations.ClosedBatch(charge.BatchId);
        }

        ChargeLifecycle.Apply(charge, transition, now);
        db.AcquirerReversals.Add(ChargeLifecycle.Debt(charge, transition, "cancel", now)!);
        await ChargeEvents.RaiseAsync(db, time, charge, transition, CancellationToken.None);
        return true;
    }

    private async Task<Charge> LockChargeAsync(string terminalId, string chargeId, CancellationToken cancellationToken) =>
        await db.Charges
            .FromSql($"SELECT c.*, c.xmin FROM charges c WHERE c.id = {chargeId} AND c.terminal_id = {terminalId} FOR UPDATE")
            .OrderBy(c => c.Id)
            .FirstOrDefaultAsync(cancellationToken)
        ?? throw ChargeOperations.ChargeNotFound();

    private static string Serialize(object view) => PosEnvelopes.Plaintext(view);
}
