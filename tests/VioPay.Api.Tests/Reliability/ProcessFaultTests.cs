using System.Diagnostics;
using System.Net;
using System.Text.Json;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Reliability;

/// <summary>Issue 6, faults of the API process itself: SIGKILL in the middle of a charge burst, and SIGTERM.</summary>
public sealed class ProcessFaultTests
{
    private static readonly Dictionary<string, string> FastSweep = new()
    {
        ["Payments__PendingSweepAfterSeconds"] = "5",
        ["Payments__MaintenanceIntervalSeconds"] = "1",
    };

    [Fact]
    public async Task AKilledInstanceLosesNoApprovedChargeLeavesNothingPendingAndRetriesNeverChargeTwice()
    {
        var backends = await SharedBackends.CreateAsync();
        try
        {
            TestTerminal terminal;
            var answers = new Dictionary<string, string?>();
            var json = new Dictionary<string, string>();
            await using (var doomed = await ApiProcess.StartAsync(backends, FastSweep))
            {
                var fleet = new TwoInstancesLike(backends, doomed);
                var portal = await fleet.PortalAsync();
                terminal = await fleet.TerminalAsync(portal);
                await terminal.PairAndClaimAsync(portal);
                await terminal.ActivateFullyAsync();

                // 200 charges, 16 at a time; the process is killed once the first 30 have been answered.
                var keys = Enumerable.Range(0, 200).Select(_ => Guid.NewGuid().ToString()).ToList();
                foreach (var key in keys)
                {
                    json[key] = terminal.ChargeJson(amount: $"{100 + (json.Count % 900)}");
                }

                var answered = 0;
                var killed = new TaskCompletionSource();
                var burst = Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (key, token) =>
                {
                    string? chargeId = null;
                    try
                    {
                        var response = await doomed.Client.SendAsync(terminal.ChargeRequest(json[key], key), token);
                        if (response.StatusCode == HttpStatusCode.OK)
                        {
                            using var envelope = JsonDocument.Parse(await response.Content.ReadAsStringAsync(token));
                            var charge = terminal.Decrypt(envelope.RootElement);
                            chargeId = charge.Text("status") == "approved" ? charge.Text("charge_id") : null;
                        }
                    }
                    catch (HttpRequestException)
                    {
                    }
                    catch (TaskCanceledException)
                    {
                    }

                    lock (answers)
                    {
                        answers[key] = chargeId;
                        if (chargeId is not null && ++answered == 30)
                        {
                            killed.TrySetResult();
                        }
                    }
                });
                await Task.WhenAny(killed.Task, burst);
                await doomed.KillAsync();
                await burst;
            }

            var approved = answers.Where(a => a.Value is not null).ToDictionary(a => a.Key, a => a.Value!);
            Assert.True(approved.Count >= 30, $"only {approved.Count} charges were answered before the kill");

            // A new instance: the sweep resolves whatever the dead one left pending.
            await using var revived = await ApiProcess.StartAsync(backends, FastSweep);
            var deadline = Stopwatch.StartNew();
            while (await backends.CountAsync("SELECT count(*) FROM charges WHERE status = 'pending'") > 0)
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), "charges stayed pending after the sweep");
                await Task.Delay(500);
            }

            // Every approved answer the client got is in the database, approved.
            foreach (var (_, chargeId) in approved)
            {
                Assert.Equal(1, await backends.CountAsync($"SELECT count(*) FROM charges WHERE id = '{chargeId}' AND status = 'approved'"));
            }

            // Retrying every key on the new instance gives each key's original outcome, and never a second charge.
            foreach (var (key, plaintext) in json)
            {
                var response = await revived.Client.SendAsync(terminal.ChargeRequest(plaintext, key));
                var text = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == HttpStatusCode.OK, text);
                using var envelope = JsonDocument.Parse(text);
                var body = terminal.Decrypt(envelope.RootElement);
                if (approved.TryGetValue(key, out var original))
                {
                    Assert.Equal(original, body.Text("charge_id"));
                }

                Assert.Equal(1, await backends.CountAsync($"SELECT count(*) FROM charges WHERE idempotency_key = '{key}'"));
            }

            Assert.Equal(json.Count, await backends.CountAsync("SELECT count(*) FROM charges"));
            Assert.Equal(0, await backends.CountAsync(
                "SELECT count(*) FROM charges c WHERE c.decline_code = 'processing_error' AND NOT EXISTS " +
                "(SELECT 1 FROM acquirer_reversals r WHERE r.charge_id = c.id)"));
        }
        finally
        {
            await TestDependencies.DropDatabaseAsync(backends.Postgres);
        }
    }

    [Fact]
    public async Task SigtermFinishesTheRequestsInFlightBeforeTheProcessExits()
    {
        var backends = await SharedBackends.CreateAsync();
        try
        {
            await using var api = await ApiProcess.StartAsync(backends, FastSweep);
            var fleet = new TwoInstancesLike(backends, api);
            var portal = await fleet.PortalAsync();
            var terminal = await fleet.TerminalAsync(portal);
            await terminal.PairAndClaimAsync(portal);
            await terminal.ActivateFullyAsync();

            // Open 24 connections first, then 24 charges at once on them; SIGTERM as soon as the first is answered.
            await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => api.Client.GetAsync("/health/live")));
            var requests = Enumerable.Range(0, 24).Select(_ => terminal.ChargeRequest(terminal.ChargeJson(), Guid.NewGuid().ToString())).ToList();
            var first = new TaskCompletionSource();
            var sends = requests.Select(async request =>
            {
                var response = await api.Client.SendAsync(request);
                first.TrySetResult();
                return response.StatusCode;
            }).ToList();
            await first.Task;
            var exit = api.TerminateAsync(TimeSpan.FromSeconds(60));

            var statuses = await Task.WhenAll(sends);
            Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
            Assert.Equal(0, await exit);
            Assert.Equal(24, await backends.CountAsync("SELECT count(*) FROM charges WHERE status = 'approved'"));
            Assert.Contains(api.Output, line => line.Contains("Application is shutting down", StringComparison.Ordinal));
        }
        finally
        {
            await TestDependencies.DropDatabaseAsync(backends.Postgres);
        }
    }

    /// <summary>The merchant and terminal set-up of <see cref="TwoInstances"/>, on one given instance.</summary>
    private sealed class TwoInstancesLike(SharedBackends backends, ApiProcess api)
    {
        private readonly TwoInstances _fleet = TwoInstances.Over(backends, api, api);

        public Task<HttpClient> PortalAsync() => _fleet.PortalAsync();

        public Task<TestTerminal> TerminalAsync(HttpClient portal) => _fleet.TerminalAsync(portal);
    }
}
