using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using VioPay.Api.Infrastructure.Persistence;

namespace VioPay.Api.Infrastructure.Security;

/// <summary>What <see cref="LmkCheck"/> found: the configured and recorded KCVs, and why they do not do, if they do not.</summary>
public sealed record LmkCheckResult(string ConfiguredKcv, string? RecordedKcv, string? RotatingToKcv, string? Error)
{
    public bool Ok => Error is null;
}

/// <summary>
/// Compares the configured LMK with the one the database's key blocks are under (<see cref="LmkRecord"/>), so a wrong
/// LMK stops start-up with both KCVs named instead of failing every token issuance later. The first start records the
/// KCV (insert-if-absent, so instances racing on a fresh database agree), after checking that the LMK opens a key block
/// already stored, if there is one: a database written before the record existed is not pinned to the wrong key.
/// </summary>
public static class LmkCheck
{
    /// <summary>The server key rotation keeps the root of the LMK-derived hash keys in (see <see cref="LocalMasterKey.DeriveKey"/>).</summary>
    public const string DerivationRootName = "lmk-derivation-root";

    public static async Task<LmkCheckResult> VerifyAsync(VioPayDbContext db, LocalMasterKey lmk, bool recordIfAbsent,
        CancellationToken cancellationToken)
    {
        LmkRecord? record;
        try
        {
            record = await db.LmkRecord.AsNoTracking().Where(r => r.Id == LmkRecord.SingletonId).FirstOrDefaultAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return new LmkCheckResult(lmk.Kcv, null, null,
                "The database has no LMK record (table lmk_record): run `VioPay.Api migrate` before serving.");
        }

        if (record is null && recordIfAbsent)
        {
            var sample = await SampleBlockAsync(db, cancellationToken);
            if (sample is not null && !lmk.Opens(sample))
            {
                return new LmkCheckResult(lmk.Kcv, null, null,
                    $"The configured LMK (KCV {lmk.Kcv}) does not open the key blocks already in the database, and none is " +
                    "recorded yet: configure the LMK they were written under.");
            }

            await db.Database.ExecuteSqlInterpolatedAsync(
                $"INSERT INTO lmk_record (id, kcv, recorded_at) VALUES ({LmkRecord.SingletonId}, {lmk.Kcv}, {DateTimeOffset.UtcNow}) ON CONFLICT (id) DO NOTHING",
                cancellationToken);
            record = await db.LmkRecord.AsNoTracking().Where(r => r.Id == LmkRecord.SingletonId).FirstAsync(cancellationToken);
        }

        if (record is null)
        {
            return new LmkCheckResult(lmk.Kcv, null, null, "No LMK KCV is recorded yet: it is recorded at the first start or `migrate`.");
        }

        if (record.RotatingToKcv is not null)
        {
            return new LmkCheckResult(lmk.Kcv, record.Kcv, record.RotatingToKcv,
                $"An LMK rotation from KCV {record.Kcv} to KCV {record.RotatingToKcv} has not finished: run `VioPay.Api rotate-lmk` " +
                "again with the same new LMK to complete it (it resumes), then start with the new LMK.");
        }

        if (!string.Equals(record.Kcv, lmk.Kcv, StringComparison.Ordinal))
        {
            return new LmkCheckResult(lmk.Kcv, record.Kcv, null,
                $"The configured LMK has KCV {lmk.Kcv}, but the database's keys are under the LMK with KCV {record.Kcv}. " +
                "Configure that LMK (Security:LocalMasterKey), or move the keys with `VioPay.Api rotate-lmk`.");
        }

        await LoadDerivationRootAsync(db, lmk, cancellationToken);
        return new LmkCheckResult(lmk.Kcv, record.Kcv, null, null);
    }

    /// <summary>After a rotation, the hash keys come from the root kept under the LMK, not from the LMK itself.</summary>
    internal static async Task LoadDerivationRootAsync(VioPayDbContext db, LocalMasterKey lmk, CancellationToken cancellationToken)
    {
        var stored = await db.ServerKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Name == DerivationRootName, cancellationToken);
        if (stored is null)
        {
            return;
        }

        var root = lmk.Unprotect(StoredKeys.ServerKey(DerivationRootName), stored.KeyBlock);
        try
        {
            lmk.UseDerivationRoot(root);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(root);
        }
    }

    private static async Task<string?> SampleBlockAsync(VioPayDbContext db, CancellationToken cancellationToken) =>
        await db.ServerKeys.AsNoTracking().OrderBy(k => k.Name).Select(k => k.KeyBlock).FirstOrDefaultAsync(cancellationToken)
        ?? await db.Devices.AsNoTracking().OrderBy(d => d.Id).Select(d => d.ZmkBlock).FirstOrDefaultAsync(cancellationToken);
}
