using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Activation;

/// <summary>
/// Issue 10 point 1, PROTOCOL §12.1: reseller inventory is claimable only by the merchant the reseller assigned it to.
/// A pairing code needs no secret, so "any merchant of the reseller" meant a terminal takeover.
/// </summary>
public sealed class InventoryAssignmentTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    [Fact]
    public async Task AnUnassignedInventoryDeviceCannotBeClaimedEvenByAMerchantOfItsReseller()
    {
        var merchant = await app.CreateMerchantAsync();
        var device = await app.ProvisionInventoryAsync(merchant.ResellerId);
        var portal = await app.PortalClientAsync(merchant);
        var code = await device.PairingCodeAsync();

        await (await portal.ClaimAsync(device.DeviceId, code)).AssertErrorAsync(HttpStatusCode.Forbidden, "4003");

        var status = await device.StatusAsync();
        Assert.Equal(("inactive", false, "pending"), (status.GetProperty("device_status").GetString(),
            status.GetProperty("is_claimed").GetBoolean(), status.GetProperty("pairing_code_status").GetString()));
    }

    [Fact]
    public async Task OnlyTheAssignedMerchantClaimsAnInventoryDevice()
    {
        var assignee = await app.CreateMerchantAsync();
        var sibling = await app.CreateMerchantAsync(assignee.ResellerId);
        var reseller = await app.ResellerClientAsync(assignee.ResellerId);
        var device = await app.ProvisionInventoryAsync(reseller);

        var assigned = await reseller.AssignAsync(device.DeviceId, assignee.MerchantId);

        Assert.Equal(HttpStatusCode.OK, assigned.StatusCode);
        using (var view = JsonDocument.Parse(await assigned.Content.ReadAsStringAsync()))
        {
            Assert.Equal(device.DeviceId, view.RootElement.GetProperty("device_id").GetString());
            Assert.Equal(assignee.MerchantId, view.RootElement.GetProperty("assigned_merchant_id").GetGuid());
            Assert.Equal(JsonValueKind.Null, view.RootElement.GetProperty("merchant_id").ValueKind);
            Assert.False(view.RootElement.TryGetProperty("identity_key", out _));
        }

        var code = await device.PairingCodeAsync();
        await (await (await app.PortalClientAsync(sibling)).ClaimAsync(device.DeviceId, code)).AssertErrorAsync(HttpStatusCode.Forbidden, "4003");
        var portal = await app.PortalClientAsync(assignee);
        Assert.Matches(@"^TID-\d{6}$", await device.PairAndClaimAsync(portal));
        Assert.Equal(HttpStatusCode.OK, (await portal.GetAsync($"/merchant/devices/{device.DeviceId}")).StatusCode);

        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
        var audit = await db.AuditEvents.AsNoTracking().SingleAsync(e => e.DeviceId == device.DeviceId && e.Action == "device.assigned");
        Assert.Equal(assignee.MerchantId, audit.MerchantId);
    }

    [Fact]
    public async Task AReassignedDeviceIsClaimableOnlyByItsNewMerchant()
    {
        var first = await app.CreateMerchantAsync();
        var second = await app.CreateMerchantAsync(first.ResellerId);
        var reseller = await app.ResellerClientAsync(first.ResellerId);
        var device = await app.ProvisionInventoryAsync(reseller);
        Assert.Equal(HttpStatusCode.OK, (await reseller.AssignAsync(device.DeviceId, first.MerchantId)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await reseller.AssignAsync(device.DeviceId, second.MerchantId)).StatusCode);

        var code = await device.PairingCodeAsync();
        await (await (await app.PortalClientAsync(first)).ClaimAsync(device.DeviceId, code)).AssertErrorAsync(HttpStatusCode.Forbidden, "4003");
        Assert.Matches(@"^TID-\d{6}$", await device.PairAndClaimAsync(await app.PortalClientAsync(second)));
    }

    [Fact]
    public async Task AssigningToAnotherResellersOrAnUnknownMerchantOrAnotherResellersDeviceIs404AndChangesNothing()
    {
        var merchant = await app.CreateMerchantAsync();
        var stranger = await app.CreateMerchantAsync();
        var reseller = await app.ResellerClientAsync(merchant.ResellerId);
        var device = await app.ProvisionInventoryAsync(reseller);
        var foreignDevice = await app.ProvisionInventoryAsync(stranger.ResellerId);

        await (await reseller.AssignAsync(device.DeviceId, stranger.MerchantId)).AssertErrorAsync(HttpStatusCode.NotFound, "4004");
        await (await reseller.AssignAsync(device.DeviceId, Guid.NewGuid())).AssertErrorAsync(HttpStatusCode.NotFound, "4004");
        await (await reseller.AssignAsync(foreignDevice.DeviceId, merchant.MerchantId)).AssertErrorAsync(HttpStatusCode.NotFound, "4004");
        await (await reseller.AssignAsync("POS-00000000", merchant.MerchantId)).AssertErrorAsync(HttpStatusCode.NotFound, "4004");
        await (await reseller.AssignAsync("not-a-device", merchant.MerchantId)).AssertErrorAsync(HttpStatusCode.NotFound, "4004");

        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
        Assert.All(await db.Devices.AsNoTracking().Where(d => d.Id == device.DeviceId || d.Id == foreignDevice.DeviceId).ToListAsync(),
            d => Assert.Null(d.AssignedMerchantId));
        Assert.False(await db.AuditEvents.AnyAsync(e => e.Action == "device.assigned" &&
            (e.DeviceId == device.DeviceId || e.DeviceId == foreignDevice.DeviceId)));
    }

    [Fact]
    public async Task AssigningAClaimedOrAMerchantProvisionedDeviceIs409()
    {
        var merchant = await app.CreateMerchantAsync();
        var sibling = await app.CreateMerchantAsync(merchant.ResellerId);
        var reseller = await app.ResellerClientAsync(merchant.ResellerId);
        var claimed = await app.InventoryAssignedToAsync(merchant);
        await claimed.PairAndClaimAsync(await app.PortalClientAsync(merchant));
        var merchantOwn = await app.ProvisionAsync(await app.PortalClientAsync(merchant));

        await (await reseller.AssignAsync(claimed.DeviceId, sibling.MerchantId)).AssertErrorAsync(HttpStatusCode.Conflict, "4009");
        await (await reseller.AssignAsync(merchantOwn.DeviceId, sibling.MerchantId)).AssertErrorAsync(HttpStatusCode.Conflict, "4009");

        // The merchant-provisioned device stays claimable by its merchant only.
        var code = await merchantOwn.PairingCodeAsync();
        await (await (await app.PortalClientAsync(sibling)).ClaimAsync(merchantOwn.DeviceId, code)).AssertErrorAsync(HttpStatusCode.Forbidden, "4003");
    }

    [Theory]
    [InlineData("")]
    [InlineData("{}")]
    [InlineData("""{"merchant_id":"nope"}""")]
    [InlineData("""{"merchant_id":42}""")]
    [InlineData("""{"merchant_id":null}""")]
    [InlineData("""{"merchant_id":"0b8f7a52-3c8f-4a8e-9b53-55f0c3f0f6a1","extra":1}""")]
    public async Task AMalformedAssignmentIs400NamingTheField(string body)
    {
        var merchant = await app.CreateMerchantAsync();
        var reseller = await app.ResellerClientAsync(merchant.ResellerId);
        var device = await app.ProvisionInventoryAsync(reseller);

        var response = await reseller.PostAsync($"/reseller/devices/{device.DeviceId}/assign",
            new StringContent(body, Encoding.UTF8, "application/json"));

        var error = await response.AssertErrorAsync(HttpStatusCode.BadRequest, "4000");
        Assert.True(error.GetProperty("details").GetProperty("fields").EnumerateObject().Any());
    }

    [Fact]
    public async Task AMerchantSessionCannotAssign()
    {
        var merchant = await app.CreateMerchantAsync();
        var device = await app.ProvisionInventoryAsync(merchant.ResellerId);
        var portal = await app.PortalClientAsync(merchant);

        await (await portal.AssignAsync(device.DeviceId, merchant.MerchantId)).AssertErrorAsync(HttpStatusCode.Forbidden, "4003");
        await (await app.CreateClient().PostAsJsonAsync($"/reseller/devices/{device.DeviceId}/assign", new { merchant_id = merchant.MerchantId }))
            .AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
    }
}
