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
        var zmk = lmk.Unprotect(StoredKeys.Zmk(device.Id), device.ZmkBlock);
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

            var setId = $"ks-{suffix}";
            string Protect(KeySetKey kind) => lmk.Protect(StoredKeys.KeySetKeyOf(kind, device.Id, setId), clear[kind]);
            var set = new KeySet
            {
                Id = setId,
                DeviceId = device.Id,
                IssuedAt = now,
                ExpiresAt = now.AddDays(lifetimeDays),
                TmkBlock = Protect(KeySetKey.Tmk),
                KekBlock = Protect(KeySetKey.Kek),
                MskBlock = Protect(KeySetKey.Msk),
                TpkBlock = Protect(KeySetKey.Tpk),
                TdkBlock = Protect(KeySetKey.Tdk),
                MacBlock = Protect(KeySetKey.Mac),
                MskKcv = kcv["msk"],
                MacKeyId = delivered["mac"].KeyId,
            };

            // A new pending set replaces any earlier pending one, which is deleted, not kept: only the latest download can
            // activate, and a pending set never signed a charge, so nothing refers to it. The caller's transaction makes
            // the delete and the insert one change, and the device row's lock makes parallel downloads take turns, so two
            // of them can never both delete nothing and leave two pending sets behind.
            await db.Database.ExecuteSqlAsync($"SELECT id FROM devices WHERE id = {device.Id} FOR UPDATE", cancellationToken);
            await db.KeySets.Where(k => k.DeviceId == device.Id && k.Status == KeySetStatus.Pending)
                .ExecuteDeleteAsync(cancellationToken);
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

    /// <summary>
    /// The set config, terminal parameters and activate use: the pending one, else the active one (PROTOCOL §10.3).
    /// A set past its <c>expires_at</c> serves nothing (§11.9): 409 with <c>details.reason: "key_set_expired"</c>, and the
    /// device rotates with <c>POST /pos/keys</c>, whose new pending set these endpoints then use.
    /// </summary>
    public static async Task<KeySet> CurrentForActivationAsync(VioPayDbContext db, string deviceId, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var sets = await db.KeySets
            .Where(k => k.DeviceId == deviceId && (k.Status == KeySetStatus.Pending || k.Status == KeySetStatus.Active))
            .ToListAsync(cancellationToken);
        var set = sets.FirstOrDefault(k => k.Status == KeySetStatus.Pending)
            ?? sets.FirstOrDefault(k => k.Status == KeySetStatus.Active)
            ?? throw ApiException.Conflict("No key set: call POST /pos/keys first");
        return set.ExpiresAt > now
            ? set
            : throw ApiException.Conflict("Key set expired: call POST /pos/keys to rotate", new Dictionary<string, object?>
            {
                ["reason"] = KeySetExpiredReason,
                ["key_set_id"] = set.Id,
            });
    }

    /// <summary><c>details.reason</c> of every refusal caused by an expired key set.</summary>
    public const string KeySetExpiredReason = "key_set_expired";
}
