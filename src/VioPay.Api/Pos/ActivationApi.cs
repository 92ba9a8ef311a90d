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

    private static async Task<Ok<ClaimResponse>> Claim(ClaimRequest request, HttpContext http, DeviceClaims claims,
        CancellationToken cancellationToken)
    {
        var claimed = await claims.ClaimAsync(http.Session(), http.ClientIp(), request.DeviceId, request.PairingCode, cancellationToken);
        return TypedResults.Ok(new ClaimResponse(claimed.DeviceId, claimed.TerminalId, claimed.DeviceStatus));
    }
}
