using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using VioPay.Api.Audit;
using VioPay.Api.Devices;
using VioPay.Api.Events;
using VioPay.Api.Infrastructure;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.OpenApi;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Payments;
using VioPay.Api.Pos;
using VioPay.Api.Sessions;

namespace VioPay.Api.Backoffice;

/// <summary><c>POST /merchant/devices</c> and <c>POST /reseller/devices</c>: an optional <c>{ label, model }</c> (fine point 12).</summary>
public sealed record CreateDeviceRequest(string? Label, string? Model) : IBackofficeRequest
{
    public void Validate(IDictionary<string, string> fields)
    {
        if (Label is { Length: > 200 })
        {
            fields["label"] = "label must be at most 200 characters.";
        }

        if (Model is { Length: > 100 })
        {
            fields["model"] = "model must be at most 100 characters.";
        }
    }
}

/// <summary>
/// The merchant's devices: provisioning, the fleet list (PROTOCOL §13.5), identity keys, suspend and resume (the reseller's
/// inventory is <see cref="InventoryBackofficeApi"/>). Every query carries the owner in its WHERE clause, so another
/// merchant's device is simply not found (404).
/// </summary>
public static class MerchantDevicesApi
{
    /// <summary>What suspend and resume need besides the route: more than three services, so one bundle.</summary>
    public sealed record DeviceServices(VioPayDbContext Db, DeviceViews Views, TerminalDirectory Terminals, AttestationTokens Tokens,
        TimeProvider Time);

    public static IEndpointRouteBuilder MapMerchantDevicesApi(this IEndpointRouteBuilder app)
    {
        var bearer = new HeaderDoc("Authorization", true, "Bearer {jwt} with an initiated session");
        var merchant = app.MapGroup("/merchant/devices").WithTags("Backoffice: merchant").RequireSession(SessionScope.Merchant).WithHeaders(bearer);

        merchant.MapPost("", Create)
            .WithName("CreateMerchantDevice")
            .WithSummary("Pre-provision a device bound to this merchant. Answers its identity key secret and ZMK once, never again.")
            .WithNoStore()
            .DocumentsJsonBody<CreateDeviceRequest>()
            .ProducesErrors(400, 401, 403, 413, 415, 503);
        merchant.MapGet("", List)
            .WithName("ListMerchantDevices")
            .WithSummary("This merchant's devices, newest first, with connectivity (online|offline|never_seen), last_seen_at and " +
                "app_version: ?limit=1..100 (50), cursor (next_cursor of the previous page), status (inactive|claimed|activated), " +
                "connectivity. Answers {data, next_cursor}.")
            .ProducesErrors(400, 401, 403, 503);
        merchant.MapGet("/{deviceId}", Get)
            .WithName("GetMerchantDevice").WithSummary("One of this merchant's devices; 404 for any other.")
            .ProducesErrors(401, 403, 404, 503);
        merchant.MapPost("/{deviceId}/identity-keys", AddIdentityKey)
            .WithName("AddDeviceIdentityKey").WithSummary("A new identity key for the device; its secret is answered once.")
            .WithNoStore()
            .ProducesErrors(401, 403, 404, 503);
        merchant.MapDelete("/{deviceId}/identity-keys/{keyId}", RevokeIdentityKey)
            .WithName("RevokeDeviceIdentityKey").WithSummary("Revoke an identity key: attest with it answers 404 from now on.")
            .ProducesErrors(401, 403, 404, 503);
        merchant.MapPost("/{deviceId}/suspend", Suspend)
            .WithName("SuspendDevice")
            .WithSummary("Suspend a device: every POS endpoint answers it 403 until resumed. Raises device.suspended.")
            .ProducesErrors(401, 403, 404, 503);
        merchant.MapPost("/{deviceId}/resume", Resume)
            .WithName("ResumeDevice").WithSummary("Resume a suspended device. Raises device.resumed.")
            .ProducesErrors(401, 403, 404, 503);
        return app;
    }

    private static async Task<Created<ProvisionedDevice>> Create(HttpContext http, DeviceProvisioning provisioning,
        CancellationToken cancellationToken)
    {
        var session = http.Session();
        var request = BackofficeJson.Read<CreateDeviceRequest>(http, optional: true);
        var device = await provisioning.ProvisionAsync(session.ResellerId!.Value, session.MerchantId, request.Label, request.Model,
            Actor.User(session.UserId), cancellationToken);
        return TypedResults.Created($"/merchant/devices/{device.DeviceId}", device);
    }

    private static async Task<Ok<DeviceList>> List(HttpContext http, VioPayDbContext db, CancellationToken cancellationToken)
    {
        var merchantId = http.Session().MerchantId;
        return TypedResults.Ok(await DeviceListQuery.PageAsync(http, db.Devices.Where(d => d.MerchantId == merchantId), cancellationToken));
    }

    private static async Task<Ok<DeviceView>> Get(string deviceId, HttpContext http, VioPayDbContext db, DeviceViews views,
        CancellationToken cancellationToken)
    {
        var device = await OwnDeviceAsync(http, db, deviceId, cancellationToken);
        return TypedResults.Ok(await views.OneAsync(device.Id, cancellationToken));
    }

    private static async Task<Created<IdentityKeySecret>> AddIdentityKey(string deviceId, HttpContext http, VioPayDbContext db,
        DeviceProvisioning provisioning, TimeProvider time, CancellationToken cancellationToken)
    {
        var device = await OwnDeviceAsync(http, db, deviceId, cancellationToken);
        var key = provisioning.AddIdentityKey(device.Id);
        AuditLog.Record(db, time, Actor.User(http.Session().UserId), "identity_key.created", device.Id, device.MerchantId,
            new { key_id = key.KeyId });
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/merchant/devices/{device.Id}/identity-keys/{key.KeyId}", key);
    }

    private static async Task<NoContent> RevokeIdentityKey(string deviceId, string keyId, HttpContext http, [AsParameters] DeviceServices services,
        CancellationToken cancellationToken)
    {
        var (db, _, terminals, tokens, time) = services;
        var device = await OwnDeviceAsync(http, db, deviceId, cancellationToken);
        var key = await db.IdentityKeys.FirstOrDefaultAsync(k => k.KeyId == keyId && k.DeviceId == device.Id, cancellationToken)
            ?? throw ApiException.NotFound("Identity key not found");
        await EndTokensAroundAsync(tokens, device.Id, async () =>
        {
            if (key.RevokedAt is null)
            {
                key.RevokedAt = time.GetUtcNow();
                AuditLog.Record(db, time, Actor.User(http.Session().UserId), "identity_key.revoked", device.Id, device.MerchantId,
                    new { key_id = keyId });
                await db.SaveChangesAsync(cancellationToken);
            }

            await terminals.InvalidateAsync(device.Id);
        });
        return TypedResults.NoContent();
    }

    /// <summary>
    /// Ends the device's attestation tokens on both sides of the change: before it, so that a committed change never
    /// leaves an older token alive; after it, so that a token minted while the change was being committed dies too.
    /// A repeat (already revoked or suspended) ends them again, so a retry after a 503 finishes the job.
    /// </summary>
    private static async Task EndTokensAroundAsync(AttestationTokens tokens, string deviceId, Func<Task> change)
    {
        await tokens.EndDeviceTokensAsync(deviceId);
        await change();
        await tokens.EndDeviceTokensAsync(deviceId);
    }

    private static async Task<Ok<DeviceView>> Suspend(string deviceId, HttpContext http, [AsParameters] DeviceServices services,
        CancellationToken cancellationToken)
    {
        var device = await OwnDeviceAsync(http, services.Db, deviceId, cancellationToken);
        // A suspension ends the device's attestation tokens for good: a resumed device attests again.
        await EndTokensAroundAsync(services.Tokens, device.Id, () => SetSuspendedAsync(device, true, http, services, cancellationToken));
        return TypedResults.Ok(await services.Views.OneAsync(device.Id, cancellationToken));
    }

    private static async Task<Ok<DeviceView>> Resume(string deviceId, HttpContext http, [AsParameters] DeviceServices services,
        CancellationToken cancellationToken)
    {
        var device = await OwnDeviceAsync(http, services.Db, deviceId, cancellationToken);
        await SetSuspendedAsync(device, false, http, services, cancellationToken);
        return TypedResults.Ok(await services.Views.OneAsync(device.Id, cancellationToken));
    }

    /// <summary>
    /// Suspends or resumes, with its audit line and its <c>device.suspended</c> / <c>device.resumed</c> event in the same
    /// commit; every instance's terminal cache hears of it, also on a repeat (a retry after a 503), which raises nothing.
    /// </summary>
    private static async Task SetSuspendedAsync(Device device, bool suspended, HttpContext http, DeviceServices services,
        CancellationToken cancellationToken)
    {
        var (db, views, terminals, _, time) = services;
        if (device.Suspended != suspended)
        {
            device.Suspended = suspended;
            device.UpdatedAt = time.GetUtcNow();
            var type = suspended ? EventTypes.DeviceSuspended : EventTypes.DeviceResumed;
            AuditLog.Record(db, time, Actor.User(http.Session().UserId), type, device.Id, device.MerchantId);
            EventOutbox.Raise(db, time, device.MerchantId!.Value, type, await views.OfAsync(device, cancellationToken));
            await db.SaveChangesAsync(cancellationToken);
        }

        await terminals.InvalidateAsync(device.Id);
    }

    private static async Task<Device> OwnDeviceAsync(HttpContext http, VioPayDbContext db, string deviceId, CancellationToken cancellationToken)
    {
        var merchantId = http.Session().MerchantId;
        return PosHeaderValidator.IsDeviceId(deviceId)
            ? await db.Devices.FirstOrDefaultAsync(d => d.Id == deviceId && d.MerchantId == merchantId, cancellationToken)
              ?? throw ApiException.NotFound("Device not found")
            : throw ApiException.NotFound("Device not found");
    }
}
