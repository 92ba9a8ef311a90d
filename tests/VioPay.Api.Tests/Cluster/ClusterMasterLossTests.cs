using System.Diagnostics;
using System.Net;
using System.Text.Json;
using StackExchange.Redis;
using VioPay.Api.Infrastructure.Redis;
using VioPay.Api.Tests.Infrastructure;
using VioPay.Api.Tests.Reliability;

namespace VioPay.Api.Tests.Cluster;

/// <summary>
/// Issue 15: one master of a Redis Cluster dies under two API instances. It runs on a cluster of its own (scripts/test
/// starts it for this test alone), so killing a master cannot break the tests that share the other one.
/// </summary>
public sealed class ClusterMasterLossTests
{
    [ClusterFact(fault: true)]
    public async Task AKilledMasterFailsItsSlotsClosedServesTheRestAndChargesNothingTwice()
    {
        var backends = await SharedBackends.CreateAsync() with { Redis = TestClusters.Fault! };
        var settings = new Dictionary<string, string> { ["Payments__MaintenanceIntervalSeconds"] = "3600" };
        var started = await Task.WhenAll(ApiProcess.StartAsync(backends, settings), ApiProcess.StartAsync(backends, settings));
        await using var a = started[0];
        await using var b = started[1];
        await using var redis = await TestClusters.ConnectAsync(TestClusters.Fault!);
        await redis.WaitHealthyAsync(TimeSpan.FromSeconds(30));
        var instances = TwoInstances.Over(backends, a, b);
        var portal = await instances.PortalAsync();
        var terminal = await instances.TerminalAsync(portal);
        await terminal.PairAndClaimAsync(portal);
        await terminal.ActivateFullyAsync();

        // The victim is the master of the terminal-cache channel's slot, so its loss also cuts every instance's
        // pub/sub: the cache must stop by itself. Nonces are one key each, so the test picks them by slot.
        var keys = new RedisKeys(backends.RedisPrefix);
        var victim = redis.MasterOf(keys.Prefix + "terminal-changed");
        string NonceOn(bool onVictim)
        {
            while (true)
            {
                var nonce = TestTerminal.NewNonce();
                if (redis.MasterOf(NonceStore.Key(keys, "charge", terminal.TerminalId!, nonce)).Equals(victim) == onVictim)
                {
                    return nonce;
                }
            }
        }

        // Charge 1 is approved before the failure; its nonce record lives on the victim and dies with it.
        var key1 = Guid.NewGuid().ToString();
        var (body1, nonce1, timestamp1) = (terminal.EncryptedBody(terminal.ChargeJson()), NonceOn(onVictim: true), terminal.Now());
        HttpRequestMessage Charge1() => terminal.Signed(HttpMethod.Post, "/pos/charge", body1, key1, nonce1, timestamp1);
        var first = await a.Client.SendAsync(Charge1());
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        await redis.KillAsync(victim);

        // Charge 2 needs a nonce on the lost slots: 503 in the §3 envelope on both instances, nothing created.
        var key2 = Guid.NewGuid().ToString();
        var (body2, nonce2, timestamp2) = (terminal.EncryptedBody(terminal.ChargeJson(amount: "2500")), NonceOn(onVictim: true), terminal.Now());
        HttpRequestMessage Charge2(string nonce) => terminal.Signed(HttpMethod.Post, "/pos/charge", body2, key2, nonce, timestamp2);
        foreach (var instance in new[] { a, b })
        {
            var lost = await instance.Client.SendAsync(Charge2(nonce2));
            await lost.AssertErrorAsync(HttpStatusCode.ServiceUnavailable, "5003");
        }

        Assert.Equal(0, await backends.CountAsync($"SELECT count(*) FROM charges WHERE idempotency_key = '{key2}'"));

        // The terminal retries charge 2 with a fresh nonce, whose key a surviving master holds: approved.
        var retried = await b.Client.SendAsync(Charge2(NonceOn(onVictim: false)));
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.False(retried.Headers.Contains("Idempotent-Replayed"));

        // Readiness names the partial loss but stays 200 (every instance has the same Redis, pulling them all would
        // widen the outage).
        using (var ready = JsonDocument.Parse(await a.Client.GetStringAsync("/health/ready")))
        {
            Assert.Equal("degraded", ready.RootElement.GetProperty("checks").GetProperty("redis").GetString());
        }

        // The terminal-cache channel's slot is lost, yet both instances' heartbeats still reach a subscriber: PUBLISH
        // goes to a live node, which broadcasts it cluster-wide, so invalidations keep flowing (and the heartbeat gap
        // meanwhile made each instance start its cache over).
        var heard = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>();
        await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(keys.Prefix + "terminal-changed"), (_, message) =>
        {
            if (message.ToString().StartsWith("heartbeat:", StringComparison.Ordinal))
            {
                heard[message.ToString()] = true;
            }
        });
        await WaitForAsync(() => heard.Count >= 2, "both instances' heartbeats after the master loss");

        // The master comes back (empty: nothing was persisted) and both instances use it again.
        TestClusters.RestartFaultNode(victim);
        await redis.WaitHealthyAsync(TimeSpan.FromSeconds(60));
        await WaitForAsync(async () => (await a.Client.GetStringAsync("/health/ready")).Contains("\"redis\":\"ok\"", StringComparison.Ordinal)
            && (await b.Client.GetStringAsync("/health/ready")).Contains("\"redis\":\"ok\"", StringComparison.Ordinal), "both instances to see Redis ok");

        // Charge 1 sent again byte for byte: its nonce record was lost with the master, so only the idempotency record
        // in PostgreSQL stands between it and a second charge, and it holds. Charge 2's first request, sent again on
        // the other instance with its own nonce, answers the charge the retry made.
        var replay1 = await b.Client.SendAsync(Charge1());
        Assert.Equal(HttpStatusCode.OK, replay1.StatusCode);
        Assert.Equal("true", replay1.Headers.GetValues("Idempotent-Replayed").Single());
        var replay2 = await a.Client.SendAsync(Charge2(nonce2));
        Assert.Equal(HttpStatusCode.OK, replay2.StatusCode);
        Assert.Equal("true", replay2.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(1, await backends.CountAsync($"SELECT count(*) FROM charges WHERE idempotency_key = '{key1}'"));
        Assert.Equal(1, await backends.CountAsync($"SELECT count(*) FROM charges WHERE idempotency_key = '{key2}'"));
        Assert.Equal(2, await backends.CountAsync($"SELECT count(*) FROM charges WHERE terminal_id = '{terminal.TerminalId}'"));
        await TestDependencies.DropDatabaseAsync(backends.Postgres);
    }

    private static Task WaitForAsync(Func<bool> condition, string what) => WaitForAsync(() => Task.FromResult(condition()), what);

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"timed out waiting for {what}");
            await Task.Delay(200);
        }
    }
}
