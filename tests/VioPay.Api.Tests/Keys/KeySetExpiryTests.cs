using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Payments;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Keys;

/// <summary>Issue 10 point 7, PROTOCOL §11.9: an active key set past its <c>expires_at</c> authenticates nothing.</summary>
public sealed class KeySetExpiryTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    /// <summary>
    /// Rewrites the set's expiry behind the service's back, so it tells the terminal cache as a change made through the
    /// service would (<see cref="CachedKeySetExpiryTests"/> shows expiry reached by time alone, through a cached entry).
    /// </summary>
    private async Task ExpireActiveSetAsync(string deviceId)
    {
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
        var past = app.Time.GetUtcNow().AddMinutes(-1);
        Assert.Equal(1, await db.KeySets.Where(k => k.DeviceId == deviceId && k.Status == "active")
            .ExecuteUpdateAsync(u => u.SetProperty(k => k.ExpiresAt, past)));
        await app.Services.GetRequiredService<TerminalDirectory>().InvalidateAsync(deviceId);
    }

    [Fact]
    public async Task AnExpiredActiveKeySetAuthenticatesNoChargeAndRotationRestoresCharging()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        await terminal.ChargeOkAsync();
        await ExpireActiveSetAsync(terminal.DeviceId);

        var refused = await terminal.Http.SendAsync(terminal.ChargeRequest(terminal.ChargeJson()));
        var error = await refused.AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
        Assert.Equal("key_set_expired", error.GetProperty("details").GetProperty("reason").GetString());
        var status = await terminal.Http.SendAsync(terminal.Signed(HttpMethod.Get, "/pos/charge?idempotency_key=none", null));
        await status.AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");

        // The attestation-token endpoints refuse to serve the expired set (there is no pending one yet)…
        await terminal.AttestAsync();
        var config = await terminal.Http.SendAsync(terminal.WithToken("/pos/config"));
        var conflict = await config.AssertErrorAsync(HttpStatusCode.Conflict, "4009");
        Assert.Equal("key_set_expired", conflict.GetProperty("details").GetProperty("reason").GetString());

        // …and rotation works: keys, config and activate use the new pending set, which then charges.
        await terminal.InstallKeysAsync();
        await terminal.ConfigAsync();
        await terminal.ActivateAsync();
        Assert.Equal("approved", (await terminal.ChargeOkAsync()).Text("status"));
    }

    [Fact]
    public async Task ARefusedChargeOfAnExpiredSetSpendsNoNonce()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        await ExpireActiveSetAsync(terminal.DeviceId);
        var nonce = TestTerminal.NewNonce();

        await (await terminal.Http.SendAsync(terminal.Signed(HttpMethod.Post, "/pos/charge", terminal.EncryptedBody(terminal.ChargeJson()), nonce: nonce)))
            .AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");

        await terminal.AttestAsync();
        await terminal.InstallKeysAsync();
        await terminal.ConfigAsync();
        await terminal.ActivateAsync();
        await terminal.SendEncryptedOkAsync(terminal.Signed(HttpMethod.Post, "/pos/charge", terminal.EncryptedBody(terminal.ChargeJson()), nonce: nonce));
    }
}

/// <summary>Issue 12: expiry needs no invalidation; a cached set is judged against the clock on every request.</summary>
public sealed class CachedKeySetExpiryTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    [Fact]
    public async Task AKeySetThatExpiresWhileCachedAuthenticatesNothingFromThatMoment()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        await terminal.ChargeOkAsync(); // the terminal and its set are now in this instance's cache

        // No message, no database change: only the clock passes the set's expires_at (the terminal's clock too).
        app.Time.Advance(TimeSpan.FromDays(366));
        var refused = await terminal.Http.SendAsync(terminal.ChargeRequest(terminal.ChargeJson()));
        var error = await refused.AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
        Assert.Equal("key_set_expired", error.GetProperty("details").GetProperty("reason").GetString());
    }
}
