using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Keys;
using VioPay.Crypto;

namespace VioPay.Api.Payments;

/// <summary>A POS answer's plaintext and whether it is the replay of an earlier one (fine point 4).</summary>
public sealed record PosAnswer(string Json, bool Replayed);

/// <summary>
/// Charge, cancel and reverse-by-key (PROTOCOL §8) on one terminal's rows. A charge is written as
/// <c>pending</c> and committed before the acquirer is called and completed after, so a crash in between leaves a
/// row that <see cref="PaymentsMaintenance"/> reverses, never an authorization without a charge. Once the pending row
/// is committed nothing is cancelled by the client going away: the outcome is always written.
/// </summary>
public sealed class ChargeOperations(
    VioPayDbContext db,
    ChargeStore store,
    IPaymentProcessor processor,
    CardFingerprints fingerprints,
    IdempotencyKeys keys,
    ReversalOutbox reversals,
    TimeProvider time,
    ILogger<ChargeOperations> logger)
{
    public const string ChargeRoute = "POST /pos/charge";

    private static readonly JsonSerializerOptions Json = KeysApi.PlaintextJson;

    public async Task<PosAnswer> ChargeAsync(PosTerminalContext terminal, JsonElement plaintext, string? idempotencyKey,
        CancellationToken cancellationToken)
    {
        var input = PaymentValidation.ValidateCharge(plaintext, terminal.TerminalId);
        var now = time.GetUtcNow();
        var charge = new Charge
        {
            Id = SecureIds.NewChargeId(),
            TerminalId = terminal.TerminalId,
            DeviceId = terminal.Device.Id,
            MerchantId = terminal.Device.MerchantId!.Value,
            AmountMinor = input.AmountMinor,
            Currency = input.Currency,
            CardBrand = CardRules.Brand(input.Pan),
            CardFirst6 = input.Pan[..6],
            CardLast4 = input.Pan[^4..],
            CardFingerprint = fingerprints.Pan(input.Pan),
            EntryMode = input.EntryMode,
            CardholderVerificationMethod = input.CardholderVerificationMethod,
            Stan = input.Stan,
            IdempotencyKey = idempotencyKey,
            KeySetId = terminal.KeySet.Id,
            CreatedAt = now,
            UpdatedAt = now,
        };

        // An expired card is a decline the server gives itself (PROTOCOL §8): no acquirer call, nothing to reverse.
        var expired = PaymentValidation.IsExpired(input.ExpiryYear, input.ExpiryMonth, now);
        if (expired)
        {
            charge.Status = ChargeStatus.Declined;
            charge.DeclineCode = "expired_card";
        }

        IdempotencyRecord? record = null;
        if (idempotencyKey is not null)
        {
            record = keys.New(terminal.TerminalId, idempotencyKey, ChargeRoute, plaintext, now);
            record.ResourceId = charge.Id;
            if (expired)
            {
                IdempotencyKeys.Complete(record, Serialize(ChargeView.Of(charge)));
            }
        }

        if (!await store.InsertAsync(charge, record, cancellationToken))
        {
            return await keys.ReplayAsync(terminal.TerminalId, idempotencyKey!, record!.RequestFingerprint, cancellationToken);
        }

        if (expired)
        {
            return new PosAnswer(Serialize(ChargeView.Of(charge)), false);
        }

        // From here on the pending row exists: the outcome must be recorded whatever the client does.
        return await AuthorizeAndCompleteAsync(charge, input);
    }

    private async Task<PosAnswer> AuthorizeAndCompleteAsync(Charge charge, ChargeInput input)
    {
        var reversal = false;
        try
        {
            var result = await processor.AuthorizeAsync(new AuthorizationRequest(charge.Id, charge.TerminalId, input.Pan,
                input.ExpiryYear, input.ExpiryMonth, input.AmountMinor, input.Currency, input.Stan, input.EntryMode,
                input.CardholderVerificationMethod, input.HasPinBlock), CancellationToken.None);
            charge.Status = result.Approved ? ChargeStatus.Approved : ChargeStatus.Declined;
            charge.AuthorizationCode = result.AuthorizationCode;
            charge.Rrn = result.Rrn;
            charge.DeclineCode = result.Approved ? null : result.DeclineCode ?? "card_declined";
        }
        catch (Exception e) when (e is AcquirerTimeoutException or AcquirerUnavailableException or HttpRequestException or TaskCanceledException)
        {
            // The acquirer may hold an authorization we will never see: reverse it, and decline (PROTOCOL §8).
            logger.LogWarning("Acquirer did not answer for charge {ChargeId}: {Reason}; reversing", charge.Id, e.GetType().Name);
            charge.Status = ChargeStatus.Declined;
            charge.DeclineCode = "issuer_unavailable";
            reversal = true;
        }

        charge.UpdatedAt = time.GetUtcNow();
        var view = Serialize(ChargeView.Of(charge));
        if (!await store.CompleteAsync(charge, charge.IdempotencyKey is null ? null : view, reversal ? "acquirer_timeout" : null, CancellationToken.None))
        {
            // The sweep judged this charge abandoned and reversed it first; its outcome is the one that stands.
            var swept = await db.Charges.AsNoTracking().FirstAsync(c => c.Id == charge.Id, CancellationToken.None);
            return new PosAnswer(Serialize(ChargeView.Of(swept)), false);
        }

        if (reversal)
        {
            await reversals.TryNowAsync(charge.Id);
        }

        return new PosAnswer(view, false);
    }

    /// <summary>Cancel and reverse (fine point 5): an approved charge with no refund; a cancelled one answers again.</summary>
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
            .FirstOrDefaultAsync(cancellationToken) ?? throw ChargeNotFound();
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

    public async Task<PosAnswer> GetAsync(PosTerminalContext terminal, string chargeId, CancellationToken cancellationToken)
    {
        var charge = await db.Charges.AsNoTracking()
            .FirstOrDefaultAsync(c => c.Id == chargeId && c.TerminalId == terminal.TerminalId, cancellationToken)
            ?? throw ChargeNotFound();
        return new PosAnswer(Serialize(ChargeView.Of(charge)), false);
    }

    /// <summary>Recovery after a lost answer (PROTOCOL §8): the charge this terminal's key created, or 404.</summary>
    public async Task<PosAnswer> FindByKeyAsync(PosTerminalContext terminal, string idempotencyKey, CancellationToken cancellationToken)
    {
        var charge = await db.Charges.AsNoTracking()
            .Where(c => c.TerminalId == terminal.TerminalId && c.IdempotencyKey == idempotencyKey)
            .OrderByDescending(c => c.CreatedAt)
            .FirstOrDefaultAsync(cancellationToken)
            ?? throw ApiException.NotFound("No charge was created with this Idempotency-Key");
        if (charge.Status == ChargeStatus.Pending)
        {
            throw IdempotencyKeys.InFlight();
        }

        return new PosAnswer(Serialize(ChargeView.Of(charge)), false);
    }

    public static ApiException ChargeNotFound() => ApiException.NotFound("Charge not found");

    /// <summary>
    /// Cancel's rules on the locked charge, committed in <paramref name="transaction"/>; the reversal a fresh cancel owes
    /// is sent after the commit (and retried by the outbox if that fails).
    /// </summary>
    private async Task<Charge> CancelLockedAsync(IDbContextTransaction transaction, string terminalId, string chargeId,
        CancellationToken cancellationToken)
    {
        var charge = await LockChargeAsync(terminalId, chargeId, cancellationToken);
        var cancelledNow = Cancel(charge);
        await db.SaveChangesAsync(CancellationToken.None);
        await transaction.CommitAsync(CancellationToken.None);
        if (cancelledNow)
        {
            await reversals.TryNowAsync(charge.Id);
        }

        return charge;
    }

    /// <summary>Marks an approved, unrefunded charge cancelled and queues its reversal; false when it already was.</summary>
    private bool Cancel(Charge charge)
    {
        if (charge.Status == ChargeStatus.Cancelled)
        {
            return false;
        }

        if (charge.Status != ChargeStatus.Approved || charge.RefundedMinor > 0)
        {
            throw ApiException.Conflict("Only an approved charge without refunds can be cancelled",
                new Dictionary<string, object?>
                {
                    ["charge_status"] = charge.Status,
                    ["refunded_amount"] = MoneyView.Of(charge.RefundedMinor, charge.Currency),
                });
        }

        if (charge.BatchId is not null)
        {
            throw BatchOperations.ClosedBatch(charge.BatchId);
        }

        var now = time.GetUtcNow();
        charge.Status = ChargeStatus.Cancelled;
        charge.CancelledAt = now;
        charge.UpdatedAt = now;
        db.AcquirerReversals.Add(ReversalOutbox.New(charge.Id, "cancel", now));
        return true;
    }

    private async Task<Charge> LockChargeAsync(string terminalId, string chargeId, CancellationToken cancellationToken) =>
        await db.Charges
            .FromSql($"SELECT c.*, c.xmin FROM charges c WHERE c.id = {chargeId} AND c.terminal_id = {terminalId} FOR UPDATE")
            .FirstOrDefaultAsync(cancellationToken)
        ?? throw ChargeNotFound();

    private static string Serialize(object view) => JsonSerializer.Serialize(view, view.GetType(), Json);
}
