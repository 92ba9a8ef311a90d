using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Npgsql;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Reliability;

/// <summary>Issue 6: PostgreSQL restarted under a running API process, with charges flowing.</summary>
public sealed class PostgresRestartTests
{
    [Fact]
    public async Task WhilePostgresIsDownChargesAre503AndAfterItReturnsServiceResumesAndNoApprovedChargeIsLost()
    {
        await using var postgres = new OwnPostgres();
        await postgres.StartNewAsync();
        await using (var admin = new NpgsqlConnection(postgres.ConnectionString()))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE DATABASE viopay", admin);
            await create.ExecuteNonQueryAsync();
        }

        var servers = await TestDependencies.GetAsync();
        var backends = new SharedBackends(postgres.ConnectionString("viopay"), servers.Redis, $"test:{Guid.NewGuid():N}:",
            Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
        await ApiProcess.AdminAsync(backends, "migrate");
        await using var api = await ApiProcess.StartAsync(backends, new Dictionary<string, string>
        {
            ["Payments__PendingSweepAfterSeconds"] = "5",
            ["Payments__MaintenanceIntervalSeconds"] = "1",
        });
        var fleet = TwoInstances.Over(backends, api, api);
        var portal = await fleet.PortalAsync();
        var terminal = await fleet.TerminalAsync(portal);
        await terminal.PairAndClaimAsync(portal);
        await terminal.ActivateFullyAsync();

        var approved = new ConcurrentDictionary<string, string>();
        var outcomes = new ConcurrentQueue<string>();
        var keys = new ConcurrentQueue<(string Key, string Json)>();
        var phase = "before";
        using var stop = new CancellationTokenSource();
        var traffic = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var key = Guid.NewGuid().ToString();
                var json = terminal.ChargeJson();
                keys.Enqueue((key, json));
                var response = await api.Client.SendAsync(terminal.ChargeRequest(json, key));
                var text = await response.Content.ReadAsStringAsync();
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    using var envelope = JsonDocument.Parse(text);
                    var charge = terminal.Decrypt(envelope.RootElement);
                    if (charge.Text("status") == "approved")
                    {
                        approved[key] = charge.Text("charge_id");
                    }

                    outcomes.Enqueue($"{phase} 200");
                }
                else
                {
                    using var error = JsonDocument.Parse(text);
                    outcomes.Enqueue($"{phase} {(int)response.StatusCode} {error.RootElement.GetProperty("error").Text("code")}");
                    await Task.Delay(100);
                }
            }
        })).ToArray();

        await Task.Delay(1500);
        await postgres.StopAsync();
        phase = "down";
        await Task.Delay(3000);
        await postgres.StartAsync();
        phase = "after";
        var back = Stopwatch.StartNew();
        while (!outcomes.Any(o => o == "after 200"))
        {
            Assert.True(back.Elapsed < TimeSpan.FromSeconds(30), "no charge succeeded within 30 s of PostgreSQL returning");
            await Task.Delay(200);
        }

        await Task.Delay(1000);
        await stop.CancelAsync();
        await Task.WhenAll(traffic);

        Assert.False(api.HasExited);
        Assert.Contains(outcomes, o => o == "before 200");
        Assert.Contains(outcomes, o => o == "down 503 5003");
        Assert.All(outcomes, o => Assert.True(o.EndsWith(" 200", StringComparison.Ordinal) || o.EndsWith(" 503 5003", StringComparison.Ordinal), o));

        // Every approved answer is in the database; the sweep leaves nothing pending; every key has at most one charge.
        foreach (var (_, chargeId) in approved)
        {
            Assert.Equal(1L, await backends.CountAsync($"SELECT count(*) FROM charges WHERE id = '{chargeId}' AND status = 'approved'"));
        }

        var deadline = Stopwatch.StartNew();
        while (await backends.CountAsync("SELECT count(*) FROM charges WHERE status = 'pending'") > 0)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), "a charge stayed pending");
            await Task.Delay(500);
        }

        Assert.Equal(0L, await backends.CountAsync("SELECT count(*) FROM (SELECT idempotency_key FROM charges GROUP BY idempotency_key HAVING count(*) > 1) d"));
    }
}
