using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Keys;

/// <summary>
/// Issue 10 point 10: a key block at rest is bound to its purpose and owner, so someone with write access to the database
/// cannot move one between columns or devices. Every such request fails closed with the §3 envelope, never a 500.
/// </summary>
public sealed class StoredKeyBindingTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    private async Task<(TestTerminal Terminal, HttpClient Portal)> ClaimedAsync(HttpClient? portal = null)
    {
        portal ??= await app.PortalClientAsync(await app.CreateMerchantAsync());
        var terminal = await app.ProvisionAsync(portal);
        await terminal.PairAndClaimAsync(portal);
        return (terminal, portal);
    }

    private async Task WithDbAsync(Func<VioPayDbContext, Task> action)
    {
        using var scope = app.Services.CreateScope();
        await action(scope.ServiceProvider.GetRequiredService<VioPayDbContext>());
    }

    private static async Task AssertStoredKeyRefusedAsync(HttpResponseMessage response)
    {
        var error = await response.AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
        Assert.Equal("stored_key_invalid", error.GetProperty("details").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task AMacKeyBlockMovedIntoTheIdentitySecretColumnIsRefused()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        await WithDbAsync(async db =>
        {
            var mac = await db.KeySets.Where(k => k.DeviceId == terminal.DeviceId && k.Status == "active").Select(k => k.MacBlock).SingleAsync();
            await db.IdentityKeys.Where(k => k.KeyId == terminal.IdentityKeyId).ExecuteUpdateAsync(u => u.SetProperty(k => k.SecretBlock, mac));
        });

        // Whoever holds the MAC key (every charge request is signed with it) would otherwise attest as the device.
        var response = await terminal.Http.SendAsync(terminal.Attest(secret: terminal.ActiveKeys["mac"]));

        await AssertStoredKeyRefusedAsync(response);
    }

    [Fact]
    public async Task AnIdentitySecretMovedToAnotherDeviceIsRefused()
    {
        var (victim, portal) = await ClaimedAsync();
        var (attacker, _) = await ClaimedAsync(portal);
        await WithDbAsync(async db =>
        {
            var secret = await db.IdentityKeys.Where(k => k.KeyId == attacker.IdentityKeyId).Select(k => k.SecretBlock).SingleAsync();
            await db.IdentityKeys.Where(k => k.KeyId == victim.IdentityKeyId).ExecuteUpdateAsync(u => u.SetProperty(k => k.SecretBlock, secret));
        });

        var response = await victim.Http.SendAsync(victim.Attest(secret: attacker.IdentitySecret));

        await AssertStoredKeyRefusedAsync(response);
    }

    [Fact]
    public async Task AZmkMovedToAnotherDeviceIsRefusedAndNoKeySetIsIssued()
    {
        var (victim, portal) = await ClaimedAsync();
        var (attacker, _) = await ClaimedAsync(portal);
        await WithDbAsync(async db =>
        {
            var zmk = await db.Devices.Where(d => d.Id == attacker.DeviceId).Select(d => d.ZmkBlock).SingleAsync();
            await db.Devices.Where(d => d.Id == victim.DeviceId).ExecuteUpdateAsync(u => u.SetProperty(d => d.ZmkBlock, zmk));
        });
        await victim.AttestAsync();

        // Keys wrapped under the attacker's ZMK would be readable by the attacker.
        await AssertStoredKeyRefusedAsync(await victim.Http.SendAsync(victim.WithToken("/pos/keys")));
        await WithDbAsync(async db => Assert.False(await db.KeySets.AnyAsync(k => k.DeviceId == victim.DeviceId)));
    }

    [Fact]
    public async Task AnMskAndATdkSwappedWithinAKeySetAreRefused()
    {
        var (terminal, _) = await ClaimedAsync();
        await terminal.AttestAsync();
        await terminal.InstallKeysAsync();
        await WithDbAsync(async db =>
        {
            var set = await db.KeySets.AsNoTracking().SingleAsync(k => k.DeviceId == terminal.DeviceId);
            await db.KeySets.Where(k => k.Id == set.Id)
                .ExecuteUpdateAsync(u => u.SetProperty(k => k.MskBlock, set.TdkBlock).SetProperty(k => k.TdkBlock, set.MskBlock));
        });

        await AssertStoredKeyRefusedAsync(await terminal.Http.SendAsync(terminal.WithToken("/pos/config")));
        await AssertStoredKeyRefusedAsync(await terminal.Http.SendAsync(terminal.ActivateRequest()));
    }

    [Fact]
    public async Task AMacKeyMovedToAnotherTerminalSignsNoCharge()
    {
        var (victim, _, merchant) = await app.ActivatedTerminalAsync();
        var (attacker, _, _) = await app.ActivatedTerminalAsync(merchant);
        await WithDbAsync(async db =>
        {
            var mac = await db.KeySets.Where(k => k.DeviceId == attacker.DeviceId && k.Status == "active").Select(k => k.MacBlock).SingleAsync();
            await db.KeySets.Where(k => k.DeviceId == victim.DeviceId && k.Status == "active").ExecuteUpdateAsync(u => u.SetProperty(k => k.MacBlock, mac));
        });

        var forged = victim.Signed(HttpMethod.Post, "/pos/charge", victim.EncryptedBody(victim.ChargeJson()), macKey: attacker.ActiveKeys["mac"]);

        await AssertStoredKeyRefusedAsync(await victim.Http.SendAsync(forged));
    }
}
