using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using VioPay.Api.Sessions;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Sessions;

public sealed class SessionTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    [Theory]
    [InlineData("/client/session")]
    [InlineData("/auth/token")]
    public async Task AClientExchangesItsCredentialsForAFiveMinuteBearerToken(string path)
    {
        var merchant = await app.CreateMerchantAsync();

        var response = await app.CreateClient().PostAsJsonAsync(path,
            new { client_id = merchant.ClientId, client_secret = merchant.ClientSecret, grant_type = "client_credentials" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Bearer", body.RootElement.GetProperty("token_type").GetString());
        Assert.Equal(300, body.RootElement.GetProperty("expires_in").GetInt32());
        var token = new JsonWebToken(body.RootElement.GetProperty("access_token").GetString());
        Assert.Equal("RS256", token.Alg);
        Assert.InRange((token.ValidTo - token.ValidFrom).TotalSeconds, 299, 301);
    }

    [Fact]
    public async Task AWrongSecretIs401AndTheEleventhTryIs429()
    {
        var merchant = await app.CreateMerchantAsync();
        var client = app.CreateClient();
        for (var i = 0; i < 10; i++)
        {
            var wrong = await client.PostAsJsonAsync("/client/session",
                new { client_id = merchant.ClientId, client_secret = "wrong", grant_type = "client_credentials" });
            await wrong.AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
        }

        var locked = await client.PostAsJsonAsync("/client/session",
            new { client_id = merchant.ClientId, client_secret = merchant.ClientSecret, grant_type = "client_credentials" });

        await locked.AssertErrorAsync(HttpStatusCode.TooManyRequests, "4029");
        Assert.NotNull(locked.Headers.RetryAfter);
    }

    [Fact]
    public async Task AnUnknownClientIs401AndAMalformedBodyIs400()
    {
        var client = app.CreateClient();

        await (await client.PostAsJsonAsync("/client/session", new { client_id = "mrc_nobody", client_secret = "x" }))
            .AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
        await (await client.PostAsync("/client/session", new StringContent("{not json", Encoding.UTF8, "application/json")))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "4000");
        await (await client.PostAsync("/client/session", new StringContent("client_id=x", Encoding.UTF8, "application/x-www-form-urlencoded")))
            .AssertErrorAsync(HttpStatusCode.UnsupportedMediaType, "4015");
        var fields = await (await client.PostAsJsonAsync("/client/session", new { grant_type = "password" }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "4000");
        Assert.True(fields.GetProperty("details").GetProperty("fields").TryGetProperty("grant_type", out _));
    }

    [Fact]
    public async Task AValidTokenWithoutAnInitiatedSessionIs403()
    {
        var merchant = await app.CreateMerchantAsync();
        string token;
        using (var scope = app.Services.CreateScope())
        {
            token = (await scope.ServiceProvider.GetRequiredService<ITokenIssuer>().IssueAsync("client:" + merchant.ClientId, null, default)).AccessToken;
        }

        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        await (await client.GetAsync("/merchant/devices")).AssertErrorAsync(HttpStatusCode.Forbidden, "4003");
        var initiated = await client.PostAsJsonAsync("/session/initiate", new { host = "merchant.viopay.io" });
        Assert.Equal(HttpStatusCode.OK, initiated.StatusCode);
        using var body = JsonDocument.Parse(await initiated.Content.ReadAsStringAsync());
        Assert.Equal("merchant", body.RootElement.GetProperty("channel").GetString());
        Assert.Equal(merchant.MerchantId, body.RootElement.GetProperty("merchant_id").GetGuid());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/merchant/devices")).StatusCode);
    }

    [Fact]
    public async Task AResellerSessionCannotUseMerchantEndpoints()
    {
        var merchant = await app.CreateMerchantAsync();
        var reseller = await app.ResellerClientAsync(merchant.ResellerId);

        await (await reseller.GetAsync("/merchant/devices")).AssertErrorAsync(HttpStatusCode.Forbidden, "4003");
        Assert.Equal(HttpStatusCode.OK, (await reseller.GetAsync("/reseller/devices")).StatusCode);
    }

    [Fact]
    public async Task AMerchantSessionCannotUseResellerEndpoints()
    {
        var portal = await app.PortalClientAsync(await app.CreateMerchantAsync());

        await (await portal.GetAsync("/reseller/devices")).AssertErrorAsync(HttpStatusCode.Forbidden, "4003");
        await (await portal.PostAsJsonAsync("/reseller/devices", new { })).AssertErrorAsync(HttpStatusCode.Forbidden, "4003");
    }

    public static TheoryData<string> BadTokens() => new() { "alg-none", "wrong-issuer", "wrong-audience", "expired", "unknown-key", "garbage" };

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task ABadBearerTokenIs401(string kind)
    {
        var merchant = await app.CreateMerchantAsync();
        var portal = await app.PortalClientAsync(merchant);
        var good = new JsonWebToken(portal.DefaultRequestHeaders.Authorization!.Parameter);
        var issuer = good.Issuer;
        var audience = good.Audiences.Single();
        var now = DateTime.UtcNow;
        var claims = new Dictionary<string, object> { ["sub"] = good.Subject };
        using var foreignKey = RSA.Create(2048);

        var token = kind switch
        {
            "alg-none" => Unsigned(issuer, audience, good.Subject, now),
            "garbage" => "eyJhbGciOiJSUzI1NiJ9.garbage.garbage",
            _ => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
            {
                Issuer = kind == "wrong-issuer" ? "https://evil.example" : issuer,
                Audience = kind == "wrong-audience" ? "someone-else" : audience,
                Claims = claims,
                IssuedAt = kind == "expired" ? now.AddHours(-2) : now,
                NotBefore = kind == "expired" ? now.AddHours(-2) : now,
                Expires = kind == "expired" ? now.AddHours(-1) : now.AddMinutes(5),
                SigningCredentials = kind == "unknown-key"
                    ? new SigningCredentials(new RsaSecurityKey(foreignKey) { KeyId = "foreign" }, SecurityAlgorithms.RsaSha256)
                    : await LocalCredentialsAsync(),
            }),
        };
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        await (await client.PostAsJsonAsync("/session/initiate", new { host = "merchant.viopay.io" })).AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
        await (await client.GetAsync("/merchant/devices")).AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
    }

    [Fact]
    public async Task ClaimWithoutABearerTokenIs401()
    {
        var response = await app.CreateClient().PostAsJsonAsync("/pos/claim", new { pairing_code = "ABCDEF", device_id = "POS-00000000" });

        await response.AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
    }

    private async Task<SigningCredentials> LocalCredentialsAsync() =>
        new(await app.Services.GetRequiredService<LocalSigningKey>().GetAsync(), SecurityAlgorithms.RsaSha256);

    private static string Unsigned(string issuer, string audience, string subject, DateTime now)
    {
        static string Part(object value) => Base64UrlEncoder.Encode(JsonSerializer.SerializeToUtf8Bytes(value));
        var exp = new DateTimeOffset(now.AddMinutes(5)).ToUnixTimeSeconds();
        return Part(new { alg = "none", typ = "JWT" }) + "." + Part(new { iss = issuer, aud = audience, sub = subject, exp }) + ".";
    }
}
