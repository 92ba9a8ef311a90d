using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Keys;
using VioPay.Crypto;

namespace VioPay.Api.Infrastructure.Security;

/// <summary>How many blocks <see cref="StoredKeyRebinding"/> re-wrapped, per table.</summary>
public sealed record RebindingReport(int Devices, int IdentityKeys, int KeySets, int ServerKeys);

/// <summary>
/// The one-off re-wrap of blocks written before stored keys were bound to their purpose and owner, run by
/// <c>VioPay.Api migrate</c> after the schema migrations (it needs the LMK, so it is code, not SQL). A block without a
/// binding is opened as its column's old header and wrapped again, bound; a bound block is left as it is, so the step is
/// idempotent. Each batch commits on its own, so an interrupted run resumes where it stopped. A legacy block that does
/// not open as its column's key stops the run with its table and row named: it is never re-wrapped as something else.
/// </summary>
public sealed class StoredKeyRebinding(VioPayDbContext db, LocalMasterKey lmk)
{
    private const int BatchSize = 200;

    public async Task<RebindingReport> RunAsync(CancellationToken cancellationToken)
    {
        var devices = await RebindAsync("devices", db.Devices.OrderBy(d => d.Id).Select(d => d.Id),
            ids => db.Devices.Where(d => ids.Contains(d.Id)).ToListAsync(cancellationToken),
            d => d.Id, d => Rebind(StoredKeys.Zmk(d.Id), d.ZmkBlock, b => d.ZmkBlock = b), cancellationToken);

        var identityKeys = await RebindAsync("device_identity_keys", db.IdentityKeys.OrderBy(k => k.KeyId).Select(k => k.KeyId),
            ids => db.IdentityKeys.Where(k => ids.Contains(k.KeyId)).ToListAsync(cancellationToken),
            k => k.KeyId, k => Rebind(StoredKeys.IdentitySecret(k.DeviceId, k.KeyId), k.SecretBlock, b => k.SecretBlock = b),
            cancellationToken);

        var keySets = await RebindAsync("key_sets", db.KeySets.OrderBy(k => k.Id).Select(k => k.Id),
            ids => db.KeySets.Where(k => ids.Contains(k.Id)).ToListAsync(cancellationToken),
            k => k.Id, RebindKeySet, cancellationToken);

        var serverKeys = await RebindAsync("server_keys", db.ServerKeys.OrderBy(k => k.Name).Select(k => k.Name),
            ids => db.ServerKeys.Where(k => ids.Contains(k.Name)).ToListAsync(cancellationToken),
            k => k.Name, k => Rebind(StoredKeys.ServerKey(k.Name), k.KeyBlock, b => k.KeyBlock = b), cancellationToken);

        return new RebindingReport(devices, identityKeys, keySets, serverKeys);
    }

    private int RebindKeySet(KeySet set) =>
        Rebind(set.Stored(KeySetKey.Tmk), set.TmkBlock, b => set.TmkBlock = b)
        + Rebind(set.Stored(KeySetKey.Kek), set.KekBlock, b => set.KekBlock = b)
        + Rebind(set.Stored(KeySetKey.Msk), set.MskBlock, b => set.MskBlock = b)
        + Rebind(set.Stored(KeySetKey.Tpk), set.TpkBlock, b => set.TpkBlock = b)
        + Rebind(set.Stored(KeySetKey.Tdk), set.TdkBlock, b => set.TdkBlock = b)
        + Rebind(set.Stored(KeySetKey.Mac), set.MacBlock, b => set.MacBlock = b);

    /// <summary>Re-wraps one legacy block bound to <paramref name="what"/>; answers 1 when it did, 0 for a block already bound.</summary>
    private int Rebind(StoredKey what, string block, Action<string> store)
    {
        try
        {
            if (BoundKeyBlock.IsBound(block))
            {
                return 0;
            }
        }
        catch (Tr31Exception e)
        {
            throw new StoredKeyException(what, e.Error);
        }

        var key = lmk.UnprotectLegacy(what, block);
        try
        {
            store(lmk.Protect(what, key));
            return 1;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private async Task<int> RebindAsync<T>(string table, IQueryable<string> allIds, Func<string[], Task<List<T>>> load,
        Func<T, string> id, Func<T, int> rebind, CancellationToken cancellationToken)
        where T : class
    {
        var rebound = 0;
        foreach (var chunk in (await allIds.ToListAsync(cancellationToken)).Chunk(BatchSize))
        {
            foreach (var row in await load(chunk))
            {
                try
                {
                    rebound += rebind(row);
                }
                catch (StoredKeyException e)
                {
                    throw new InvalidOperationException($"Re-wrapping {table} row {id(row)} stopped: {e.Message}", e);
                }
            }

            await db.SaveChangesAsync(cancellationToken);
            db.ChangeTracker.Clear();
        }

        return rebound;
    }
}
