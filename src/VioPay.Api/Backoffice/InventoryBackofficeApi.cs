using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using VioPay.Api.Audit;
using VioPay.Api.Devices;
using VioPay.Api.Infrastructure;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.OpenApi;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Pos;
using VioPay.Api.Sessions;

namespace VioPay.Api.Backoffice;

/// <summary>
/// The reseller's inventory (PROTOCOL §12.1): devices it provisions with no merchant, which nobody can claim until the
/// reseller assigns each one to one of its own merchants. Every query carries the reseller in its WHERE clause, so
/// another reseller's device or merchant is simply not found (404).
/// </summary>
public static class InventoryBackofficeApi
{
    /// <summary><c>{ "merchant_id": "&lt;uuid&gt;" }</c>; anything else is 400 with <c>details.fields</c>.</summary>
    public sealed record AssignDeviceRequest(string? MerchantId) : IBackofficeRequest
    {
        [System.Text.Json.Serialization.JsonExtensionData]
        public Dictionary<string, System.Text.Json.JsonElement>? UnknownFields { get; init; }

        /// <summary>The merchant id, once <see cref="Validate"/> has passed.</summary>
        public Guid MerchantGuid() => Guid.Parse(MerchantId!);

        public void Validate(IDictionary<string, string> fields)
        {
            if (!Guid.TryParse(MerchantId, out _))
            {
                fields["merchant_id"] = "merchant_id is required: the id (UUID) of a merchant of this reseller.";
            }
        }
    }

    public static IEndpointRouteBuilder MapInventoryBackofficeApi(this IEndpointRouteBuilder app)
    {
        var bearer = new HeaderDoc("Authorization", true, "Bearer {jwt} with an initiated reseller session");
        var reseller = app.MapGroup("/reseller").WithTags("Backoffice: reseller").RequireSession(SessionScope.Reseller).WithHeaders(bearer);

        reseller.MapPost("/devices", CreateInventoryDevice)
            .WithName("CreateInventoryDevice")
            .WithSummary("Pre-provision an inventory device; only the merchant it is then assigned to may claim it. Secrets are answered once.")
            .WithNoStore()
            .DocumentsJsonBody<CreateDeviceRequest>()
            .ProducesErrors(400, 401, 403, 413, 415, 503);
        reseller.MapGet("/devices", ListInventoryDevices)
            .WithName("ListResellerDevices")
            .WithSummary("Every device of this reseller, inventory and claimed, newest first, paged and filtered as GET " +
                "/merchant/devices (limit, cursor, status, connectivity). Answers {data, next_cursor}.")
            .ProducesErrors(400, 401, 403, 503);
        reseller.MapPost("/devices/{deviceId}/assign", AssignDevice)
            .WithName("AssignInventoryDevice")
            .WithSummary("Assign an unclaimed inventory device to one merchant of this reseller, the only one that may then claim it " +
                "(again: reassign). Unknown device or merchant, or another reseller's, 404; a claimed or merchant-provisioned device 409.")
            .DocumentsJsonBody<AssignDeviceRequest>()
            .ProducesErrors(400, 401, 403, 404, 409, 413, 415, 503);
        return app;
    }

    private static async Task<Created<ProvisionedDevice>> CreateInventoryDevice(HttpContext http, DeviceProvisioning provisioning,
        CancellationToken cancellationToken)
    {
        var session = http.Session();
        var request = BackofficeJson.Read<CreateDeviceRequest>(http, optional: true);
        var device = await provisioning.ProvisionAsync(session.ResellerId!.Value, null, request.Label, request.Model,
            Actor.User(session.UserId), cancellationToken);
        return TypedResults.Created($"/reseller/devices/{device.DeviceId}", device);
    }

    private static async Task<Ok<DeviceList>> ListInventoryDevices(HttpContext http, VioPayDbContext db, CancellationToken cancellationToken)
    {
        var resellerId = http.Session().ResellerId;
        return TypedResults.Ok(await DeviceListQuery.PageAsync(http, db.Devices.Where(d => d.ResellerId == resellerId), cancellationToken));
    }

    private static async Task<Ok<DeviceView>> AssignDevice(string deviceId, HttpContext http, VioPayDbContext db, DeviceViews views,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var session = http.Session();
        var resellerId = session.ResellerId!.Value;
        var merchantId = BackofficeJson.Read<AssignDeviceRequest>(http, optional: true).MerchantGuid();

        var device = PosHeaderValidator.IsDeviceId(deviceId)
            ? await db.Devices.FirstOrDefaultAsync(d => d.Id == deviceId && d.ResellerId == resellerId, cancellationToken)
            : null;
        if (device is null)
        {
            throw ApiException.NotFound("Device not found");
        }

        if (!await db.Merchants.AnyAsync(m => m.Id == merchantId && m.ResellerId == resellerId, cancellationToken))
        {
            throw ApiException.NotFound("Merchant not found", new Dictionary<string, object?> { ["merchant_id"] = merchantId });
        }

        if (device.Status != DeviceStatus.Inactive)
        {
            throw ApiException.Conflict("Device is already claimed", new Dictionary<string, object?> { ["device_status"] = device.Status });
        }

        if (device.MerchantId is not null)
        {
            throw ApiException.Conflict("Device was provisioned by a merchant; only inventory is assigned");
        }

        if (device.AssignedMerchantId != merchantId)
        {
            var previous = device.AssignedMerchantId;
            device.AssignedMerchantId = merchantId;
            device.UpdatedAt = time.GetUtcNow();
            AuditLog.Record(db, time, Actor.User(session.UserId), "device.assigned", device.Id, merchantId,
                new { reseller_id = resellerId, previous_merchant_id = previous });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateConcurrencyException)
            {
                // A claim (or another assignment) of the same device committed first; the row version tells.
                throw ApiException.Conflict("Device changed meanwhile; it may have been claimed");
            }
        }

        return TypedResults.Ok(await views.OneAsync(device.Id, cancellationToken));
    }
}
