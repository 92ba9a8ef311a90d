using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Keys;

/// <summary>Issue 10 point 8: attestation tokens end with revocation and suspension, and mint a bounded number of key sets.</summary>
public sealed class AttestationTokenTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    private async Task<(TestTerminal Terminal, HttpClient Portal)> ClaimedAsync()
    {
        var merchant = await app.CreateMerchantAsync();
        var portal = await app.PortalClientAsync(merchant);
        var terminal = await app.ProvisionAsync(portal);
        await terminal.PairAndClaimAsync(portal);
        return (terminal, portal);
    }

    [Fact]
    public async Task RevokingTheIdentityKeyEndsItsLiveAttestationTokensAtOnce()
    {
        var (terminal, portal) = await ClaimedAsync();
        await terminal.AttestAsync();
        await terminal.SendOkAsync(terminal.WithToken("/pos/keys"));

        var revoked = await portal.DeleteAsync($"/merchant/devices/{terminal.DeviceId}/identity-keys/{terminal.IdentityKeyId}");
        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);

        foreach (var path in new[] { "/pos/keys", "/pos/config", "/pos/terminal-parameters" })
        {
            await (await terminal.Http.SendAsync(terminal.WithToken(path))).AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
        }
    }

    [Fact]
    public async Task SuspendingEndsLiveAttestationTokensAndResumingDoesNotReviveThem()
    {
        var (terminal, portal) = await ClaimedAsync();
        await terminal.AttestAsync();
        await terminal.SendOkAsync(terminal.WithToken("/pos/keys"));

        Assert.True((await portal.PostAsync($"/merchant/devices/{terminal.DeviceId}/suspend", null)).IsSuccessStatusCode);
        await (await terminal.Http.SendAsync(terminal.WithToken("/pos/config"))).AssertErrorAsync(HttpStatusCode.Forbidden, "4003");

        Assert.True((await portal.PostAsync($"/merchant/devices/{terminal.DeviceId}/resume", null)).IsSuccessStatusCode);
        await (await terminal.Http.SendAsync(terminal.WithToken("/pos/config"))).AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");

        // A resumed device attests again, and the new token works.
        await terminal.AttestAsync();
        await terminal.SendOkAsync(terminal.WithToken("/pos/config"));
    }

    [Fact]
    public async Task OneAttestationTokenFetchesKeysAtMostThreeTimes()
    {
        var (terminal, _) = await ClaimedAsync();
        await terminal.AttestAsync();
        for (var i = 0; i < 3; i++)
        {
            await terminal.SendOkAsync(terminal.WithToken("/pos/keys"));
        }

        var fourth = await terminal.Http.SendAsync(terminal.WithToken("/pos/keys"));

        var error = await fourth.AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
        Assert.Contains("3 times", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        await terminal.AttestAsync();
        await terminal.SendOkAsync(terminal.WithToken("/pos/keys"));
    }

    [Fact]
    public async Task ParallelKeyFetchesWithOneTokenNeverExceedThree()
    {
        var (terminal, _) = await ClaimedAsync();
        await terminal.AttestAsync();

        var answers = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => terminal.Http.SendAsync(terminal.WithToken("/pos/keys"))));

        Assert.Equal(3, answers.Count(a => a.StatusCode == HttpStatusCode.OK));
        Assert.Equal(9, answers.Count(a => a.StatusCode == HttpStatusCode.Unauthorized));
        // Parallel downloads are serialised per device: exactly one pending set is left, never two.
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
        Assert.Equal(1, await db.KeySets.CountAsync(k => k.DeviceId == terminal.DeviceId && k.Status == "pending"));
    }

    [Fact]
    public async Task ASupersededPendingKeySetIsDeletedNotKept()
    {
        var (terminal, _) = await ClaimedAsync();
        await terminal.AttestAsync();
        var first = (await terminal.SendOkAsync(terminal.WithToken("/pos/keys"))).GetProperty("key_set").GetProperty("key_set_id").GetString();
        var second = (await terminal.SendOkAsync(terminal.WithToken("/pos/keys"))).GetProperty("key_set").GetProperty("key_set_id").GetString();

        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
        var rows = await db.KeySets.AsNoTracking().Where(k => k.DeviceId == terminal.DeviceId).Select(k => new { k.Id, k.Status }).ToListAsync();
        var only = Assert.Single(rows);
        Assert.Equal((second, "pending"), (only.Id, only.Status));
        Assert.NotEqual(first, second);
    }
}
