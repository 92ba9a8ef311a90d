using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Infrastructure.Security;
using VioPay.Api.Tenancy;
using VioPay.Crypto;

namespace VioPay.Api.Tests.Infrastructure;

/// <summary>A merchant with an API client, created through the same services the admin CLI uses.</summary>
public sealed record MerchantFixture(Guid ResellerId, Guid MerchantId, string ClientId, string ClientSecret);

public static class Tenants
{
    public static async Task<MerchantFixture> CreateMerchantAsync(this VioPayApp app, Guid? resellerId = null)
    {
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
        var hashing = scope.ServiceProvider.GetRequiredService<SecretHashing>();
        var now = DateTimeOffset.UtcNow;
        if (resellerId is null)
        {
            var reseller = new Reseller { Id = Guid.NewGuid(), Name = "Reseller " + SecureIds.Base62(6), CreatedAt = now };
            db.Resellers.Add(reseller);
            resellerId = reseller.Id;
        }

        var merchant = new Merchant
        {
            Id = Guid.NewGuid(), ResellerId = resellerId.Value, Name = "Acme " + SecureIds.Base62(6),
            MerchantKey = "mk_" + SecureIds.Base62(12), CreatedAt = now, UpdatedAt = now,
        };
        var clientId = "mrc_" + SecureIds.Base62(20);
        var secret = SecureIds.Base62(43);
        var user = new User { Id = Guid.NewGuid(), Subject = "client:" + clientId, MerchantId = merchant.Id, CreatedAt = now };
        db.Merchants.Add(merchant);
        db.Users.Add(user);
        db.ApiClients.Add(new MerchantApiClient
        {
            Id = Guid.NewGuid(), ClientId = clientId, MerchantId = merchant.Id, UserId = user.Id,
            SecretVerifier = hashing.ClientSecretVerifier(clientId, secret), CreatedAt = now,
        });
        await db.SaveChangesAsync();
        return new MerchantFixture(resellerId.Value, merchant.Id, clientId, secret);
    }

    /// <summary>An HttpClient carrying a Bearer token from <c>POST /client/session</c> (which also creates the session).</summary>
    public static Task<HttpClient> PortalClientAsync(this VioPayApp app, MerchantFixture merchant) =>
        app.CreateClient().SignInAsync(merchant.ClientId, merchant.ClientSecret);

    /// <summary>Signs <paramref name="client"/> in with API client credentials: every later request carries the Bearer token.</summary>
    public static async Task<HttpClient> SignInAsync(this HttpClient client, string clientId, string clientSecret)
    {
        var response = await client.PostAsJsonAsync("/client/session",
            new { client_id = clientId, client_secret = clientSecret, grant_type = "client_credentials" });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", body.RootElement.GetProperty("access_token").GetString());
        return client;
    }

    /// <summary>Provisions a device through <c>POST /merchant/devices</c> and returns a terminal-side helper holding its secrets.</summary>
    public static async Task<TestTerminal> ProvisionAsync(this VioPayApp app, HttpClient portal)
    {
        var response = await portal.PostAsJsonAsync("/merchant/devices", new { label = "Counter 1", model = "PAX-A920" });
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return app.TerminalFor(body.RootElement);
    }

    /// <summary>A terminal holding the secrets a provisioning answer carries (PROTOCOL §4).</summary>
    public static TestTerminal TerminalFor(this VioPayApp app, JsonElement provisioned) => TerminalFor(app.CreateClient(), app.Time, provisioned);

    /// <summary>The same, on any client and clock (a real API process, several instances).</summary>
    public static TestTerminal TerminalFor(HttpClient http, TimeProvider time, JsonElement provisioned) =>
        new(http, time,
            provisioned.GetProperty("device_id").GetString()!,
            provisioned.GetProperty("identity_key").GetProperty("key_id").GetString()!,
            Convert.FromBase64String(provisioned.GetProperty("identity_key").GetProperty("secret").GetString()!),
            Convert.FromHexString(provisioned.GetProperty("zmk").GetProperty("key").GetString()!));
}

public static class ResellerPortal
{
    /// <summary>A reseller user's token (local issuer) with a session initiated through <c>POST /session/initiate</c>.</summary>
    public static async Task<HttpClient> ResellerClientAsync(this VioPayApp app, Guid resellerId)
    {
        string token;
        using (var scope = app.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
            var user = new User { Id = Guid.NewGuid(), Subject = "user:" + SecureIds.Base62(12), ResellerId = resellerId, CreatedAt = DateTimeOffset.UtcNow };
            db.Users.Add(user);
            await db.SaveChangesAsync();
            token = (await scope.ServiceProvider.GetRequiredService<VioPay.Api.Sessions.ITokenIssuer>().IssueAsync(user.Subject, null, default)).AccessToken;
        }

        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var initiated = await client.PostAsJsonAsync("/session/initiate", new { host = "reseller.viopay.io" });
        Assert.True(initiated.IsSuccessStatusCode, await initiated.Content.ReadAsStringAsync());
        return client;
    }

    public static async Task<TestTerminal> ProvisionInventoryAsync(this VioPayApp app, Guid resellerId) =>
        await app.ProvisionInventoryAsync(await app.ResellerClientAsync(resellerId));

    /// <summary>An inventory device: unassigned, so nobody can claim it until <see cref="AssignAsync"/> (PROTOCOL §12.1).</summary>
    public static async Task<TestTerminal> ProvisionInventoryAsync(this VioPayApp app, HttpClient reseller)
    {
        var response = await reseller.PostAsJsonAsync("/reseller/devices", new { });
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(JsonValueKind.Null, body.RootElement.GetProperty("merchant_id").ValueKind);
        return app.TerminalFor(body.RootElement);
    }

    public static Task<HttpResponseMessage> AssignAsync(this HttpClient reseller, string deviceId, Guid merchantId) =>
        reseller.PostAsJsonAsync($"/reseller/devices/{deviceId}/assign", new { merchant_id = merchantId });

    /// <summary>Inventory of the merchant's reseller, assigned to that merchant, so that it may claim it.</summary>
    public static async Task<TestTerminal> InventoryAssignedToAsync(this VioPayApp app, MerchantFixture merchant)
    {
        var reseller = await app.ResellerClientAsync(merchant.ResellerId);
        var device = await app.ProvisionInventoryAsync(reseller);
        var assigned = await reseller.AssignAsync(device.DeviceId, merchant.MerchantId);
        Assert.True(assigned.StatusCode == System.Net.HttpStatusCode.OK, await assigned.Content.ReadAsStringAsync());
        return device;
    }
}
