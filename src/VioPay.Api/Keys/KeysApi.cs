using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
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
using VioPay.Api.Infrastructure.Security;
using VioPay.Api.Payments;
using VioPay.Api.Pos;
using VioPay.Crypto;

namespace VioPay.Api.Keys;

/// <summary>Steps 6 to 8: keys, config, terminal parameters and activation, all on the attestation token.</summary>
public static class KeysApi
{
    public sealed record ActivateResponse(string Status, string ActivatedAt);

    public static IEndpointRouteBuilder MapKeysApi(this IEndpointRouteBuilder app)
    {
        var pos = app.MapGroup("/pos").WithTags("POS activation").RequirePosAuth(PosAuth.AttestationToken);

        pos.MapPost("/keys", IssueKeys)
            .WithName("PosKeys")
            .WithSummary("Step 6: a fresh key set (TMK under the ZMK, KEK under TMK, MSK/TPK/TDK/MAC under KEK) as base64 TR-31 " +
                "version D blocks with legacy and CMAC KCVs. It is the device's pending set until activation.")
            .WithHeaders(PosDocs.AttestationToken)
            .WithNoStore()
            .ProducesErrors(400, 401, 403, 404, 409, 413, 415, 426, 503);

        pos.MapPost("/config", Config)
            .WithName("PosConfig")
            .WithSummary("Step 7a: core config (terminal id, merchant tip/tax/surcharge, EMV, security, branding, device_config) plus key_set and " +
                "config_version (PROTOCOL §13.4: cv_ + 16 hex of SHA-256 over the core config) in an MSK envelope (TR31-DATA).")
            .WithHeaders(PosDocs.AttestationToken)
            .Produces<MskEnvelope>()
            .ProducesErrors(400, 401, 403, 404, 409, 413, 415, 426, 503);

        pos.MapPost("/terminal-parameters", TerminalParameters)
            .WithName("PosTerminalParameters")
            .WithSummary("Step 7b: the merchant's terminal parameters, gzip'd, in one TR31-DATA envelope or a TR31-DATA-CHUNKED one " +
                "(pieces of at most 32 KiB of gzip, each with its own IV; concatenate by index, check sha256, gunzip).")
            .WithHeaders(PosDocs.AttestationToken)
            .ProducesErrors(400, 401, 403, 404, 409, 413, 415, 426, 503);

        pos.MapPost("/activate", Activate)
            .WithName("PosActivate")
            .WithSummary("Step 8: MSK envelope {emv_ready, keys_installed, network_ok}, all true, makes the pending key set active " +
                "and the device activated; answers {status, activated_at} in an envelope. A false flag is 409 naming it.")
            .WithHeaders(PosDocs.AttestationToken)
            .DocumentsJsonBody<MskEnvelope>()
            .Produces<MskEnvelope>()
            .ProducesErrors(400, 401, 403, 404, 409, 413, 415, 426, 503);
        return app;
    }

    private static async Task<Ok<KeysResponse>> IssueKeys(HttpContext http, VioPayDbContext db, KeySetIssuer issuer,
        AttestationTokens tokens, IOptions<PosOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        var device = RequireClaimed(http.Device());
        // Counted atomically in Redis before anything is issued, so parallel calls on every instance share the budget.
        if (!await tokens.TryCountKeyFetchAsync(http.AttestationGrant()))
        {
            throw ApiException.Unauthorized(
                $"This attestation token has already fetched keys {AttestationTokens.MaxKeyFetches} times: attest again",
                new Dictionary<string, object?> { ["reason"] = "key_fetch_limit" });
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var response = await issuer.IssueAsync(device, options.Value.KeySetLifetimeDays, cancellationToken);
        AuditLog.Record(db, time, Actor.Device(device.Id), "keys.issued", device.Id, device.MerchantId,
            new { key_set_id = response.KeySet.KeySetId, kcv = response.Verification.Kcv });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(response);
    }

    private static async Task<Ok<MskEnvelope>> Config(HttpContext http, VioPayDbContext db, PosEnvelopes envelopes,
        IOptions<PosOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        var device = RequireClaimed(http.Device());
        var set = await KeySetIssuer.CurrentForActivationAsync(db, device.Id, time.GetUtcNow(), cancellationToken);
        var merchant = await CoreConfig.Select(db.Merchants.AsNoTracking().Where(m => m.Id == device.MerchantId)).FirstAsync(cancellationToken);
        var config = CoreConfig.Build(device, merchant, options.Value.HeartbeatIntervalSeconds);
        // The version is taken over the core config alone (PROTOCOL §13.4), before the key set and the version join it.
        var version = CoreConfig.Version(config);
        config["key_set"] = new JsonObject { ["key_set_id"] = set.Id, ["mac_key_id"] = set.MacKeyId };
        config["config_version"] = version;
        return TypedResults.Ok(envelopes.SealAnswer(set, config.ToJsonString()));
    }

    private static async Task<Ok<JsonObject>> TerminalParameters(HttpContext http, VioPayDbContext db, PosEnvelopes envelopes,
        IOptions<PosOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        var device = RequireClaimed(http.Device());
        var set = await KeySetIssuer.CurrentForActivationAsync(db, device.Id, time.GetUtcNow(), cancellationToken);
        var parameters = await db.Merchants.Where(m => m.Id == device.MerchantId).Select(m => m.TerminalParametersJson)
            .FirstAsync(cancellationToken);
        return TypedResults.Ok(envelopes.SealGzip(set, Encoding.UTF8.GetBytes(parameters), options.Value.TerminalParametersChunkBytes));
    }

    private static async Task<Ok<MskEnvelope>> Activate(HttpContext http, VioPayDbContext db, PosEnvelopes envelopes,
        TerminalDirectory terminals, TimeProvider time, DeviceViews views, CancellationToken cancellationToken)
    {
        var device = RequireClaimed(http.Device());
        var set = await KeySetIssuer.CurrentForActivationAsync(db, device.Id, time.GetUtcNow(), cancellationToken);
        using var plaintext = envelopes.OpenRequest(http, set);

        var flags = new Dictionary<string, bool>();
        var fields = new Dictionary<string, string>();
        foreach (var name in new[] { "emv_ready", "keys_installed", "network_ok" })
        {
            if (plaintext.RootElement.ValueKind == JsonValueKind.Object &&
                plaintext.RootElement.TryGetProperty(name, out var value) &&
                value.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                flags[name] = value.GetBoolean();
            }
            else
            {
                fields[name] = $"{name} is required and must be true or false.";
            }
        }

        if (fields.Count > 0)
        {
            throw ApiException.InvalidFields(fields);
        }

        var notReady = flags.Where(f => !f.Value).Select(f => f.Key).ToArray();
        if (notReady.Length > 0)
        {
            throw ApiException.Conflict("Device is not ready for activation", new Dictionary<string, object?> { ["not_ready"] = notReady });
        }

        var now = time.GetUtcNow();
        if (set.Status == KeySetStatus.Pending)
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await db.KeySets.Where(k => k.DeviceId == device.Id && k.Status == KeySetStatus.Active)
                .ExecuteUpdateAsync(u => u.SetProperty(k => k.Status, KeySetStatus.Retired).SetProperty(k => k.RetiredAt, now), cancellationToken);
            set.Status = KeySetStatus.Active;
            set.ActivatedAt = now;
            var firstActivation = device.Status != DeviceStatus.Activated;
            device.Status = DeviceStatus.Activated;
            device.ActivatedAt = now;
            device.UpdatedAt = now;
            AuditLog.Record(db, time, Actor.Device(device.Id), firstActivation ? "device.activated" : "keys.rotated",
                device.Id, device.MerchantId, new { key_set_id = set.Id });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException)
            {
                // A parallel activation of the same device committed first (one active set per device).
                throw ApiException.Conflict("Device activation is already in progress");
            }

            // The device as the backoffice shows it, read back inside this transaction, so the event commits with the change.
            EventOutbox.Raise(db, time, device.MerchantId!.Value, firstActivation ? EventTypes.DeviceActivated : EventTypes.DeviceKeysRotated,
                await views.OneAsync(device.Id, cancellationToken));
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        // The old set stops signing charges on every instance now, not when a cached copy would lapse; on a repeat too,
        // so a retry after a 503 (Redis unreachable when the change was published) tells them after all.
        await terminals.InvalidateAsync(device.Id);

        var response = new ActivateResponse("activated", PosTime.Format(device.ActivatedAt ?? now));
        return TypedResults.Ok(envelopes.SealAnswer(set, PosEnvelopes.Plaintext(response)));
    }

    private static Device RequireClaimed(Device device) => device.Status == DeviceStatus.Inactive
        ? throw ApiException.Conflict("Device is not claimed yet", new Dictionary<string, object?> { ["device_status"] = device.Status })
        : device;
}
