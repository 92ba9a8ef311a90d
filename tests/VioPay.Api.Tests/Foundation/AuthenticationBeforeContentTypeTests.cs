using System.Net;
using System.Net.Http.Headers;
using System.Text;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Foundation;

/// <summary>
/// Issue 10 point 4, PROTOCOL §10.2 and §12.4: authentication precedes content type on every route. Routing used to
/// answer 415 for a JSON-bound endpoint before authentication ran (/pos/claim with text/plain and no token was 415).
/// </summary>
public sealed class AuthenticationBeforeContentTypeTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    [Theory]
    [InlineData("/pos/claim", null)]
    [InlineData("/pos/claim", "Bearer not-a-jwt")]
    [InlineData("/pos/claim", "Basic dXNlcjpwYXNz")]
    [InlineData("/merchant/devices", null)]
    [InlineData("/merchant/devices", "Bearer not-a-jwt")]
    [InlineData("/session/initiate", null)]
    [InlineData("/reseller/devices", null)]
    [InlineData("/reseller/devices/POS-00000000/assign", "Bearer not-a-jwt")]
    [InlineData("/merchant/devices/POS-00000000/identity-keys", null)]
    public async Task AnUnauthenticatedPostIs401WhateverItsContentType(string path, string? authorization)
    {
        foreach (var contentType in new[] { "text/plain", "application/x-www-form-urlencoded", "application/xml" })
        {
            var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent("pairing_code=ABCDEF", Encoding.UTF8) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
            if (authorization is not null)
            {
                request.Headers.TryAddWithoutValidation("Authorization", authorization);
            }

            await (await app.CreateClient().SendAsync(request)).AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
        }
    }

    [Fact]
    public async Task AnAuthenticatedPostWithTextPlainIsStill415()
    {
        var portal = await app.PortalClientAsync(await app.CreateMerchantAsync());

        foreach (var path in new[] { "/pos/claim", "/merchant/devices" })
        {
            var content = new StringContent("{}", Encoding.UTF8);
            content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
            await (await portal.PostAsync(path, content)).AssertErrorAsync(HttpStatusCode.UnsupportedMediaType, "4015");
        }

        var client = new StringContent("client_id=x", Encoding.UTF8);
        client.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        await (await app.CreateClient().PostAsync("/client/session", client)).AssertErrorAsync(HttpStatusCode.UnsupportedMediaType, "4015");
    }
}
