using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.Persistence;

namespace VioPay.Api.Payments;

/// <summary>
/// The Idempotency-Key records of POS writes (PROTOCOL §8): a new record claims the key under its primary key, a
/// completed one holds the first answer, and a taken key is replayed, refused as in flight (409) or as a different
/// request (422). One place, so every operation answers a reused key the same way.
/// </summary>
public sealed class IdempotencyKeys(VioPayDbContext db, CardFingerprints fingerprints, IOptions<PaymentOptions> options)
{
    public static ApiException InFlight() => ApiException.Conflict("A request with this Idempotency-Key is still in flight");

    public IdempotencyRecord New(string terminalId, string key, string route, JsonElement plaintext, DateTimeOffset now) => new()
    {
        TerminalId = terminalId,
        Key = key,
        RequestFingerprint = fingerprints.Request(route, Idempotency.Canonical(plaintext)),
        CreatedAt = now,
        ExpiresAt = now.AddHours(options.Value.IdempotencyRetentionHours),
    };

    public static void Complete(IdempotencyRecord record, string answerJson)
    {
        record.State = IdempotencyState.Completed;
        record.ResponseStatus = StatusCodes.Status200OK;
        record.ResponseJson = answerJson;
    }

    /// <summary>Saves new rows; false (and nothing saved) when their Idempotency-Key was claimed by another request.</summary>
    public async Task<bool> TrySaveNewAsync(CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException e) when (Idempotency.IsDuplicateKey(e))
        {
            db.ChangeTracker.Clear();
            return false;
        }
    }

    /// <summary>The key is taken: replay its first answer, or explain why not (PROTOCOL §8).</summary>
    public async Task<PosAnswer> ReplayAsync(string terminalId, string key, byte[] fingerprint, CancellationToken cancellationToken)
    {
        var existing = await db.IdempotencyRecords.AsNoTracking()
            .FirstOrDefaultAsync(r => r.TerminalId == terminalId && r.Key == key, cancellationToken)
            ?? throw InFlight();
        if (existing.State == IdempotencyState.ReversalRecorded)
        {
            throw ApiException.Conflict("A reversal was recorded for this Idempotency-Key; the request is refused");
        }

        if (!CryptographicOperations.FixedTimeEquals(existing.RequestFingerprint, fingerprint))
        {
            throw ApiException.Unprocessable("Idempotency-Key was already used with a different request");
        }

        if (existing.State != IdempotencyState.Completed || existing.ResponseJson is null)
        {
            throw InFlight();
        }

        return new PosAnswer(existing.ResponseJson, true);
    }

    /// <summary>
    /// Answers a key's record with <paramref name="answerJson"/>, the latest state of the resource it claimed (a refund
    /// answered <c>pending</c> first is answered again with its outcome).
    /// </summary>
    public async Task AnswerAsync(string terminalId, string key, string resourceId, string answerJson, CancellationToken cancellationToken) =>
        await db.IdempotencyRecords
            .Where(r => r.TerminalId == terminalId && r.Key == key && r.ResourceId == resourceId && r.State != IdempotencyState.ReversalRecorded)
            .ExecuteUpdateAsync(u => u
                .SetProperty(r => r.State, IdempotencyState.Completed)
                .SetProperty(r => r.ResponseStatus, StatusCodes.Status200OK)
                .SetProperty(r => r.ResponseJson, answerJson), cancellationToken);
}
