using System.Net;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.Redis;
using VioPay.Api.Pairing;
using VioPay.Api.Pos;
using VioPay.Api.Tests.Infrastructure;
using VioPay.Api.Tests.Reliability;

namespace VioPay.Api.Tests.Cluster;

/// <summary>Two API processes whose <c>ConnectionStrings:Redis</c> names the shared 3-master Redis Cluster.</summary>
public sealed class TwoInstancesOnCluster : TwoInstances
{
    protected override string? Redis => TestClusters.Shared;

    public override Task InitializeAsync() => TestClusters.Shared is null ? Task.CompletedTask : base.InitializeAsync();
}

/// <summary>Issue 15, Redis Cluster: everything two instances share through Redis holds when Redis is a cluster.</summary>
public sealed class ClusterScaleOutTests(TwoInstancesOnCluster instances) : IClassFixture<TwoInstancesOnCluster>
{
    [ClusterFact]
    public async Task ATerminalAlternatingBetweenInstancesPairsActivatesAndCharges()
    {
        var portal = await instances.PortalAsync();
        var terminal = await instances.TerminalAsync(portal);

        // Pairing code, claim, attestation token, keys, activation and charges: each request on the other instance
        // than the one before, each piece of state on whichever master its key's slot lives.
        await terminal.PairAndClaimAsync(portal);
        await terminal.ActivateFullyAsync();
        var key = Guid.NewGuid().ToString();
        var json = terminal.ChargeJson();
        var first = await terminal.SendEncryptedOkAsync(terminal.ChargeRequest(json, key));
        Assert.Equal("approved", first.Body.Text("status"));
        var retry = await terminal.SendEncryptedOkAsync(terminal.ChargeRequest(json, key));
        Assert.True(retry.Replayed);
        Assert.Equal(first.Body.Text("charge_id"), retry.Body.Text("charge_id"));
        await terminal.SendEncryptedOkAsync(terminal.RefundRequest(first.Body.Text("charge_id"), "100"));
        Assert.Equal(1, await instances.Backends.CountAsync($"SELECT count(*) FROM charges WHERE idempotency_key = '{key}'"));
    }

    [ClusterFact]
    public async Task ANonceUsedOnOneInstanceIsRefusedOnTheOther()
    {
        var portal = await instances.PortalAsync();
        var terminal = await instances.TerminalAsync(portal);
        await terminal.PairAndClaimAsync(portal);
        await terminal.ActivateFullyAsync();

        var nonce = TestTerminal.NewNonce();
        var body = terminal.EncryptedBody(terminal.ChargeJson());
        Assert.Equal(HttpStatusCode.OK, (await instances.A.Client.SendAsync(terminal.Signed(HttpMethod.Post, "/pos/charge", body, nonce: nonce))).StatusCode);
        var replay = await instances.B.Client.SendAsync(terminal.Signed(HttpMethod.Post, "/pos/charge", body, nonce: nonce));
        await replay.AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
    }

    [ClusterFact]
    public async Task RateLimitsCountAcrossInstances()
    {
        var portal = await instances.PortalAsync();
        var terminal = await instances.TerminalAsync(portal);
        await terminal.PairAndClaimAsync(portal);

        // Ten bad signatures, five on each instance (each one reserved and kept by the failure script), lock the
        // device out on both.
        for (var i = 0; i < 10; i++)
        {
            await (await terminal.Http.SendAsync(terminal.Attest(secret: new byte[32]))).AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
        }

        foreach (var client in new[] { instances.A.Client, instances.B.Client })
        {
            await (await client.SendAsync(terminal.Attest())).AssertErrorAsync(HttpStatusCode.TooManyRequests, "4029");
        }
    }

    [ClusterFact]
    public async Task PairingCodeAttemptsCountAcrossInstances()
    {
        var portal = await instances.PortalAsync();
        var terminal = await instances.TerminalAsync(portal);
        var code = await terminal.PairingCodeAsync();
        var wrong = code == "AAAAAA" ? "BBBBBB" : "AAAAAA";

        for (var i = 0; i < 5; i++)
        {
            await (await portal.ClaimAsync(terminal.DeviceId, wrong)).AssertErrorAsync(HttpStatusCode.NotFound, "4004");
        }

        await (await portal.ClaimAsync(terminal.DeviceId, code)).AssertErrorAsync(HttpStatusCode.Gone, "4010");
    }

    [ClusterFact]
    public async Task ReadinessSaysRedisIsOkOnAHealthyCluster()
    {
        var ready = await instances.A.Client.GetStringAsync("/health/ready");
        Assert.Contains("\"redis\":\"ok\"", ready, StringComparison.Ordinal);
    }
}

/// <summary>
/// Every Lua script and MULTI of the service, run through the app's own services on the cluster, for ids whose keys
/// land on every master: a key passed as ARGV instead of KEYS, or a second key on another slot, fails here.
/// </summary>
public sealed class ClusterScriptTests
{
    [ClusterFact]
    public async Task EveryScriptAndTransactionRunsOnEveryMaster()
    {
        await using var app = new VioPayApp();
        await app.InitializeAsync();
        app.With("ConnectionStrings:Redis", TestClusters.Shared);
        _ = app.CreateClient();
        var services = app.Services;
        var keys = services.GetRequiredService<RedisKeys>();
        var limiter = services.GetRequiredService<RateLimiter>();
        var codes = services.GetRequiredService<PairingCodes>();
        var tokens = services.GetRequiredService<AttestationTokens>();
        var nonces = services.GetRequiredService<NonceStore>();
        await using var redis = await TestClusters.ConnectAsync(TestClusters.Shared!);

        // Devices until their pairing keys have met every master (and at least six, so every kind of key meets more
        // than one): each script then ran on each master at least once.
        var mastersUsed = new HashSet<string>();
        for (var i = 0; i < 6 || (mastersUsed.Count < 3 && i < 60); i++)
        {
            var id = $"POS-{i:D8}";
            mastersUsed.Add(redis.MasterOf(keys.For("pairing", id)).ToString()!);

            await limiter.HitAsync("cluster-test", id, 5, TimeSpan.FromMinutes(1));
            var slot = await limiter.ReserveFailureAsync("cluster-failures", id, 5, TimeSpan.FromMinutes(1));
            await slot.ReleaseAsync();
            await limiter.RequireUnderAsync("cluster-failures", id, 1);

            var issued = await codes.IssueAsync(id);
            Assert.Equal(PairingCheck.Wrong, await codes.CheckAsync(id, issued.Code == "AAAAAA" ? "BBBBBB" : "AAAAAA"));
            Assert.Equal(PairingCheck.Match, await codes.CheckAsync(id, issued.Code));
            Assert.Equal("pending", await codes.StatusAsync(id));

            var token = $"att_cluster_{i}_{Guid.NewGuid():N}";
            await tokens.SaveAsync(token, id, "key-1", await tokens.GenerationAsync(id), TimeSpan.FromMinutes(1));
            var grant = await tokens.FindAsync(token);
            Assert.True(grant is { Live: true });
            Assert.True(await tokens.TryCountKeyFetchAsync(grant));
            await tokens.EndDeviceTokensAsync(id);
            Assert.False((await tokens.FindAsync(token))!.Live);

            var nonce = TestTerminal.NewNonce();
            Assert.True(await nonces.TryUseAsync("charge", id, nonce, TimeSpan.FromMinutes(1)));
            Assert.False(await nonces.TryUseAsync("charge", id, nonce, TimeSpan.FromMinutes(1)));
        }

        Assert.Equal(3, mastersUsed.Count);
    }

    [ClusterFact]
    public async Task KeysWithOneHashTagShareASlotSoOneTransactionMayTouchThemAll()
    {
        var keys = new RedisKeys($"test:{Guid.NewGuid():N}:");
        await using var redis = await TestClusters.ConnectAsync(TestClusters.Shared!);
        RedisKey[] tagged = [keys.Tagged("a", "POS-00000001", "x"), keys.Tagged("b", "POS-00000001", "y"), keys.Tagged("c", "POS-00000001", "z")];
        Assert.Single(tagged.Select(k => redis.HashSlot(k)).Distinct());

        var transaction = redis.GetDatabase().CreateTransaction();
        foreach (var key in tagged)
        {
            _ = transaction.StringSetAsync(key, 1, TimeSpan.FromMinutes(1));
        }

        Assert.True(await transaction.ExecuteAsync());
        Assert.Equal(3, await redis.GetDatabase().KeyExistsAsync(tagged));

        // Without the tag the same names spread over slots, and the cluster refuses them together.
        RedisKey[] plain = [keys.For("a", "x"), keys.For("b", "y"), keys.For("c", "z")];
        Assert.NotEqual(1, plain.Select(k => redis.HashSlot(k)).Distinct().Count());
        Assert.Throws<ArgumentException>(() => keys.Tagged("a", "}", "x"));
        Assert.Throws<InvalidOperationException>(() => new RedisKeys("viopay:{eu}:"));
    }

    [Fact]
    public void ClusterAnswersThatMeanTheSlotIsUnreachableAre503()
    {
        foreach (var message in new[] { "CLUSTERDOWN Hash slot not served", "CLUSTERDOWN The cluster is down", "TRYAGAIN Multiple keys request during rehashing of slot", "MOVED 3999 127.0.0.1:6381", "LOADING Redis is loading the dataset in memory", "MASTERDOWN Link with MASTER is down" })
        {
            Assert.Equal(503, ApiExceptionHandler.Map(new RedisServerException(message)).StatusCode);
        }

        Assert.Equal(500, ApiExceptionHandler.Map(new RedisServerException("ERR unknown command")).StatusCode);
    }
}
