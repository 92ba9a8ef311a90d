using System.Net;
using System.Net.Http.Headers;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Foundation;

/// <summary>
/// Issue 10 point 3, PROTOCOL §12.3: routes match case-insensitively, so every /pos/* rule must hold for any casing
/// (/POS/bootstrap with a 100 KiB body was 200 while /pos/bootstrap was 413).
/// </summary>
public sealed class PathCaseTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    [Theory]
    [InlineData("/pos/bootstrap")]
    [InlineData("/POS/bootstrap")]
    [InlineData("/Pos/Bootstrap")]
    [InlineData("/pOs/BOOTSTRAP")]
    [InlineData("/POS/charge")]
    [InlineData("/PoS/attest")]
    public async Task ThePosBodyLimitHoldsForAnyCasing(string path)
    {
        var terminal = await app.ProvisionAsync(await app.PortalClientAsync(await app.CreateMerchantAsync()));
        var request = terminal.Activation(HttpMethod.Post, path);
        request.Content = new ByteArrayContent(new byte[100 * 1024]);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        var response = await terminal.Http.SendAsync(request);

        var error = await response.AssertErrorAsync(HttpStatusCode.RequestEntityTooLarge, "4013");
        Assert.Equal(65536, error.GetProperty("details").GetProperty("max_bytes").GetInt32());
    }

    [Theory]
    [InlineData("/POS/pairing-code")]
    [InlineData("/Pos/Pairing-Code")]
    public async Task HeaderRulesHoldForAnyCasing(string path)
    {
        var terminal = await app.ProvisionAsync(await app.PortalClientAsync(await app.CreateMerchantAsync()));
        var request = terminal.Activation(HttpMethod.Post, path);
        request.Headers.Remove("X-Client-Type");

        var error = await (await terminal.Http.SendAsync(request)).AssertErrorAsync(HttpStatusCode.BadRequest, "4000");

        Assert.Contains("X-Client-Type", error.GetProperty("details").GetProperty("missing_headers").EnumerateArray().Select(e => e.GetString()));
    }

    [Theory]
    [InlineData("/POS/claim")]
    [InlineData("/Pos/Claim")]
    [InlineData("/POS/KEYS")]
    [InlineData("/MERCHANT/devices")]
    public async Task AuthenticationHoldsForAnyCasing(string path)
    {
        var response = await app.CreateClient().PostAsync(path, null);

        await response.AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
    }
}
