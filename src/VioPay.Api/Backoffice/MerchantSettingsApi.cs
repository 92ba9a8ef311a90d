using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using VioPay.Api.Audit;
using VioPay.Api.Infrastructure.OpenApi;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Sessions;

namespace VioPay.Api.Backoffice;

/// <summary>
/// <c>PUT /merchant/settings</c>: the tip, tax and surcharge objects <c>/pos/config</c> serves; a member left out (or null)
/// is stored as <c>{}</c>. Any other member is refused.
/// </summary>
public sealed record MerchantSettings(JsonElement? TipInfo, JsonElement? TaxInfo, JsonElement? SurchargeInfo) : IBackofficeRequest
{
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? UnknownFields { get; init; }

    private IEnumerable<(string Name, JsonElement? Value)> Members =>
        [("tip_info", TipInfo), ("tax_info", TaxInfo), ("surcharge_info", SurchargeInfo)];

    public void Validate(IDictionary<string, string> fields)
    {
        foreach (var (name, value) in Members)
        {
            if (value is { ValueKind: not (JsonValueKind.Object or JsonValueKind.Null) })
            {
                fields[name] = $"{name} must be a JSON object.";
            }
        }
    }

    /// <summary>The stored (and answered) settings: every member present, an absent one as <c>{}</c>.</summary>
    public JsonObject ToStored()
    {
        var settings = new JsonObject();
        foreach (var (name, value) in Members)
        {
            settings[name] = value is { ValueKind: JsonValueKind.Object } obj ? JsonObject.Create(obj.Clone()) : new JsonObject();
        }

        return settings;
    }
}

/// <summary>The merchant's settings; a change shows in every device's <c>config_version</c> (PROTOCOL §13.4).</summary>
public static class MerchantSettingsApi
{
    public static IEndpointRouteBuilder MapMerchantSettingsApi(this IEndpointRouteBuilder app)
    {
        var bearer = new HeaderDoc("Authorization", true, "Bearer {jwt} with an initiated session");
        var merchant = app.MapGroup("/merchant").WithTags("Backoffice: merchant").RequireSession(SessionScope.Merchant).WithHeaders(bearer);
        merchant.MapPut("/settings", Put)
            .WithName("PutMerchantSettings")
            .WithSummary("Tip, tax and surcharge JSON objects that /pos/config serves. Devices learn of the change from the " +
                "heartbeat's refetch_config.")
            .DocumentsJsonBody<MerchantSettings>()
            .ProducesErrors(400, 401, 403, 413, 415, 503);
        return app;
    }

    private static async Task<Ok<JsonObject>> Put(HttpContext http, VioPayDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var settings = BackofficeJson.Read<MerchantSettings>(http).ToStored();
        var session = http.Session();
        var json = settings.ToJsonString();
        await db.Merchants.Where(m => m.Id == session.MerchantId)
            .ExecuteUpdateAsync(u => u.SetProperty(m => m.SettingsJson, json).SetProperty(m => m.UpdatedAt, time.GetUtcNow()), cancellationToken);
        AuditLog.Record(db, time, Actor.User(session.UserId), "merchant.settings_updated", merchantId: session.MerchantId);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(settings);
    }
}
