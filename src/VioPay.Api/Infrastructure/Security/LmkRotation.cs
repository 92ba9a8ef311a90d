using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Keys;

namespace VioPay.Api.Infrastructure.Security;

/// <summary>Key blocks per table: re-wrapped under the new LMK (or, in a dry run, still to be), and already under it.</summary>
public sealed record LmkTableCount(string Table, int Rewrapped, int AlreadyUnderNewLmk);

public sealed record LmkRotationReport(string FromKcv, string ToKcv, bool DryRun, IReadOnlyList<LmkTableCount> Tables)
{
    public int Rewrapped => Tables.Sum(t => t.Rewrapped);
}

/// <summary>
/// <c>VioPay.Api rotate-lmk</c>: moves every key block from the configured LMK to a new one, header, purpose and owner
/// unchanged. The rotation is first marked in <see cref="LmkRecord"/> (start-ups refuse while it is), each batch commits
/// on its own, and a block that already verifies under the new LMK is skipped, so a run that stopped half-way is resumed
/// by running it again. The root of the LMK-derived hash keys (client secret verifiers, PAN fingerprints: hashes, which
/// cannot be re-wrapped) is kept as a server key under the new LMK, so those stay valid. The new KCV is recorded last.
/// </summary>
public sealed class LmkRotation(VioPayDbContext db, LocalMasterKey current, LocalMasterKey next)
{
    private const int BatchSize = 200;

    public async Task<LmkRotationReport> RunAsync(bool dryRun, CancellationToken cancellationToken)
    {
        if (current.Kcv == next.Kcv)
        {
            throw new InvalidOperationException($"The new LMK is the configured one (KCV {current.Kcv}).");
        }

        var record = await db.LmkRecord.AsNoTracking().Where(r => r.Id == LmkRecord.SingletonId).FirstOrDefaultAsync(cancellationToken)
            ?? throw new InvalidOperationException("No LMK KCV is recorded: run `migrate` (or start the API once) before rotating.");
        if (record.Kcv != current.Kcv)
        {
            throw new InvalidOperationException(
                $"The configured LMK has KCV {current.Kcv}, but the database's keys are under KCV {record.Kcv}: configure that LMK to rotate from it.");
        }

        if (record.RotatingToKcv is not null && record.RotatingToKcv != next.Kcv)
        {
            throw new InvalidOperationException(
                $"A rotation to the LMK with KCV {record.RotatingToKcv} has not finished; finish it with that LMK (this one has KCV {next.Kcv}).");
        }

        if (!dryRun)
        {
            await BeginAsync(cancellationToken);
        }

        var tables = new List<LmkTableCount>
        {
            await RewrapAsync("devices", db.Devices.OrderBy(d => d.Id).Select(d => d.Id),
                ids => db.Devices.Where(d => ids.Contains(d.Id)).ToListAsync(cancellationToken),
                d => d.Id, d => [(d.ZmkBlock, b => d.ZmkBlock = b)], dryRun, cancellationToken),
            await RewrapAsync("device_identity_keys", db.IdentityKeys.OrderBy(k => k.KeyId).Select(k => k.KeyId),
                ids => db.IdentityKeys.Where(k => ids.Contains(k.KeyId)).ToListAsync(cancellationToken),
                k => k.KeyId, k => [(k.SecretBlock, b => k.SecretBlock = b)], dryRun, cancellationToken),
            await RewrapAsync("key_sets", db.KeySets.OrderBy(k => k.Id).Select(k => k.Id),
                ids => db.KeySets.Where(k => ids.Contains(k.Id)).ToListAsync(cancellationToken),
                k => k.Id, KeySetBlocks, dryRun, cancellationToken),
            await RewrapAsync("server_keys", db.ServerKeys.OrderBy(k => k.Name).Select(k => k.Name),
                ids => db.ServerKeys.Where(k => ids.Contains(k.Name)).ToListAsync(cancellationToken),
                k => k.Name, k => [(k.KeyBlock, b => k.KeyBlock = b)], dryRun, cancellationToken),
            await RewrapAsync("webhook_endpoints", db.WebhookEndpoints.OrderBy(e => e.Id).Select(e => e.Id),
                ids => db.WebhookEndpoints.Where(e => ids.Contains(e.Id)).ToListAsync(cancellationToken),
                e => e.Id, e => [(e.SecretBlock, b => e.SecretBlock = b)], dryRun, cancellationToken),
        };

        if (!dryRun)
        {
            await db.LmkRecord.Where(r => r.Id == LmkRecord.SingletonId).ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Kcv, next.Kcv)
                .SetProperty(r => r.RecordedAt, DateTimeOffset.UtcNow)
                .SetProperty(r => r.RotatingToKcv, (string?)null)
                .SetProperty(r => r.RotationStartedAt, (DateTimeOffset?)null), cancellationToken);
        }

        return new LmkRotationReport(current.Kcv, next.Kcv, dryRun, tables);
    }

    /// <summary>
    /// Marks the rotation and, on the first one, keeps the hash-key root (until now the LMK itself) under the new LMK,
    /// in one transaction: from here on no instance starts until the rotation ends.
    /// </summary>
    private async Task BeginAsync(CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.LmkRecord.Where(r => r.Id == LmkRecord.SingletonId).ExecuteUpdateAsync(s => s
            .SetProperty(r => r.RotatingToKcv, next.Kcv)
            .SetProperty(r => r.RotationStartedAt, DateTimeOffset.UtcNow), cancellationToken);
        if (!await db.ServerKeys.AnyAsync(k => k.Name == LmkCheck.DerivationRootName, cancellationToken))
        {
            var root = current.ExportDerivationRoot();
            try
            {
                db.ServerKeys.Add(new ServerKey
                {
                    Name = LmkCheck.DerivationRootName,
                    KeyBlock = next.Protect(StoredKeys.ServerKey(LmkCheck.DerivationRootName), root),
                    CreatedAt = DateTimeOffset.UtcNow,
                });
                await db.SaveChangesAsync(cancellationToken);
                db.ChangeTracker.Clear();
            }
            finally
            {
                CryptographicOperations.ZeroMemory(root);
            }
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private static IEnumerable<(string Block, Action<string> Store)> KeySetBlocks(KeySet set) =>
    [
        (set.TmkBlock, b => set.TmkBlock = b), (set.KekBlock, b => set.KekBlock = b), (set.MskBlock, b => set.MskBlock = b),
        (set.TpkBlock, b => set.TpkBlock = b), (set.TdkBlock, b => set.TdkBlock = b), (set.MacBlock, b => set.MacBlock = b),
    ];

    private async Task<LmkTableCount> RewrapAsync<T>(string table, IQueryable<string> allIds, Func<string[], Task<List<T>>> load,
        Func<T, string> id, Func<T, IEnumerable<(string Block, Action<string> Store)>> blocks, bool dryRun, CancellationToken cancellationToken)
        where T : class
    {
        int rewrapped = 0, skipped = 0;
        foreach (var chunk in (await allIds.ToListAsync(cancellationToken)).Chunk(BatchSize))
        {
            foreach (var row in await load(chunk))
            {
                foreach (var (block, store) in blocks(row))
                {
                    if (next.Opens(block))
                    {
                        skipped++;
                    }
                    else if (!current.Opens(block))
                    {
                        throw new InvalidOperationException(
                            $"A key block in {table} (row {id(row)}) opens under neither the configured LMK nor the new one; nothing after it was moved.");
                    }
                    else
                    {
                        if (!dryRun)
                        {
                            store(current.RewrapUnder(next, block));
                        }

                        rewrapped++;
                    }
                }
            }

            if (!dryRun)
            {
                await db.SaveChangesAsync(cancellationToken);
            }

            db.ChangeTracker.Clear();
        }

        return new LmkTableCount(table, rewrapped, skipped);
    }
}
