using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using VioPay.Api.Tests.Infrastructure;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace VioPay.Api.Tests.Sessions;

/// <summary>
/// Keycloak mode against a stub realm (WireMock on loopback) serving the discovery document,
/// the JWKS and the token endpoint: the API obtains tokens there and JwtBearer validates them
/// from the realm's metadata.
/// </summary>
public sealed class KeycloakModeTests : IAsyncLifetime
{
    private readonly WireMockServer _keycloak = WireMockServer.Start(new WireMock.Settings.WireMockServerSettings { Urls = ["http://127.0.0.1:0"] });
    private readonly RSA _realmKey = RSA.Create(2048);
    private readonly VioPayApp _app = new();
    private string Authority => _keycloak.Url + "/realms/viopay";

    public async Task InitializeAsync()
    {
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(_realmKey.ExportParameters(false)) { KeyId = "realm-key" });
        jwk.Use = "sig";
        jwk.Alg = "RS256";
        _keycloak.Given(Request.Create().WithPath("/realms/viopay/.well-known/openid-configuration").UsingGet())
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBody(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["issuer"] = Authority,
                ["jwks_uri"] = Authority + "/protocol/openid-connect/certs",
                ["token_endpoint"] = Authority + "/protocol/openid-connect/token",
                ["authorization_endpoint"] = Authority + "/protocol/openid-connect/auth",
                ["end_session_endpoint"] = Authority + "/protocol/openid-connect/logout",
                ["response_types_supported"] = new[] { "code" },
                ["code_challenge_methods_supported"] = new[] { "S256" },
                ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            })));
        _keycloak.Given(Request.Create().WithPath("/realms/viopay/protocol/openid-connect/certs").UsingGet())
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBody(JsonSerializer.Serialize(new
            {
                keys = new[] { new { kty = jwk.Kty, use = jwk.Use, alg = jwk.Alg, kid = jwk.Kid, n = jwk.N, e = jwk.E } },
            })));
        _keycloak.Given(Request.Create().WithPath("/realms/viopay/protocol/openid-connect/token").UsingPost()
                .WithBody(b => b != null && b.Contains("grant_type=client_credentials", StringComparison.Ordinal) &&
                    b.Contains("client_id=viopay-backoffice", StringComparison.Ordinal)))
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBody(JsonSerializer.Serialize(new
            {
                access_token = RealmToken(_realmKey, "realm-key"),
                expires_in = 300,
                token_type = "Bearer",
            })));

        _app.With("Auth:Mode", "Keycloak")
            .With("Auth:Keycloak:Authority", Authority)
            .With("Auth:Keycloak:ClientId", "viopay-backoffice")
            .With("Auth:Keycloak:ClientSecret", "stub-secret")
            .With("Auth:Keycloak:RequireHttpsMetadata", "false");
        await _app.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        _keycloak.Stop();
        _realmKey.Dispose();
    }

    [Fact]
    public async Task ClientSessionObtainsARealmTokenThatJwtBearerAccepts()
    {
        var merchant = await _app.CreateMerchantAsync();

        var portal = await _app.PortalClientAsync(merchant);
        var devices = await portal.GetAsync("/merchant/devices");

        Assert.Equal(HttpStatusCode.OK, devices.StatusCode);
        Assert.Equal(Authority, new JsonWebToken(portal.DefaultRequestHeaders.Authorization!.Parameter).Issuer);
    }

    [Fact]
    public async Task ThePortalSignsInThroughTheRealmsAuthorizationCodeFlowWithPkce()
    {
        var portal = _app.CreateClient(VioPay.Api.Tests.Portal.PortalForms.ClientOptions);

        var response = await portal.GetAsync("/portal/charges");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!;
        Assert.Equal(Authority + "/protocol/openid-connect/auth", location.GetLeftPart(UriPartial.Path));
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(location.Query);
        Assert.Equal("code", query["response_type"].ToString());
        Assert.Equal("S256", query["code_challenge_method"].ToString());
        Assert.Matches("^[A-Za-z0-9_-]{43}$", query["code_challenge"].ToString());
        Assert.Equal("viopay-backoffice", query["client_id"].ToString());
        Assert.Equal("https://localhost/portal/signin-oidc", query["redirect_uri"].ToString());
        Assert.Contains("openid", query["scope"].ToString(), StringComparison.Ordinal);
        // The PKCE verifier and the state stay with the browser, in the protected correlation cookie, never in the URL.
        Assert.DoesNotContain("code_verifier", location.Query, StringComparison.Ordinal);
        Assert.Contains(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(".AspNetCore.Correlation.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task BehindATrustedTlsProxyTheRedirectUriIsHttpsAndAForgedProtoIsIgnored()
    {
        await using var proxied = new VioPayApp()
            .With("Auth:Mode", "Keycloak")
            .With("Auth:Keycloak:Authority", Authority)
            .With("Auth:Keycloak:ClientId", "viopay-backoffice")
            .With("Auth:Keycloak:ClientSecret", "stub-secret")
            .With("Auth:Keycloak:RequireHttpsMetadata", "false")
            .With("ForwardedHeaders:KnownProxies:0", "10.0.0.5");
        await proxied.InitializeAsync();
        var options = VioPay.Api.Tests.Portal.PortalForms.ClientOptions;
        options.BaseAddress = new Uri("http://portal.example");
        var browser = proxied.CreateClient(options);

        async Task<string> RedirectUri(string peer)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/portal/charges").From(peer);
            request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", "https");
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", "198.51.100.9");
            var response = await browser.SendAsync(request);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            return Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(response.Headers.Location!.Query)["redirect_uri"].ToString();
        }

        // The ingress terminated TLS and spoke http to the pod: the browser must come back over https.
        Assert.Equal("https://portal.example/portal/signin-oidc", await RedirectUri("10.0.0.5"));
        // Anybody else's X-Forwarded-Proto is not believed.
        Assert.Equal("http://portal.example/portal/signin-oidc", await RedirectUri("203.0.113.50"));
    }

    [Fact]
    public async Task ATokenSignedByAnotherKeyIs401()
    {
        using var other = RSA.Create(2048);
        var client = _app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", RealmToken(other, "realm-key"));

        await (await client.PostAsJsonAsync("/session/initiate", new { host = "merchant.viopay.io" })).AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
    }

    [Fact]
    public async Task KeycloakDownIs503()
    {
        var merchant = await _app.CreateMerchantAsync();
        _keycloak.Stop();

        var response = await _app.CreateClient().PostAsJsonAsync("/client/session",
            new { client_id = merchant.ClientId, client_secret = merchant.ClientSecret, grant_type = "client_credentials" });

        await response.AssertErrorAsync(HttpStatusCode.ServiceUnavailable, "5003");
        Assert.NotNull(response.Headers.RetryAfter);
    }

    private string RealmToken(RSA key, string keyId)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Authority,
            Audience = "viopay-api",
            Claims = new Dictionary<string, object> { ["sub"] = "service-account-viopay-backoffice", ["azp"] = "viopay-backoffice" },
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(5),
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(key) { KeyId = keyId }, SecurityAlgorithms.RsaSha256),
        });
    }
}
