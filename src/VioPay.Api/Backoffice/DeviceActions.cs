using Microsoft.EntityFrameworkCore;
using VioPay.Api.Audit;
using VioPay.Api.Devices;
using VioPay.Api.Events;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Payments;
using VioPay.Api.Pos;

namespace VioPay.Api.Backoffice;

/// <summary>
/// What a merchant may do to its own devices (suspend, resume, identity keys), shared by the backoffice API and the
/// portal. Every lookup carries the merchant in its WHERE clause, so another merchant's device is simply not found (404).
/// </summary>
public sealed class DeviceActions(VioPayDbContext db, DeviceProvisioning provisioning, AttestationTokens tokens,
    TerminalDirectory terminals, DeviceViews views, TimeProvider time)
{
    public async Task<Device> OwnDeviceAsync(Guid merchantId, string deviceId, CancellationToken cancellationToken) =>
        PosHeaderValidator.IsDeviceId(deviceId)
            ? await db.Devices.FirstOrDefaultAsync(d => d.Id == deviceId && d.MerchantId == merchantId, cancellationToken)
              ?? throw ApiException.NotFound("Device not found")
            : throw ApiException.NotFound("Device not found");

    public async Task<IdentityKeySecret> AddIdentityKeyAsync(Guid merchantId, Guid userId, string deviceId, CancellationToken cancellationToken)
    {
        var device = await OwnDeviceAsync(merchantId, deviceId, cancellationToken);
        var key = provisioning.AddIdentityKey(device.Id);
        AuditLog.Record(db, time, Actor.User(userId), "identity_key.created", device.Id, device.MerchantId, new { key_id = key.KeyId });
        await db.SaveChangesAsync(cancellationToken);
        return key;
    }

    public async Task RevokeIdentityKeyAsync(Guid merchantId, Guid userId, string deviceId, string keyId, CancellationToken cancellationToken)
    {
        var device = await OwnDeviceAsync(merchantId, deviceId, cancellationToken);
        var key = await db.IdentityKeys.FirstOrDefaultAsync(k => k.KeyId == keyId && k.DeviceId == device.Id, cancellationToken)
            ?? throw ApiException.NotFound("Identity key not found");
        await EndTokensAroundAsync(device.Id, async () =>
        {
            if (key.RevokedAt is null)
            {
                key.RevokedAt = time.GetUtcNow();
                AuditLog.Record(db, time, Actor.User(userId), "identity_key.revoked", device.Id, device.MerchantId, new { key_id = keyId });
                await db.SaveChangesAsync(cancellationToken);
            }

            await terminals.InvalidateAsync(device.Id);
        });
    }

    /// <summary>Suspends or resumes the device and answers its view; a suspension ends its attestation tokens for good.</summary>
    public async Task<DeviceView> SetSuspendedAsync(Guid merchantId, Guid userId, string deviceId, bool suspended,
        CancellationToken cancellationToken)
    {
        var device = await OwnDeviceAsync(merchantId, deviceId, cancellationToken);
        if (suspended)
        {
            // A suspension ends the device's attestation tokens for good: a resumed device attests again.
            await EndTokensAroundAsync(device.Id, () => ChangeSuspensionAsync(device, true, userId, cancellationToken));
        }
        else
        {
            await ChangeSuspensionAsync(device, false, userId, cancellationToken);
        }

        return await views.OneAsync(device.Id, cancellationToken);
    }

    /// <summary>
    /// Ends the device's attestation tokens on both sides of the change: before it, so that a committed change never
    /// leaves an older token alive; after it, so that a token minted while the change was being committed dies too.
    /// A repeat (already revoked or suspended) ends them again, so a retry after a 503 finishes the job.
    /// </summary>
    private async Task EndTokensAroundAsync(string deviceId, Func<Task> change)
    {
        await tokens.EndDeviceTokensAsync(deviceId);
        await change();
        await tokens.EndDeviceTokensAsync(deviceId);
    }

    /// <summary>
    /// Suspends or resumes, with its audit line and its <c>device.suspended</c> / <c>device.resumed</c> event in the same
    /// commit; every instance's terminal cache hears of it, also on a repeat (a retry after a 503), which raises nothing.
    /// </summary>
    private async Task ChangeSuspensionAsync(Device device, bool suspended, Guid userId, CancellationToken cancellationToken)
    {
        if (device.Suspended != suspended)
        {
            device.Suspended = suspended;
            device.UpdatedAt = time.GetUtcNow();
            var type = suspended ? EventTypes.DeviceSuspended : EventTypes.DeviceResumed;
            AuditLog.Record(db, time, Actor.User(userId), type, device.Id, device.MerchantId);
            EventOutbox.Raise(db, time, device.MerchantId!.Value, type, await views.OfAsync(device, cancellationToken));
            await db.SaveChangesAsync(cancellationToken);
        }

        await terminals.InvalidateAsync(device.Id);
    }
}
