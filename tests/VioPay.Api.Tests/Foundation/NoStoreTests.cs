using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using VioPay.Api.Infrastructure;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Foundation;

/// <summary>
/// Issue 10 point 11: every answer that carries a secret (provisioning, identity keys, key sets, pairing codes,
/// attestation and Bearer tokens, webhook secrets) is <c>Cache-Control: no-store</c>, so no cache or proxy on the way keeps a copy.
/// </summary>
public sealed class NoStoreTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    private static readonly string[] SecretRoutes =
    [
        "POST /client/session", "POST /auth/token", "POST /merchant/devices", "POST /reseller/devices",
        "POST /merchant/devices/{deviceId}/identity-keys", "POST /pos/pairing-code", "POST /pos/attest", "POST /pos/keys",
        "POST /merchant/webhook-endpoints",
    ];

    [Fact]
    public async Task EveryAnswerCarryingASecretIsNoStore()
    {
        var merchant = await app.CreateMerchantAsync();
        var answers = new Dictionary<string, HttpResponseMessage>
        {
            ["POST /client/session"] = await app.CreateClient().PostAsJsonAsync("/client/session",
                new { client_id = merchant.ClientId, client_secret = merchant.ClientSecret, grant_type = "client_credentials" }),
            ["POST /auth/token"] = await app.CreateClient().PostAsJsonAsync("/auth/token",
                new { client_id = merchant.ClientId, client_secret = merchant.ClientSecret, grant_type = "client_credentials" }),
        };
        var portal = await app.PortalClientAsync(merchant);
        answers["POST /merchant/devices"] = await portal.PostAsJsonAsync("/merchant/devices", new { label = "Till" });
        answers["POST /reseller/devices"] = await (await app.ResellerClientAsync(merchant.ResellerId)).PostAsJsonAsync("/reseller/devices", new { });
        // A webhook secret (PROTOCOL §13.1); TEST-NET-1, never routed.
        answers["POST /merchant/webhook-endpoints"] = await portal.PostAsJsonAsync("/merchant/webhook-endpoints",
            new { url = "https://192.0.2.10/hooks", events = new[] { "*" } });

        var terminal = await app.ProvisionAsync(portal);
        answers["POST /merchant/devices/{deviceId}/identity-keys"] = await portal.PostAsync($"/merchant/devices/{terminal.DeviceId}/identity-keys", null);
        answers["POST /pos/pairing-code"] = await terminal.Http.SendAsync(terminal.Activation(HttpMethod.Post, "/pos/pairing-code"));
        await terminal.PairAndClaimAsync(portal);
        var attest = await terminal.Http.SendAsync(terminal.Attest());
        answers["POST /pos/attest"] = attest;
        terminal.AttestationToken = (await attest.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("attestation_token").GetString();
        answers["POST /pos/keys"] = await terminal.Http.SendAsync(terminal.WithToken("/pos/keys"));

        Assert.Equal(SecretRoutes.Order(), answers.Keys.Order());
        foreach (var (route, response) in answers)
        {
            Assert.True(response.IsSuccessStatusCode, $"{route}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            Assert.True(response.Headers.CacheControl?.NoStore == true, $"{route} answers without Cache-Control: no-store");
            Assert.Contains("no-cache", response.Headers.Pragma.Select(p => p.Name));
        }
    }

    [Fact]
    public void TheRoutesMarkedNoStoreAreExactlyTheOnesCheckedAbove()
    {
        var marked = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<NoStoreMetadata>() is not null)
            .SelectMany(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()!.HttpMethods
                .Select(m => $"{m} /{e.RoutePattern.RawText!.Trim('/')}"));

        Assert.Equal(SecretRoutes.Order(), marked.Order());
    }

    [Fact]
    public async Task AnAnswerWithoutASecretIsNotMarked()
    {
        var response = await app.CreateClient().GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.CacheControl?.NoStore == true);
    }
}
