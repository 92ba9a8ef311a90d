using System.Net;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Portal;

/// <summary>
/// A portal session slides while it is used, but ends <c>Portal:SessionMaxHours</c> after its sign-in however active it
/// is (the app's clock is moved; the cookie handler and the check both read it).
/// </summary>
public sealed class PortalSessionLifetimeTests
{
    [Fact]
    public async Task AnActiveSessionStillEndsItsMaximumAgeAfterSignIn()
    {
        await using var app = new VioPayApp().With("Portal:SessionMaxHours", "1");
        await app.InitializeAsync();
        var merchant = await app.CreateMerchantAsync();
        var browser = await app.CreateClient(PortalForms.ClientOptions).SignedInAsync(merchant);

        // Used every 20 minutes, it outlives the 30-minute idle expiry…
        for (var i = 0; i < 2; i++)
        {
            app.Time.Advance(TimeSpan.FromMinutes(20));
            var page = await browser.GetAsync("/portal/devices");
            Assert.True(page.StatusCode == HttpStatusCode.OK, $"after {(i + 1) * 20} min: {(int)page.StatusCode}");
        }

        // … but not its sign-in's hour.
        app.Time.Advance(TimeSpan.FromMinutes(25));
        var late = await browser.GetAsync("/portal/devices");
        Assert.Equal(HttpStatusCode.Redirect, late.StatusCode);
        Assert.StartsWith("/portal/signin", late.Headers.Location!.PathAndQuery, StringComparison.Ordinal);

        // Signing in again starts a new session.
        await browser.SignedInAsync(merchant);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/portal/devices")).StatusCode);
    }
}
