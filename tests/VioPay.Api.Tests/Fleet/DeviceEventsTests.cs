using System.Net;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Fleet;

/// <summary>PROTOCOL §13.3: <c>device.suspended</c> and <c>device.resumed</c>, raised in the transactions of the changes.</summary>
public sealed class DeviceEventsTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    [Fact]
    public async Task SuspendAndResumeRaiseOneEventEachWithTheDeviceView()
    {
        var (terminal, portal, merchant) = await app.ActivatedTerminalAsync();
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await portal.PostAsync($"/merchant/devices/{terminal.DeviceId}/suspend", null)).StatusCode);
        }

        var suspended = Assert.Single(await app.DeviceEventsAsync("device.suspended", terminal.DeviceId));
        Assert.True(suspended.GetProperty("suspended").GetBoolean());
        Assert.Equal(merchant.MerchantId.ToString(), suspended.Text("merchant_id"));
        Assert.Empty(await app.DeviceEventsAsync("device.resumed", terminal.DeviceId));

        Assert.Equal(HttpStatusCode.OK, (await portal.PostAsync($"/merchant/devices/{terminal.DeviceId}/resume", null)).StatusCode);
        var resumed = Assert.Single(await app.DeviceEventsAsync("device.resumed", terminal.DeviceId));
        Assert.False(resumed.GetProperty("suspended").GetBoolean());
        // data is the device as GET /merchant/devices/{id} shows it (jsonb keeps its own member order).
        var view = await portal.DeviceViewAsync(terminal.DeviceId);
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(System.Text.Json.Nodes.JsonNode.Parse(view.GetRawText()),
            System.Text.Json.Nodes.JsonNode.Parse(resumed.GetRawText())), $"{view}\n{resumed}");
    }
}
