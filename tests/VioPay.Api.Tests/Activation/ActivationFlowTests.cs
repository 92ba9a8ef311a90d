using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Activation;

public sealed class ActivationFlowTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    [Fact]
    public async Task ADeviceGoesFromProvisioningToActivatedAndRotatesItsKeys()
    {
        var merchant = await app.CreateMerchantAsync();
        var portal = await app.PortalClientAsync(merchant);
        var parameters = LargeTerminalParameters();
        var put = await portal.PutAsync("/merchant/terminal-parameters", new StringContent(parameters, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var settings = await portal.PutAsJsonAsync("/merchant/settings", new { tip_info = new { enabled = true, presets = new[] { 10, 15, 20 } } });
        Assert.Equal(HttpStatusCode.OK, settings.StatusCode);
        var terminal = await app.ProvisionAsync(portal);

        var bootstrap = await terminal.SendOkAsync(terminal.Activation(HttpMethod.Post, "/pos/bootstrap"));
        Assert.Equal("ok", bootstrap.GetProperty("status").GetString());
        Assert.Equal("1.3.5", bootstrap.GetProperty("min_supported_version").GetString());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", bootstrap.GetProperty("server_time").GetString());

        var code = await terminal.PairingCodeAsync();
        Assert.Matches("^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{6}$", code);
        var pending = await terminal.StatusAsync();
        Assert.Equal("inactive", pending.GetProperty("device_status").GetString());
        Assert.False(pending.GetProperty("is_claimed").GetBoolean());
        Assert.Equal("pending", pending.GetProperty("pairing_code_status").GetString());

        var claim = await portal.ClaimAsync(terminal.DeviceId, code);
        Assert.Equal(HttpStatusCode.OK, claim.StatusCode);
        using var claimBody = JsonDocument.Parse(await claim.Content.ReadAsStringAsync());
        var terminalId = claimBody.RootElement.GetProperty("terminal_id").GetString();
        Assert.Matches(@"^TID-\d{6}$", terminalId);
        Assert.Equal("claimed", claimBody.RootElement.GetProperty("device_status").GetString());
        var claimed = await terminal.StatusAsync();
        Assert.Equal("claimed", claimed.GetProperty("device_status").GetString());
        Assert.True(claimed.GetProperty("is_claimed").GetBoolean());

        await terminal.AttestAsync();
        Assert.StartsWith("att_", terminal.AttestationToken, StringComparison.Ordinal);
        Assert.True(terminal.AttestationToken!.Length >= 36);
        var keys = await terminal.InstallKeysAsync();
        Assert.Equal("kek", keys.GetProperty("transport").GetProperty("wrapped_under").GetString());

        var config = await terminal.ConfigAsync();
        Assert.Equal(terminalId, config.GetProperty("terminal").GetProperty("terminal_id").GetString());
        Assert.Equal(terminal.DeviceId, config.GetProperty("terminal").GetProperty("device_id").GetString());
        Assert.True(config.GetProperty("merchant").GetProperty("tip_info").GetProperty("enabled").GetBoolean());

        var (envelope, json) = await terminal.TerminalParametersAsync();
        Assert.Equal("TR31-DATA-CHUNKED", envelope.GetProperty("format").GetString());
        Assert.True(envelope.GetProperty("chunks").GetArrayLength() >= 3);
        Assert.Equal(parameters, Encoding.UTF8.GetString(json));

        var activated = await terminal.ActivateAsync();
        Assert.Equal("activated", activated.GetProperty("status").GetString());
        Assert.Equal("activated", (await terminal.StatusAsync()).GetProperty("device_status").GetString());
        var firstMacKeyId = terminal.ActiveMacKeyId;

        // Rotation: attest → keys → activate again replaces the active set.
        await terminal.AttestAsync();
        await terminal.InstallKeysAsync();
        await terminal.ActivateAsync();
        Assert.NotEqual(firstMacKeyId, terminal.ActiveMacKeyId);
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
        var sets = await db.KeySets.Where(k => k.DeviceId == terminal.DeviceId).ToListAsync();
        Assert.Equal(2, sets.Count);
        Assert.Single(sets, s => s.Status == "active" && s.MacKeyId == terminal.ActiveMacKeyId);
        Assert.Single(sets, s => s.Status == "retired" && s.MacKeyId == firstMacKeyId);
        var actions = await db.AuditEvents.Where(a => a.DeviceId == terminal.DeviceId).Select(a => a.Action).ToListAsync();
        Assert.Contains("device.provisioned", actions);
        Assert.Contains("pairing_code.issued", actions);
        Assert.Contains("device.claimed", actions);
        Assert.Contains("device.attested", actions);
        Assert.Contains("keys.issued", actions);
        Assert.Contains("device.activated", actions);
        Assert.Contains("keys.rotated", actions);
    }

    [Fact]
    public async Task KeysAtRestAreTr31BlocksUnderTheLmkNeverClear()
    {
        var merchant = await app.CreateMerchantAsync();
        var portal = await app.PortalClientAsync(merchant);
        var terminal = await app.ProvisionAsync(portal);
        await terminal.PairAndClaimAsync(portal);
        await terminal.ActivateFullyAsync();

        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
        var device = await db.Devices.SingleAsync(d => d.Id == terminal.DeviceId);
        var identity = await db.IdentityKeys.SingleAsync(k => k.DeviceId == terminal.DeviceId);
        var set = await db.KeySets.SingleAsync(k => k.DeviceId == terminal.DeviceId && k.Status == "active");
        var stored = string.Join("|", device.ZmkBlock, identity.SecretBlock, set.TmkBlock, set.KekBlock, set.MskBlock, set.TpkBlock, set.TdkBlock, set.MacBlock);
        Assert.All(new[] { device.ZmkBlock, identity.SecretBlock, set.MskBlock, set.MacBlock }, b => Assert.StartsWith("D", b, StringComparison.Ordinal));
        foreach (var secret in new[] { terminal.Zmk, terminal.IdentitySecret, terminal.ActiveKeys["msk"], terminal.ActiveKeys["mac"], terminal.ActiveKeys["tpk"] })
        {
            Assert.DoesNotContain(Convert.ToHexString(secret), stored, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(Convert.ToBase64String(secret), stored, StringComparison.Ordinal);
        }
    }

    /// <summary>About 200 KB of JSON that compresses poorly, so its gzip spans several 32 KiB chunks.</summary>
    private static string LargeTerminalParameters()
    {
        var entries = Enumerable.Range(0, 1500).ToDictionary(i => $"param_{i:D4}", _ => Convert.ToBase64String(RandomNumberGenerator.GetBytes(96)));
        // Indented, so byte equality also proves the merchant's own formatting survives.
        return JsonSerializer.Serialize(new { version = 7, emv_terminal_type = "22", entries }, new JsonSerializerOptions { WriteIndented = true });
    }
}
