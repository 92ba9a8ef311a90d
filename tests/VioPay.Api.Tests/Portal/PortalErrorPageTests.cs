using System.Net;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Portal;

/// <summary>A portal page whose database is gone answers a readable 503 page, not the API's JSON envelope.</summary>
public sealed class PortalErrorPageTests
{
    [Fact]
    public async Task APortalPageWithoutItsDatabaseIsA503PageAndTheApiStillAnswersTheEnvelope()
    {
        await using var app = new VioPayApp();
        await app.InitializeAsync();
        var merchant = await app.CreateMerchantAsync();
        var browser = await app.CreateClient(PortalForms.ClientOptions).SignedInAsync(merchant);
        var api = await app.PortalClientAsync(merchant);

        // The database disappears under the running app (its connections are closed with it).
        await TestDependencies.DropDatabaseAsync(app.PostgresConnectionString);

        var page = await browser.GetAsync("/portal/devices");
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Temporarily unavailable", html, StringComparison.Ordinal);
        Assert.Contains("Nothing was changed", html, StringComparison.Ordinal);
        Assert.NotNull(page.Headers.RetryAfter);
        Assert.Contains("frame-ancestors 'none'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);

        await (await api.GetAsync("/merchant/devices")).AssertErrorAsync(HttpStatusCode.ServiceUnavailable, "5003");
    }
}
