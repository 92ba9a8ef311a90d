using System.Diagnostics;
using System.Net;
using System.Text.Json;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Reliability;

/// <summary>
/// PROTOCOL §11.4, §11.10 with a real process: an instance killed while its captures and refunds wait on the acquirer
/// (their intents committed, their outcomes not) leaves no double capture and no double refund; a new instance completes
/// every one, and every retry with its key answers that one outcome.
/// </summary>
public sealed class HoldProcessFaultTests
{
    private static readonly Dictionary<string, string> SlowAcquirerFastSweep = new()
    {
        ["Payments__PendingSweepAfterSeconds"] = "5",
        ["Payments__MaintenanceIntervalSeconds"] = "1",
        ["Payments__SimulatorLatencyMilliseconds"] = "1500",
    };

    private static readonly Dictionary<string, string> FastSweep = new()
    {
        ["Payments__PendingSweepAfterSeconds"] = "5",
        ["Payments__MaintenanceIntervalSeconds"] = "1",
    };

    [Fact]
    public async Task AnInstanceKilledBetweenTheAcquirerCallAndTheOutcomeLeavesNoDoubleCaptureOrRefund()
    {
        var backends = await SharedBackends.CreateAsync();
        try
        {
            TestTerminal terminal;
            string[] holds, finals;
            await using (var doomed = await ApiProcess.StartAsync(backends, SlowAcquirerFastSweep))
            {
                var fleet = TwoInstances.Over(backends, doomed, doomed);
                var portal = await fleet.PortalAsync();
                terminal = await fleet.TerminalAsync(portal);
                await terminal.PairAndClaimAsync(portal);
                await terminal.ActivateFullyAsync();
                holds = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => terminal.PreAuthorizedAsync("1000")));
                finals = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ => (await terminal.ChargeOkAsync()).Text("charge_id")));

                // Every capture and refund is sent; the process dies while the acquirer is still answering them.
                var inFlight = holds.Select(id => Send(doomed, terminal.CaptureRequest(id, tip: "100", idempotencyKey: "cap-" + id)))
                    .Concat(finals.Select(id => Send(doomed, terminal.RefundRequest(id, "500", idempotencyKey: "rf-" + id)))).ToArray();
                var deadline = Stopwatch.StartNew();
                while (await IntentsAsync(backends) < holds.Length + finals.Length && deadline.Elapsed < TimeSpan.FromSeconds(10))
                {
                    await Task.Delay(50);
                }

                Assert.True(await IntentsAsync(backends) > 0, "no capture or refund was waiting on the acquirer at the kill");
                await doomed.KillAsync();
                await Task.WhenAll(inFlight);
            }

            await using var revived = await ApiProcess.StartAsync(backends, FastSweep);
            var settle = Stopwatch.StartNew();
            while (await IntentsAsync(backends) > 0)
            {
                Assert.True(settle.Elapsed < TimeSpan.FromSeconds(60), "captures or refunds stayed unresolved after the sweep");
                await Task.Delay(500);
            }

            foreach (var id in holds)
            {
                var body = await OkAsync(terminal, revived, terminal.CaptureRequest(id, tip: "100", idempotencyKey: "cap-" + id));
                Assert.Equal(("approved", "1100", "100"), (body.Text("status"), body.Value("amount"), body.Value("tip_amount")));
                Assert.Equal(1, await backends.CountAsync(
                    $"SELECT count(*) FROM charges WHERE id = '{id}' AND status = 'approved' AND amount_minor = 1100 AND captured_at IS NOT NULL"));
                var second = await revived.Client.SendAsync(terminal.CaptureRequest(id, tip: "100"));
                Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
            }

            foreach (var id in finals)
            {
                var body = await OkAsync(terminal, revived, terminal.RefundRequest(id, "500", idempotencyKey: "rf-" + id));
                Assert.Equal("approved", body.Text("status"));
                Assert.Equal(1, await backends.CountAsync($"SELECT count(*) FROM refunds WHERE charge_id = '{id}'"));
                Assert.Equal(1, await backends.CountAsync($"SELECT count(*) FROM charges WHERE id = '{id}' AND refunded_minor = 500"));
            }
        }
        finally
        {
            await TestDependencies.DropDatabaseAsync(backends.Postgres);
        }
    }

    private static Task<long> IntentsAsync(SharedBackends backends) => backends.CountAsync(
        "SELECT (SELECT count(*) FROM charges WHERE pending_operation IS NOT NULL) + (SELECT count(*) FROM refunds WHERE status = 'pending')");

    private static async Task Send(ApiProcess api, HttpRequestMessage request)
    {
        try
        {
            await api.Client.SendAsync(request);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            // The process died under the request: exactly the case.
        }
    }

    private static async Task<JsonElement> OkAsync(TestTerminal terminal, ApiProcess api, HttpRequestMessage request)
    {
        var response = await api.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        using var envelope = JsonDocument.Parse(text);
        return terminal.Decrypt(envelope.RootElement);
    }
}
