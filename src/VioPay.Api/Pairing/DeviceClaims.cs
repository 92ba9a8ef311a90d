using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VioPay.Api.Audit;
using VioPay.Api.Backoffice;
using VioPay.Api.Devices;
using VioPay.Api.Events;
using VioPay.Api.Infrastructure;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Infrastructure.Redis;
using VioPay.Api.Pos;
using VioPay.Api.Sessions;

namespace VioPay.Api.Pairing;

/// <summary>A claimed device and the terminal id it got.</summary>
public sealed record ClaimedDevice(string DeviceId, string TerminalId, string DeviceStatus);

/// <summary>
/// Step 4 of activation (PROTOCOL §4): a merchant claims a device with the code it shows. One implementation for
/// <c>POST /pos/claim</c> and the portal's claim form, so both share the limits, the checks and their answers.
/// </summary>
public sealed class DeviceClaims(VioPayDbContext db, PairingCodes codes, RateLimiter limiter, IOptions<RateLimitOptions> limits,
    TimeProvider time, DeviceViews views)
{
    /// <summary>
    /// Claims <paramref name="deviceId"/> for the session's merchant. Wrong code 404 (5 wrong attempts kill the code),
    /// expired or dead code 410, claimed device 409, another merchant's device or unassigned inventory 403.
    /// </summary>
    public async Task<ClaimedDevice> ClaimAsync(SessionContext session, string clientIp, string? deviceId, string? pairingCode,
        CancellationToken cancellationToken)
    {
        var merchantId = session.MerchantId!.Value;
        await limiter.HitAsync("claim-merchant", merchantId.ToString(), limits.Value.ClaimsPerMerchantPerMinute, TimeSpan.FromMinutes(1));
        await limiter.HitAsync("claim-ip", clientIp, limits.Value.ClaimsPerIpPerMinute, TimeSpan.FromMinutes(1));

        var fields = new Dictionary<string, string>();
        if (!PosHeaderValidator.IsDeviceId(deviceId))
        {
            fields["device_id"] = "device_id must be POS- followed by 8 uppercase hex characters.";
        }

        if (pairingCode is null || pairingCode.Length != 6 || !pairingCode.All(char.IsAsciiLetterOrDigit))
        {
            fields["pairing_code"] = "pairing_code must be the 6 characters the device shows.";
        }

        if (fields.Count > 0)
        {
            throw ApiException.InvalidFields(fields);
        }

        var device = await db.Devices.FirstOrDefaultAsync(d => d.Id == deviceId, cancellationToken)
            ?? throw ApiException.NotFound("Device not found", new Dictionary<string, object?> { ["device_id"] = deviceId });
        if (!device.IsClaimableBy(merchantId))
        {
            throw ApiException.Forbidden(device.MerchantId is null
                ? "This inventory device is not assigned to this merchant"
                : "This device belongs to another merchant");
        }

        if (device.Status != DeviceStatus.Inactive)
        {
            throw ApiException.Conflict("Device is already claimed", new Dictionary<string, object?> { ["device_status"] = device.Status });
        }

        if (device.Suspended)
        {
            throw ApiException.Forbidden("Device is suspended");
        }

        switch (await codes.CheckAsync(device.Id, pairingCode!))
        {
            case PairingCheck.NoneIssued:
                throw ApiException.NotFound("No pairing code was issued for this device");
            case PairingCheck.Wrong:
                throw ApiException.NotFound("Pairing code not found");
            case PairingCheck.ExpiredOrDead:
                throw ApiException.Gone("Pairing code expired; show a new code on the device");
        }

        var number = await db.Database.SqlQueryRaw<long>($"SELECT nextval('{VioPayDbContext.TerminalNumberSequence}') AS \"Value\"")
            .SingleAsync(cancellationToken);
        var terminalId = $"TID-{number:D6}";
        var now = time.GetUtcNow();
        device.Status = DeviceStatus.Claimed;
        device.MerchantId = merchantId;
        device.TerminalId = terminalId;
        device.ClaimedAt = now;
        device.UpdatedAt = now;
        db.Terminals.Add(new Terminal { Id = terminalId, DeviceId = device.Id, MerchantId = merchantId, CreatedAt = now });
        AuditLog.Record(db, time, Actor.User(session.UserId), "device.claimed", device.Id, merchantId,
            new { terminal_id = terminalId, client_id = session.ClientId });
        // PROTOCOL §13.3: the event carries the device as the claim leaves it, and commits with it.
        EventOutbox.Raise(db, time, merchantId, EventTypes.DeviceClaimed, await views.OfAsync(device, cancellationToken));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Another claim of the same device committed first.
            throw ApiException.Conflict("Device is already claimed");
        }

        await codes.ConsumeAsync(device.Id);
        return new ClaimedDevice(device.Id, terminalId, DeviceStatus.Claimed);
    }
}
