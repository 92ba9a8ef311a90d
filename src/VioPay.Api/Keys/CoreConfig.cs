using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using VioPay.Api.Devices;
using VioPay.Api.Tenancy;

namespace VioPay.Api.Keys;

/// <summary>
/// The core config of PROTOCOL §13.4: what <c>/pos/config</c> serves a device apart from its key set, and its
/// <c>config_version</c>. The version is <c>cv_</c> + the first 16 uppercase hex characters of SHA-256 over the UTF-8 bytes
/// of <see cref="Build"/>'s compact JSON, so it changes exactly when something a terminal reads from its config changes
/// (the merchant's settings, the heartbeat interval), and not when the device rotates keys.
/// </summary>
public static class CoreConfig
{
    /// <summary>The merchant columns the core config is made of (one narrow read).</summary>
    public sealed record MerchantPart(string MerchantKey, string Name, string SettingsJson);

    public static IQueryable<MerchantPart> Select(IQueryable<Merchant> merchants) =>
        merchants.Select(m => new MerchantPart(m.MerchantKey, m.Name, m.SettingsJson));

    /// <summary>The config's members in the order they are served and hashed: terminal, merchant, emv, security, branding, device_config.</summary>
    public static JsonObject Build(Device device, MerchantPart merchant, int heartbeatIntervalSeconds)
    {
        var settings = JsonNode.Parse(merchant.SettingsJson)!.AsObject();
        return new JsonObject
        {
            ["terminal"] = new JsonObject { ["terminal_id"] = device.TerminalId, ["device_id"] = device.Id },
            ["merchant"] = new JsonObject
            {
                ["merchant_key"] = merchant.MerchantKey,
                ["name"] = merchant.Name,
                ["tip_info"] = settings["tip_info"]?.DeepClone() ?? new JsonObject(),
                ["tax_info"] = settings["tax_info"]?.DeepClone() ?? new JsonObject(),
                ["surcharge_info"] = settings["surcharge_info"]?.DeepClone() ?? new JsonObject(),
            },
            ["emv"] = new JsonObject
            {
                ["aid_list"] = new JsonArray("A0000000031010", "A0000000041010", "A000000025010801", "A0000001523010", "A0000000043060"),
                ["terminal_capabilities"] = "E0F0C8",
            },
            ["security"] = new JsonObject { ["pin_required"] = true },
            ["branding"] = new JsonObject { ["theme"] = "dark" },
            ["device_config"] = new JsonObject { ["heartbeat_interval_sec"] = heartbeatIntervalSeconds },
        };
    }

    /// <summary><c>cv_</c> + the first 16 uppercase hex characters of SHA-256 over the compact JSON of <paramref name="core"/>.</summary>
    public static string Version(JsonObject core) =>
        "cv_" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(core.ToJsonString())))[..16];
}
