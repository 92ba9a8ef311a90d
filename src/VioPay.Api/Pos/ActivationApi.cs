using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VioPay.Api.Audit;
using VioPay.Api.Backoffice;
using VioPay.Api.Devices;
using VioPay.Api.Events;
using VioPay.Api.Infrastructure;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.OpenApi;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Infrastructure.Redis;
using VioPay.Api.Pairing;
using VioPay.Api.Sessions;

namespace VioPay.Api.Pos;

/// <summary>Phase 1 of the flow: bootstrap, pairing code, status polling, and the portal's claim.</summary>
public static class ActivationApi
{
    public sealed record BootstrapResponse(string Status, string ServerTime, string MinSupportedVersion);

    public sealed record PairingCodeResponse(string PairingCode, int ExpiresInSec);

    public sealed record StatusResponse(string DeviceStatus, bool IsClaimed, string PairingCodeStatus);

    public sealed record ClaimRequest(string? PairingCode, string? DeviceId);

    public sealed record ClaimResponse(string DeviceId, string TerminalId, string DeviceStatus);

    public static IEndpointRouteBuilder MapActivationApi(this IEndpointRouteBuilder app)
    {
        var pos = app.MapGroup("/pos").WithTags("POS activation");

        pos.MapPost("/bootstrap", Bootstrap)
            .RequirePosAuth(PosAuth.ActivationAnyVersion)
            .WithName("PosBootstrap")
            .WithSummary("Step 1: connectivity check; answers the server time and the minimum supported app version (also to apps below it).")
            .WithHeaders(PosDocs.Activation)
            .ProducesErrors(400, 403, 404, 413, 415, 429, 503);

        pos.MapPost("/pairing-code", IssuePairingCode)
            .RequirePosAuth(PosAuth.Activation)
            .WithName("PosPairingCode")
            .WithSummary("Step 2: a 6-character pairing code, valid 300 s, to show on screen; a new one replaces the old. 409 once claimed.")
            .WithHeaders(PosDocs.Activation)
            .WithNoStore()
            .ProducesErrors(400, 403, 404, 409, 413, 415, 426, 429, 503);

        pos.MapGet("/status", Status)
            .RequirePosAuth(PosAuth.Activation)
            .WithName("PosStatus")
            .WithSummary("Step 3: poll until is_claimed is true; pairing_code_status is pending, expired, claimed or none.")
            .WithHeaders(PosDocs.Activation)
            .ProducesErrors(400, 403, 404, 426, 429, 503);

        app.MapPost("/pos/claim", Claim)
            .WithTags("POS activation")
            .RequireSession(SessionScope.Merchant)
            .WithName("PosClaim")
            .WithSummary("Step 4 (merchant portal, Bearer): claim a device with the code it shows; assigns its terminal id. " +
                "Wrong code 404 (5 wrong attempts kill the code), expired or dead code 410, claimed device 409, another merchant's device " +
                "or inventory not assigned to this merchant 403.")
            .WithHeaders(new HeaderDoc("Authorization", true, "Bearer {jwt} with an initiated merchant session"))
            .ProducesErrors(400, 401, 403, 404, 409, 410, 413, 415, 429, 503);
        return app;
    }

    private static Ok<BootstrapResponse> Bootstrap(TimeProvider time, IOptions<PosOptions> options) =>
        TypedResults.Ok(new BootstrapResponse("ok", PosTime.Format(time.GetUtcNow()), options.Value.MinSupportedVersion));

    private static async Task<Ok<PairingCodeResponse>> IssuePairingCode(HttpContext http, PairingCodes codes, VioPayDbContext db,
        RateLimiter limiter, IOptions<RateLimitOptions> limits, TimeProvider time, CancellationToken cancellationToken)
    {
        var device = http.Device();
        // Nobody may replace a device's code in a loop so that its merchant never gets to type it in (PROTOCOL §12.2).
        await limiter.HitAsync("pairing-code-device", device.Id, limits.Value.PairingCodesPerDevice,
            TimeSpan.FromSeconds(limits.Value.PairingCodeWindowSeconds));
        if (device.Status != DeviceStatus.Inactive)
        {
            throw ApiException.Conflict("Device is already claimed", new Dictionary<string, object?> { ["device_status"] = device.Status });
        }

        var issued = await codes.IssueAsync(device.Id);
        // The code itself is a secret shown on the device's screen; the audit trail records only that one was issued.
        AuditLog.Record(db, time, Actor.Device(device.Id), "pairing_code.issued", device.Id, device.MerchantId,
            new { expires_in_sec = issued.ExpiresInSeconds });
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(new PairingCodeResponse(issued.Code, issued.ExpiresInSeconds));
    }

    private static async Task<Ok<StatusResponse>> Status(HttpContext http, PairingCodes codes)
    {
        var device = http.Device();
        var claimed = device.Status != DeviceStatus.Inactive;
        var pairing = claimed ? "claimed" : await codes.StatusAsync(device.Id);
        return TypedResults.Ok(new StatusResponse(device.Status, claimed, pairing));
    }

    private static async Task<Ok<ClaimResponse>> Claim(ClaimRequest request, HttpContext http, VioPayDbContext db,
        PairingCodes codes, RateLimiter limiter, IOptions<RateLimitOptions> limits, TimeProvider time, DeviceViews views,
        CancellationToken cancellationToken)
    {
        var session = http.Session();
        var merchantId = session.MerchantId!.Value;
        await limiter.HitAsync("claim-merchant", merchantId.ToString(), limits.Value.ClaimsPerMerchantPerMinute, TimeSpan.FromMinutes(1));
        await limiter.HitAsync("claim-ip", http.ClientIp(),
            limits.Value.ClaimsPerIpPerMinute, TimeSpan.FromMinutes(1));

        var fields = new Dictionary<string, string>();
        if (!PosHeaderValidator.IsDeviceId(request.DeviceId))
        {
            fields["device_id"] = "device_id must be POS- followed by 8 uppercase hex characters.";
        }

        if (request.PairingCode is null || request.PairingCode.Length != 6 || !request.PairingCode.All(char.IsAsciiLetterOrDigit))
        {
            fields["pairing_code"] = "pairing_code must be the 6 characters the device shows.";
        }

        if (fields.Count > 0)
        {
            throw ApiException.InvalidFields(fields);
        }

        var device = await db.Devices.FirstOrDefaultAsync(d => d.Id == request.DeviceId, cancellationToken)
            ?? throw ApiException.NotFound("Device not found", new Dictionary<string, object?> { ["device_id"] = request.DeviceId });
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

        switch (await codes.CheckAsync(device.Id, request.PairingCode!))
        {
            case PairingCheck.NoneIssued:
                throw ApiException.NotFound("No pairing code was issued for this device");
            case PairingCheck.Wrong:
                throw ApiException.NotFound("Pairing code not found");
            case PairingCheck.ExpiredOrDead:
                throw ApiException.Gone("Pairing code expired; show a new code on the device");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
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
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Another claim of the same device committed first.
            throw ApiException.Conflict("Device is already claimed");
        }

        // The event carries the device as the backoffice shows it, read back inside the claim's own transaction.
        EventOutbox.Raise(db, time, merchantId, EventTypes.DeviceClaimed, await views.OneAsync(device.Id, cancellationToken));
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        await codes.ConsumeAsync(device.Id);
        return TypedResults.Ok(new ClaimResponse(device.Id, terminalId, DeviceStatus.Claimed));
    }
}
