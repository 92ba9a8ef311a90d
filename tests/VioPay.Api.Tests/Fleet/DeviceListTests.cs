using System.Net;
using System.Text.Json;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Fleet;

/// <summary>PROTOCOL §13.5: <c>GET /merchant/devices</c> and <c>GET /reseller/devices</c> page newest first and filter.</summary>
public sealed class DeviceListTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    [Fact]
    public async Task TheMerchantsDevicesPageNewestFirstWithoutSkippingOrRepeating()
    {
        var merchant = await app.CreateMerchantAsync();
        var portal = await app.PortalClientAsync(merchant);
        var created = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            created.Add((await app.ProvisionAsync(portal)).DeviceId);
        }

        var seen = await AllPagesAsync(portal, "/merchant/devices?limit=2", expectedPages: 3);
        created.Reverse();
        Assert.Equal(created, seen);
    }

    [Fact]
    public async Task DevicesFilterByStatusAndConnectivity()
    {
        var (online, portal, merchant) = await app.ActivatedTerminalAsync();
        var (quiet, _, _) = await app.ActivatedTerminalAsync(merchant);
        var fresh = await app.ProvisionAsync(portal);
        await online.HeartbeatOkAsync();

        Assert.Equal([online.DeviceId], await IdsAsync(portal, "/merchant/devices?connectivity=online"));
        Assert.Equal([fresh.DeviceId, quiet.DeviceId], await IdsAsync(portal, "/merchant/devices?connectivity=never_seen"));
        Assert.Empty(await IdsAsync(portal, "/merchant/devices?connectivity=offline"));
        Assert.Equal([fresh.DeviceId], await IdsAsync(portal, "/merchant/devices?status=inactive"));
        Assert.Equal([quiet.DeviceId, online.DeviceId], await IdsAsync(portal, "/merchant/devices?status=activated"));
        Assert.Equal([quiet.DeviceId], await IdsAsync(portal, "/merchant/devices?status=activated&connectivity=never_seen&limit=1"));
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=101", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("cursor=not-a-cursor", "cursor")]
    [InlineData("status=suspended", "status")]
    [InlineData("connectivity=sometimes", "connectivity")]
    public async Task ABadListParameterIs400NamingIt(string query, string field)
    {
        var merchant = await app.CreateMerchantAsync();
        var portal = await app.PortalClientAsync(merchant);
        var reseller = await app.ResellerClientAsync(merchant.ResellerId);
        foreach (var (client, path) in new[] { (portal, "/merchant/devices"), (reseller, "/reseller/devices") })
        {
            var error = await (await client.GetAsync($"{path}?{query}")).AssertErrorAsync(HttpStatusCode.BadRequest, "4000");
            Assert.True(error.GetProperty("details").GetProperty("fields").TryGetProperty(field, out _), error.ToString());
        }
    }

    [Fact]
    public async Task TheResellersDevicesPageTheSameWayAndShowConnectivity()
    {
        var (terminal, _, merchant) = await app.ActivatedTerminalAsync();
        var reseller = await app.ResellerClientAsync(merchant.ResellerId);
        var inventory = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            inventory.Add((await app.ProvisionInventoryAsync(reseller)).DeviceId);
        }

        await terminal.HeartbeatOkAsync();
        var seen = await AllPagesAsync(reseller, "/reseller/devices?limit=3", expectedPages: 2);
        inventory.Reverse();
        Assert.Equal([.. inventory, terminal.DeviceId], seen);
        var online = Assert.Single((await reseller.GetJsonAsync("/reseller/devices?connectivity=online")).GetProperty("data").EnumerateArray());
        Assert.Equal(terminal.DeviceId, online.Text("device_id"));
        Assert.Equal("1.4.2", online.Text("app_version"));
    }

    private static async Task<List<string>> AllPagesAsync(HttpClient client, string first, int expectedPages)
    {
        var seen = new List<string>();
        var pages = 0;
        string? cursor = null;
        do
        {
            var page = await client.GetJsonAsync(cursor is null ? first : $"{first}&cursor={Uri.EscapeDataString(cursor)}");
            pages++;
            seen.AddRange(page.GetProperty("data").EnumerateArray().Select(d => d.Text("device_id")));
            var next = page.GetProperty("next_cursor");
            cursor = next.ValueKind == JsonValueKind.Null ? null : next.GetString();
        }
        while (cursor is not null && pages < 10);

        Assert.Equal(expectedPages, pages);
        return seen;
    }

    private static async Task<List<string>> IdsAsync(HttpClient client, string path) =>
        (await client.GetJsonAsync(path)).GetProperty("data").EnumerateArray().Select(d => d.Text("device_id")).ToList();
}
