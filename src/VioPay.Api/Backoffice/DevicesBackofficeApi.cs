using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using VioPay.Api.Audit;
using VioPay.Api.Devices;
using VioPay.Api.Infrastructure;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.OpenApi;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Payments;
using VioPay.Api.Pos;
using VioPay.Api.Sessions;

namespace VioPay.Api.Backoffice;

/// <summary>
/// The merchant portal's device management and settings (the reseller's inventory is <see cref="InventoryBackofficeApi"/>).
/// Every query carries the owner in its WHERE clause, so another merchant's device is simply not found (404).
/// </summary>
public static class DevicesBackofficeApi
{
    public sealed record CreateDeviceRequest(string? Label, string? Model);

    public sealed record MerchantSettings(JsonElement? TipInfo, JsonElement? TaxInfo, JsonElement? SurchargeInfo);

    public static IEndpointRouteBuilder MapDevicesBackofficeApi(this IEndpointRouteBuilder app)
    {
        var bearer = new HeaderDoc("Authorization", true, "Bearer {jwt} with an initiated session");
        var merchant = app.MapGroup("/merchant").WithTags("Backoffice: merchant").RequireSession(SessionScope.Merchant).WithHeaders(bearer);

        merchant.MapPost("/devices", CreateMerchantDevice)
            .WithName("CreateMerchantDevice")
            .WithSummary("Pre-provision a device bound to this merchant. Answers its identity key secret and ZMK once, never again.")
            .WithNoStore()
            .ProducesErrors(400, 401, 403, 413, 415, 503);
        merchant.MapGet("/devices", ListMerchantDevices)
            .WithName("ListMerchantDevices").WithSummary("This merchant's devices, newest first.")
            .ProducesErrors(401, 403, 503);
        merchant.MapGet("/devices/{deviceId}", GetMerchantDevice)
            .WithName("GetMerchantDevice").WithSummary("One of this merchant's devices; 404 for any other.")
            .ProducesErrors(401, 403, 404, 503);
        merchant.MapPost("/devices/{deviceId}/identity-keys", AddIdentityKey)
            .WithName("AddDeviceIdentityKey").WithSummary("A new identity key for the device; its secret is answered once.")
            .WithNoStore()
            .ProducesErrors(401, 403, 404, 503);
        merchant.MapDelete("/devices/{deviceId}/identity-keys/{keyId}", RevokeIdentityKey)
            .WithName("RevokeDeviceIdentityKey").WithSummary("Revoke an identity key: attest with it answers 404 from now on.")
            .ProducesErrors(401, 403, 404, 503);
        merchant.MapPost("/devices/{deviceId}/suspend", Suspend)
            .WithName("SuspendDevice").WithSummary("Suspend a device: every POS endpoint answers it 403 until resumed.")
            .ProducesErrors(401, 403, 404, 503);
        merchant.MapPost("/devices/{deviceId}/resume", Resume)
            .WithName("ResumeDevice").WithSummary("Resume a suspended device.")
            .ProducesErrors(401, 403, 404, 503);
        merchant.MapPut("/settings", PutSettings)
            .WithName("PutMerchantSettings").WithSummary("Tip, tax and surcharge JSON objects that /pos/config serves.")
            .DocumentsJsonBody<MerchantSettings>()
            .ProducesErrors(400, 401, 403, 413, 415, 503);
        merchant.MapPut("/terminal-parameters", PutTerminalParameters)
            .WithName("PutTerminalParameters").WithSummary("The terminal parameters JSON object /pos/terminal-parameters serves (gzip'd, chunked).")
            .DocumentsJsonBody<JsonObject>()
            .ProducesErrors(400, 401, 403, 413, 415, 503);

        return app;
    }

    private static async Task<Created<ProvisionedDevice>> CreateMerchantDevice(CreateDeviceRequest? request, HttpContext http,
        VioPayDbContext db, DeviceProvisioning provisioning, CancellationToken cancellationToken)
    {
        var session = http.Session();
        Validate(request);
        var device = await provisioning.ProvisionAsync(session.ResellerId!.Value, session.MerchantId, request?.Label, request?.Model,
            Actor.User(session.UserId), cancellationToken);
        return TypedResults.Created($"/merchant/devices/{device.DeviceId}", device);
    }

    private static async Task<Ok<DeviceList>> ListMerchantDevices(HttpContext http, VioPayDbContext db, CancellationToken cancellationToken)
    {
        var merchantId = http.Session().MerchantId;
        return TypedResults.Ok(new DeviceList(await DeviceViews.ListAsync(db, db.Devices.Where(d => d.MerchantId == merchantId), cancellationToken)));
    }

    private static async Task<Ok<DeviceView>> GetMerchantDevice(string deviceId, HttpContext http, VioPayDbContext db,
        DeviceActions devices, CancellationToken cancellationToken)
    {
        var device = await devices.OwnDeviceAsync(http.Session().MerchantId!.Value, deviceId, cancellationToken);
        return TypedResults.Ok(await DeviceViews.OneAsync(db, device.Id, cancellationToken));
    }

    private static async Task<Created<IdentityKeySecret>> AddIdentityKey(string deviceId, HttpContext http, DeviceActions devices,
        CancellationToken cancellationToken)
    {
        var session = http.Session();
        var key = await devices.AddIdentityKeyAsync(session.MerchantId!.Value, session.UserId, deviceId, cancellationToken);
        return TypedResults.Created($"/merchant/devices/{deviceId}/identity-keys/{key.KeyId}", key);
    }

    private static async Task<NoContent> RevokeIdentityKey(string deviceId, string keyId, HttpContext http, DeviceActions devices,
        CancellationToken cancellationToken)
    {
        var session = http.Session();
        await devices.RevokeIdentityKeyAsync(session.MerchantId!.Value, session.UserId, deviceId, keyId, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<DeviceView>> Suspend(string deviceId, HttpContext http, DeviceActions devices,
        CancellationToken cancellationToken)
    {
        var session = http.Session();
        return TypedResults.Ok(await devices.SetSuspendedAsync(session.MerchantId!.Value, session.UserId, deviceId, true, cancellationToken));
    }

    private static async Task<Ok<DeviceView>> Resume(string deviceId, HttpContext http, DeviceActions devices,
        CancellationToken cancellationToken)
    {
        var session = http.Session();
        return TypedResults.Ok(await devices.SetSuspendedAsync(session.MerchantId!.Value, session.UserId, deviceId, false, cancellationToken));
    }

    private static async Task<Ok<JsonObject>> PutSettings(HttpContext http, VioPayDbContext db,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var request = BackofficeJson.ReadObject(http);
        var fields = new Dictionary<string, string>();
        var settings = new JsonObject();
        foreach (var name in new[] { "tip_info", "tax_info", "surcharge_info" })
        {
            var value = request[name];
            if (value is null)
            {
                settings[name] = new JsonObject();
            }
            else if (value is JsonObject obj)
            {
                settings[name] = obj.DeepClone();
            }
            else
            {
                fields[name] = $"{name} must be a JSON object.";
            }
        }

        foreach (var unknown in request.Select(p => p.Key).Except(["tip_info", "tax_info", "surcharge_info"]))
        {
            fields[unknown] = "Unknown field.";
        }

        if (fields.Count > 0)
        {
            throw ApiException.InvalidFields(fields);
        }

        var session = http.Session();
        var json = settings.ToJsonString();
        await db.Merchants.Where(m => m.Id == session.MerchantId)
            .ExecuteUpdateAsync(u => u.SetProperty(m => m.SettingsJson, json).SetProperty(m => m.UpdatedAt, time.GetUtcNow()), cancellationToken);
        AuditLog.Record(db, time, Actor.User(session.UserId), "merchant.settings_updated", merchantId: session.MerchantId);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(settings);
    }

    private static async Task<Ok<JsonObject>> PutTerminalParameters(HttpContext http, VioPayDbContext db,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var request = BackofficeJson.ReadObject(http);
        var session = http.Session();
        // The body was parsed (so it is a JSON object) but the bytes stored are the merchant's own,
        // so terminals receive exactly what was uploaded.
        var json = System.Text.Encoding.UTF8.GetString(Infrastructure.RequestBodyExtensions.RawBody(http).Bytes);
        await db.Merchants.Where(m => m.Id == session.MerchantId)
            .ExecuteUpdateAsync(u => u.SetProperty(m => m.TerminalParametersJson, json).SetProperty(m => m.UpdatedAt, time.GetUtcNow()), cancellationToken);
        AuditLog.Record(db, time, Actor.User(session.UserId), "merchant.terminal_parameters_updated", merchantId: session.MerchantId,
            data: new { bytes = json.Length });
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(request);
    }

    internal static void Validate(CreateDeviceRequest? request)
    {
        var fields = new Dictionary<string, string>();
        if (request?.Label is { Length: > 200 })
        {
            fields["label"] = "label must be at most 200 characters.";
        }

        if (request?.Model is { Length: > 100 })
        {
            fields["model"] = "model must be at most 100 characters.";
        }

        if (fields.Count > 0)
        {
            throw ApiException.InvalidFields(fields);
        }
    }
}
