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

    private static async Task<Ok<DeviceView>> Get(string deviceId, HttpContext http, DeviceActions actions, DeviceViews views,
        CancellationToken cancellationToken)
    {
        var device = await actions.OwnDeviceAsync(http.Session().MerchantId!.Value, deviceId, cancellationToken);
        return TypedResults.Ok(await views.OneAsync(device.Id, cancellationToken));
    }

    private static async Task<Created<IdentityKeySecret>> AddIdentityKey(string deviceId, HttpContext http, DeviceActions actions,
        CancellationToken cancellationToken)
    {
        var session = http.Session();
        var key = await actions.AddIdentityKeyAsync(session.MerchantId!.Value, session.UserId, deviceId, cancellationToken);
        return TypedResults.Created($"/merchant/devices/{deviceId}/identity-keys/{key.KeyId}", key);
    }

    private static async Task<NoContent> RevokeIdentityKey(string deviceId, string keyId, HttpContext http, DeviceActions actions,
        CancellationToken cancellationToken)
    {
        var session = http.Session();
        await actions.RevokeIdentityKeyAsync(session.MerchantId!.Value, session.UserId, deviceId, keyId, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<DeviceView>> Suspend(string deviceId, HttpContext http, DeviceActions actions,
        CancellationToken cancellationToken)
    {
        var session = http.Session();
        return TypedResults.Ok(await actions.SetSuspendedAsync(session.MerchantId!.Value, session.UserId, deviceId, true, cancellationToken));
    }

    private static async Task<Ok<DeviceView>> Resume(string deviceId, HttpContext http, DeviceActions actions,
        CancellationToken cancellationToken)
    {
        var session = http.Session();
        return TypedResults.Ok(await actions.SetSuspendedAsync(session.MerchantId!.Value, session.UserId, deviceId, false, cancellationToken));
    }
}
