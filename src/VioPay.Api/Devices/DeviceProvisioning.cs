using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using VioPay.Api.Audit;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Infrastructure.Security;
using VioPay.Crypto;

namespace VioPay.Api.Devices;

public sealed record IdentityKeySecret(string KeyId, string Secret);

public sealed record ZmkSecret(string Key, string Kcv);

/// <summary>What provisioning returns once and never again (PROTOCOL §4).</summary>
public sealed record ProvisionedDevice(string DeviceId, string Status, string? Label, string? Model,
    Guid? MerchantId, Guid ResellerId, IdentityKeySecret IdentityKey, ZmkSecret Zmk);

/// <summary>
/// Creates devices with their identity key and ZMK. Secrets are generated here, returned to the
/// caller once, and stored only as TR-31 blocks under the LMK.
/// </summary>
public sealed class DeviceProvisioning(VioPayDbContext db, LocalMasterKey lmk, TimeProvider time)
{
    public async Task<ProvisionedDevice> ProvisionAsync(Guid resellerId, Guid? merchantId, string? label, string? model,
        Actor actor, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        string deviceId;
        do
        {
            deviceId = "POS-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4));
        }
        while (await db.Devices.AnyAsync(d => d.Id == deviceId, cancellationToken));

        var zmk = RandomNumberGenerator.GetBytes(32);
        var device = new Device
        {
            Id = deviceId,
            ResellerId = resellerId,
            MerchantId = merchantId,
            Label = label,
            Model = model,
            ZmkBlock = lmk.Protect(StoredKeys.Zmk(deviceId), zmk),
            ZmkKcv = KeyCheckValue.Legacy(zmk),
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Devices.Add(device);
        var identity = AddIdentityKey(deviceId);
        AuditLog.Record(db, time, actor, "device.provisioned", deviceId, merchantId,
            new { reseller_id = resellerId, identity_key_id = identity.KeyId, zmk_kcv = device.ZmkKcv });
        await db.SaveChangesAsync(cancellationToken);

        var result = new ProvisionedDevice(deviceId, device.Status, label, model, merchantId, resellerId, identity,
            new ZmkSecret(Convert.ToHexString(zmk), device.ZmkKcv));
        CryptographicOperations.ZeroMemory(zmk);
        return result;
    }

    /// <summary>Adds a new identity key to the unit of work and returns its secret (the only time it is seen).</summary>
    public IdentityKeySecret AddIdentityKey(string deviceId)
    {
        var secret = RandomNumberGenerator.GetBytes(32);
        var keyId = "idk_" + SecureIds.Base62(20);
        var key = new DeviceIdentityKey
        {
            KeyId = keyId,
            DeviceId = deviceId,
            SecretBlock = lmk.Protect(StoredKeys.IdentitySecret(deviceId, keyId), secret),
            CreatedAt = time.GetUtcNow(),
        };
        db.IdentityKeys.Add(key);
        var result = new IdentityKeySecret(key.KeyId, Convert.ToBase64String(secret));
        CryptographicOperations.ZeroMemory(secret);
        return result;
    }
}
