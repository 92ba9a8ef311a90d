using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using VioPay.Api.Devices;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Infrastructure.Security;
using VioPay.Crypto;

namespace VioPay.Api.Keys;

public sealed record DeliveredKey(string KeyId, string KeyBlock, string Usage);

public sealed record KeySetInfo(string KeySetId, string IssuedAt, string ExpiresAt);

public sealed record TransportInfo(string Format, string Encryption, string WrappedUnder);

public sealed record KeyVerification(IReadOnlyDictionary<string, string> Kcv, IReadOnlyDictionary<string, string> KcvCmac);

/// <summary>The <c>/pos/keys</c> answer, seed 003's shape plus <c>verification.kcv_cmac</c>.</summary>
public sealed record KeysResponse(KeySetInfo KeySet, TransportInfo Transport,
    IReadOnlyDictionary<string, DeliveredKey> Keys, KeyVerification Verification);

/// <summary>
/// Issues a fresh key set (PROTOCOL §6): six random AES-256 keys, delivered as TR-31 blocks in the
/// hierarchy ZMK → TMK → KEK → MSK/TPK/TDK/MAC, stored under the LMK as the device's pending set.
/// </summary>
public sealed class KeySetIssuer(VioPayDbContext db, LocalMasterKey lmk, TimeProvider time)
{
    private static readonly (KeySetKey Kind, string Name, string Usage)[] Order =
    [
        (KeySetKey.Tmk, "tmk", "key-encryption"),
        (KeySetKey.Kek, "kek", "key-encryption"),
        (KeySetKey.Msk, "msk", "data-encryption"),
        (KeySetKey.Tpk, "tpk", "pin-encryption"),
        (KeySetKey.Tdk, "tdk", "data-encryption"),
        (KeySetKey.Mac, "mac", "message-authentication"),
    ];

    public async Task<KeysResponse> IssueAsync(Device device, int lifetimeDays, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var suffix = SecureIds.Base62(16);
        var clear = Order.ToDictionary(k => k.Kind, _ => RandomNumberGenerator.GetBytes(32));
        var zmk = lmk.Unprotect(device.ZmkBlock);
        try
        {
            var delivered = new Dictionary<string, DeliveredKey>();
            var kcv = new Dictionary<string, string>();
            var kcvCmac = new Dictionary<string, string>();
            foreach (var (kind, name, usage) in Order)
            {
                var wrappingKey = kind switch
                {
                    KeySetKey.Tmk => zmk,
                    KeySetKey.Kek => clear[KeySetKey.Tmk],
                    _ => clear[KeySetKey.Kek],
                };
                var block = Tr31KeyBlock.Wrap(wrappingKey, KeySetHeaders.For(kind), clear[kind]);
                delivered[name] = new DeliveredKey($"{name}-{suffix}", Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(block)), usage);
                kcv[name] = KeyCheckValue.Legacy(clear[kind]);
                kcvCmac[name] = KeyCheckValue.Cmac(clear[kind]);
            }

            var set = new KeySet
            {
                Id = $"ks-{suffix}",
                DeviceId = device.Id,
                IssuedAt = now,
                ExpiresAt = now.AddDays(lifetimeDays),
                TmkBlock = Protect(KeySetKey.Tmk, clear),
                KekBlock = Protect(KeySetKey.Kek, clear),
                MskBlock = Protect(KeySetKey.Msk, clear),
                TpkBlock = Protect(KeySetKey.Tpk, clear),
                TdkBlock = Protect(KeySetKey.Tdk, clear),
                MacBlock = Protect(KeySetKey.Mac, clear),
                MskKcv = kcv["msk"],
                MacKeyId = delivered["mac"].KeyId,
            };

            // A new pending set replaces any earlier pending one: only the latest download can activate.
            await db.KeySets.Where(k => k.DeviceId == device.Id && k.Status == KeySetStatus.Pending)
                .ExecuteUpdateAsync(u => u.SetProperty(k => k.Status, KeySetStatus.Retired).SetProperty(k => k.RetiredAt, now), cancellationToken);
            db.KeySets.Add(set);
            return new KeysResponse(
                new KeySetInfo(set.Id, Pos.PosTime.Format(set.IssuedAt), Pos.PosTime.Format(set.ExpiresAt)),
                new TransportInfo("TR31", "AES-256", "kek"),
                delivered,
                new KeyVerification(kcv, kcvCmac));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(zmk);
            foreach (var key in clear.Values)
            {
                CryptographicOperations.ZeroMemory(key);
            }
        }
    }

    private string Protect(KeySetKey kind, Dictionary<KeySetKey, byte[]> clear) => lmk.Protect(KeySetHeaders.For(kind), clear[kind]);

    /// <summary>The set config, terminal parameters and activate use: the pending one, else the active one (PROTOCOL §10.3).</summary>
    public static async Task<KeySet> CurrentForActivationAsync(VioPayDbContext db, string deviceId, CancellationToken cancellationToken)
    {
        var sets = await db.KeySets
            .Where(k => k.DeviceId == deviceId && (k.Status == KeySetStatus.Pending || k.Status == KeySetStatus.Active))
            .ToListAsync(cancellationToken);
        return sets.FirstOrDefault(k => k.Status == KeySetStatus.Pending)
            ?? sets.FirstOrDefault(k => k.Status == KeySetStatus.Active)
            ?? throw ApiException.Conflict("No key set: call POST /pos/keys first");
    }
}
