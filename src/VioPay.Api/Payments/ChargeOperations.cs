using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using VioPay.Api.Events;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Pos;
using VioPay.Crypto;

namespace VioPay.Api.Payments;

/// <summary>
/// Charge, status and recovery look-up (PROTOCOL §8, §11.2, §11.6) on one terminal's rows. A charge is written as
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
    Microsoft.Extensions.Options.IOptions<PaymentOptions> options,
    TimeProvider time,
    Infrastructure.Telemetry.VioPayMetrics metrics,
    ILogger<ChargeOperations> logger)
{
    public const string ChargeRoute = "POST /pos/charge";

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
            AuthorizationType = input.AuthorizationType,
            TipMinor = input.TipMinor,
            CreatedAt = now,
            UpdatedAt = now,
        };

        // An expired card is a decline the server gives itself (PROTOCOL §8): no acquirer call, nothing to reverse.
        var expired = PaymentValidation.IsExpired(input.ExpiryYear, input.ExpiryMonth, now);
        if (expired)
        {
            ChargeLifecycle.Apply(charge, ChargeLifecycle.Find(ChargeOperation.Decline, ChargeStatus.Pending)!, now);
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

        var outcome = expired ? ChargeEvents.Outcome(charge, ChargeLifecycle.Find(ChargeOperation.Decline, ChargeStatus.Pending)!) : null;
        if (!await store.InsertAsync(charge, record, outcome, cancellationToken))
        {
            return await keys.ReplayAsync(terminal.TerminalId, idempotencyKey!, record!.RequestFingerprint, cancellationToken);
        }

        if (expired)
        {
            metrics.ChargeCompleted(charge);
            return new PosAnswer(Serialize(ChargeView.Of(charge)), false);
        }

        // From here on the pending row exists: the outcome must be recorded whatever the client does.
        return await AuthorizeAndCompleteAsync(charge, input);
    }

    private async Task<PosAnswer> AuthorizeAndCompleteAsync(Charge charge, ChargeInput input)
    {
        ChargeOperation operation;
        try
        {
            var result = await processor.AuthorizeAsync(new AuthorizationRequest(charge.Id, charge.TerminalId, input.Pan,
                input.ExpiryYear, input.ExpiryMonth, input.AmountMinor, input.Currency, input.Stan, input.EntryMode,
                input.CardholderVerificationMethod, input.HasPinBlock, input.AuthorizationType), CancellationToken.None);
            var pre = charge.AuthorizationType == AuthorizationType.Pre;
            operation = !result.Approved ? ChargeOperation.Decline : pre ? ChargeOperation.Hold : ChargeOperation.Approve;
            if (operation == ChargeOperation.Hold)
            {
                // The hold's clock starts when the acquirer grants it (PROTOCOL §11.2).
                charge.AuthorizedMinor = charge.FirstAuthorizedMinor = charge.AmountMinor;
                charge.ExpiresAt = time.GetUtcNow().AddHours(options.Value.AuthorizationHoldHours);
            }

            charge.AuthorizationCode = result.AuthorizationCode;
            charge.Rrn = result.Rrn;
            charge.DeclineCode = result.Approved ? null : result.DeclineCode ?? "card_declined";
        }
        catch (Exception e) when (e is AcquirerTimeoutException or AcquirerUnavailableException or HttpRequestException or TaskCanceledException)
        {
            // The acquirer may hold an authorization we will never see: reverse it, and decline (PROTOCOL §8).
            logger.LogWarning("Acquirer did not answer for charge {ChargeId}: {Reason}; reversing", charge.Id, e.GetType().Name);
            charge.DeclineCode = "issuer_unavailable";
            operation = ChargeOperation.DeclineUnanswered;
        }

        var transition = ChargeLifecycle.Find(operation, ChargeStatus.Pending)!;
        ChargeLifecycle.Apply(charge, transition, time.GetUtcNow());
        var reversal = transition.Owed != AcquirerDebt.Nothing;
        var view = Serialize(ChargeView.Of(charge));
        if (!await store.CompleteAsync(charge, charge.IdempotencyKey is null ? null : view, reversal ? "acquirer_timeout" : null,
                ChargeEvents.Outcome(charge, transition), CancellationToken.None))
        {
            // The sweep judged this charge abandoned and reversed it first; its outcome is the one that stands.
            var swept = await db.Charges.AsNoTracking().FirstAsync(c => c.Id == charge.Id, CancellationToken.None);
            return new PosAnswer(Serialize(ChargeView.Of(swept)), false);
        }

        metrics.ChargeCompleted(charge);
        if (reversal)
        {
            await reversals.TryNowAsync(charge.Id);
        }

        return new PosAnswer(view, false);
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

    private static string Serialize(object view) => PosEnvelopes.Plaintext(view);
}
