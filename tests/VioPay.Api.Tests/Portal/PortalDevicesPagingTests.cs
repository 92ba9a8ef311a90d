using System.Net;
using System.Text.RegularExpressions;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Portal;

/// <summary>The portal's devices page pages like <c>GET /merchant/devices</c> (50 a page, keyset cursor) and filters the same way.</summary>
public sealed partial class PortalDevicesPagingTests
{
    [Fact]
    public async Task EveryDeviceIsReachableThroughTheNextPageLinksAndTheFiltersApply()
    {
        await using var app = new VioPayApp();
        await app.InitializeAsync();
        var merchant = await app.CreateMerchantAsync();
        var api = await app.PortalClientAsync(merchant);
        var provisioned = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 53; i++)
        {
            provisioned.Add((await app.ProvisionAsync(api)).DeviceId);
        }

        var browser = await app.CreateClient(PortalForms.ClientOptions).SignedInAsync(merchant);
        var seen = new List<string>();
        var url = "/portal/devices";
        var pages = 0;
        while (url is not null)
        {
            var html = await browser.GetStringAsync(url);
            pages++;
            seen.AddRange(DeviceLink().Matches(html).Select(m => m.Groups[1].Value));
            url = NextLink().Match(html) is { Success: true } next ? WebUtility.HtmlDecode(next.Groups[1].Value) : null;
        }

        Assert.Equal(2, pages);
        Assert.Equal(provisioned.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));

        // The API's filters: none of them has been seen, and none is activated.
        var neverSeen = await browser.GetStringAsync("/portal/devices?connectivity=never_seen");
        Assert.Equal(50, DeviceLink().Count(neverSeen));
        var activated = await browser.GetStringAsync("/portal/devices?status=activated");
        Assert.Empty(DeviceLink().Matches(activated));
        Assert.Contains("No device matches.", activated, StringComparison.Ordinal);

        // A cursor that is not one is named on the page, which still answers.
        var bad = await browser.GetAsync("/portal/devices?cursor=nonsense");
        Assert.Equal(HttpStatusCode.OK, bad.StatusCode);
        Assert.Contains("id=\"cursor-error\"", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [GeneratedRegex("<th scope=\"row\"><a href=\"/portal/devices/([A-Z0-9-]+)\">")]
    private static partial Regex DeviceLink();

    [GeneratedRegex("<a href=\"([^\"]+)\" rel=\"next\">")]
    private static partial Regex NextLink();
}
