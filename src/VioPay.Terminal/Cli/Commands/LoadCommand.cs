using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using VioPay.Terminal.Portal;

namespace VioPay.Terminal.Cli.Commands;

/// <summary>
/// <c>viopay-terminal load</c>: activates N terminals, drives a realistic mix of charges, refunds and cancels for S
/// seconds from C concurrent workers, reports throughput and latency, then reconciles every answer it got against
/// what the merchant's charge list holds. Any lost or duplicated charge, or any 5xx, fails the run (exit 2).
/// </summary>
internal sealed class LoadCommand(CliContext cli)
{
    private static readonly string[] ApprovedCards = ["4111111111111111", "5555555555554444", "378282246310005", "6011111111111117", "2221000000000009"];

    private readonly Option<int> _terminals = new("--terminals") { Description = "Terminals to activate and charge from.", DefaultValueFactory = _ => 32 };
    private readonly Option<int> _duration = new("--duration") { Description = "Seconds of charge traffic.", DefaultValueFactory = _ => 60 };
    private readonly Option<int> _warmup = new("--warmup")
    {
        Description = "Seconds of the same traffic before the measured --duration (JIT, pools and caches warm up); reconciled, not measured.",
        DefaultValueFactory = _ => 0,
    };
    private readonly Option<int> _concurrency = new("--concurrency") { Description = "Concurrent requests in flight (default: one per terminal)." };
    private readonly Option<string?> _postgres = new("--postgres")
    {
        Description = "Npgsql connection string of the API's database: runs the same-concurrency pgbench single-row insert baseline " +
            "(needs pgbench and psql on PATH). Default $VIOPAY_LOAD_POSTGRES.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("VIOPAY_LOAD_POSTGRES"),
    };

    public Command Build()
    {
        var command = new Command("load",
            "Load test: activate --terminals terminals, then charge (90% approved, declines, refunds, cancels) for --duration seconds; " +
            "print throughput, p50/p95/p99/max latency and errors by code, reconcile against the merchant's charges, and compare with pgbench.");
        command.Options.Add(_terminals);
        command.Options.Add(_duration);
        command.Options.Add(_concurrency);
        command.Options.Add(_warmup);
        command.Options.Add(_postgres);
        cli.AddCredentials(command);
        command.SetAction((result, ct) => cli.Guarded(result, output => RunAsync(result, output, ct)));
        return command;
    }

    /// <summary>Charges, declines, refunds and cancels from <paramref name="concurrency"/> workers for <paramref name="duration"/>.</summary>
    private async Task<TimeSpan> TrafficAsync(PosTerminal[] terminals, int concurrency, TimeSpan duration, ConcurrentBag<Operation> log,
        List<string>[] open, ConcurrentDictionary<string, SeenCharge> seen, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            var terminal = terminals[w % terminals.Length];
            var random = new Random(unchecked(w * 7919 + Environment.TickCount));
            while (deadline.Elapsed < duration && !ct.IsCancellationRequested)
            {
                var roll = random.NextDouble();
                var kind = roll < 0.90 || open[w].Count == 0 ? "charge" : roll < 0.95 ? "decline" : roll < 0.975 ? "refund" : "cancel";
                log.Add(await OneAsync(terminal, kind, random, open[w], seen, ct));
            }
        }, ct)).ToArray();
        await Task.WhenAll(workers);
        return deadline.Elapsed;
    }

    private async Task RunAsync(ParseResult result, CliOutput output, CancellationToken ct)
    {
        var terminalCount = Math.Max(1, result.GetValue(_terminals));
        var duration = TimeSpan.FromSeconds(Math.Max(1, result.GetValue(_duration)));
        var concurrency = result.GetValue(_concurrency) is > 0 and var c ? c : terminalCount;
        using var http = cli.Http(result);
        http.Timeout = TimeSpan.FromSeconds(30);
        var portal = await cli.PortalAsync(result, http, ct);

        // Activation: provisioning and the claim are the merchant's, the 8 POS requests the terminal's.
        var activation = Stopwatch.StartNew();
        var terminals = new PosTerminal[terminalCount];
        try
        {
            await ActivateAllAsync(terminals, portal, http, concurrency, ct);
        }
        catch (PosApiException e) when (e.Code == "4029")
        {
            throw new CliException("claims are rate-limited (RateLimits:ClaimsPerMerchantPerMinute, default 30, and ClaimsPerIpPerMinute, " +
                "default 60): run the API with higher limits for a load test, as scripts/bench does.");
        }

        activation.Stop();
        var activationRate = terminalCount / activation.Elapsed.TotalSeconds;
        output.Step(new("Activation", [("terminals", $"{terminalCount}"), ("seconds", $"{activation.Elapsed.TotalSeconds:F2}"),
            ("devices_per_second", $"{activationRate:F1}")]));

        var seen = new ConcurrentDictionary<string, SeenCharge>();
        var open = Enumerable.Range(0, concurrency).Select(_ => new List<string>()).ToArray();
        var warmup = TimeSpan.FromSeconds(Math.Max(0, result.GetValue(_warmup)));
        var warm = new ConcurrentBag<Operation>();
        if (warmup > TimeSpan.Zero)
        {
            await TrafficAsync(terminals, concurrency, warmup, warm, open, seen, ct);
            output.Step(new("Warm-up", [("seconds", $"{warmup.TotalSeconds:F0}"), ("operations", $"{warm.Count}")]));
        }

        var log = new ConcurrentBag<Operation>();
        var elapsed = await TrafficAsync(terminals, concurrency, duration, log, open, seen, ct);

        var ops = log.ToList();
        var charges = ops.Count(o => o.Kind is "charge" or "decline" && o.Error is null);
        var errors = ops.Where(o => o.Error is not null).GroupBy(o => o.Error!).ToDictionary(g => g.Key, g => g.Count());
        var latencies = ops.Select(o => o.Milliseconds).Order().ToArray();
        var report = new LoadReport
        {
            Terminals = terminalCount,
            Concurrency = concurrency,
            DurationSeconds = Math.Round(elapsed.TotalSeconds, 2),
            ActivationDevicesPerSecond = Math.Round(activationRate, 1),
            Operations = ops.Count,
            OperationsPerSecond = Math.Round(ops.Count / elapsed.TotalSeconds, 1),
            ChargesPerSecond = Math.Round(charges / elapsed.TotalSeconds, 1),
            ByKind = ops.GroupBy(o => o.Kind).ToDictionary(g => g.Key, g => g.Count()),
            LatencyMs = Percentiles(latencies),
            ChargeLatencyMs = Percentiles(ops.Where(o => o.Kind == "charge").Select(o => o.Milliseconds).Order().ToArray()),
            Errors = errors,
        };
        output.Step(new("Traffic", [("operations", $"{report.Operations}"), ("operations_per_second", $"{report.OperationsPerSecond}"),
            ("charges_per_second", $"{report.ChargesPerSecond}"), ("mix", string.Join(", ", report.ByKind.Select(k => $"{k.Key} {k.Value}"))),
            ("latency_ms", Format(report.LatencyMs)), ("charge_latency_ms", Format(report.ChargeLatencyMs)),
            ("errors", errors.Count == 0 ? "none" : string.Join(", ", errors.Select(e => $"{e.Key} ×{e.Value}")))]));

        // Reconciliation: what the terminals were told against what the merchant's charge list holds.
        // A fresh session: the first one may have expired during a long run.
        portal = await cli.PortalAsync(result, http, ct);
        var stored = new Dictionary<string, PortalCharge>();
        var terminalIds = terminals.Select(t => t.State.TerminalId!).ToHashSet();
        var storedCount = 0;
        await foreach (var charge in portal.ListChargesAsync(ct: ct))
        {
            if (terminalIds.Contains(charge.TerminalId))
            {
                storedCount++;
                stored[charge.ChargeId] = charge;
            }
        }

        var lost = seen.Values.Where(s => !stored.TryGetValue(s.ChargeId, out var row) || !Matches(s, row)).Select(s => s.ChargeId).ToList();
        var attempted = ops.Concat(warm).Count(o => o.Kind is "charge" or "decline");
        report.Reconciliation = new Reconciliation(seen.Count, storedCount, lost.Count, Math.Max(0, storedCount - attempted),
            stored.Keys.Count(id => !seen.ContainsKey(id)));
        output.Step(new("Reconciliation", [("answered_charges", $"{seen.Count}"), ("stored_charges", $"{storedCount}"),
            ("lost_or_different", $"{lost.Count}"), ("duplicates", $"{report.Reconciliation.Duplicates}"),
            ("stored_without_answer", $"{report.Reconciliation.StoredWithoutAnswer}")]));

        if (result.GetValue(_postgres) is { Length: > 0 } postgres)
        {
            report.Pgbench = await Pgbench.RunAsync(postgres, concurrency, ct);
            report.ChargesPerPgbenchTps = report.Pgbench is { Tps: > 0 } p ? Math.Round(report.ChargesPerSecond / p.Tps, 3) : null;
            output.Step(new("pgbench baseline (single-row INSERT, same concurrency)", report.Pgbench is { } pg
                ? [("tps", $"{pg.Tps:F0}"), ("clients", $"{pg.Clients}"), ("charges_per_pgbench_tps", $"{report.ChargesPerPgbenchTps}")]
                : [("skipped", "pgbench or psql is not on PATH")]));
        }

        output.Finish(report);
        var fivexx = errors.Keys.Count(k => k.StartsWith('5') || k == "transport");
        if (lost.Count > 0 || report.Reconciliation.Duplicates > 0 || fivexx > 0)
        {
            throw new CliException($"load test failed: {lost.Count} lost or different, {report.Reconciliation.Duplicates} duplicated, " +
                $"{errors.Where(e => e.Key.StartsWith('5') || e.Key == "transport").Sum(e => e.Value)} server errors");
        }
    }

    private static Task ActivateAllAsync(PosTerminal[] terminals, MerchantPortal portal, HttpClient http, int concurrency, CancellationToken ct) =>
        Parallel.ForEachAsync(Enumerable.Range(0, terminals.Length),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Min(concurrency, 16), CancellationToken = ct },
            async (i, token) =>
            {
                var device = await portal.ProvisionDeviceAsync($"Load {i}", "PAX-A920", token);
                var terminal = new PosTerminal(http, device.ToState());
                await Flows.ActivateAsync(terminal, portal, _ => { }, token);
                terminals[i] = terminal;
            });

    private static async Task<Operation> OneAsync(PosTerminal terminal, string kind, Random random, List<string> open,
        ConcurrentDictionary<string, SeenCharge> seen, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            switch (kind)
            {
                case "charge":
                case "decline":
                    var pan = kind == "decline" ? "4000000000000002" : ApprovedCards[random.Next(ApprovedCards.Length)];
                    var amount = random.Next(100, 20_000).ToString(CultureInfo.InvariantCulture);
                    var charge = await terminal.ChargeAsync(ChargeRequest.Create(pan, DateTime.UtcNow.Year + 2, 12, amount, "EUR",
                        random.Next(0, 1_000_000).ToString("D6", CultureInfo.InvariantCulture)), Guid.NewGuid().ToString(), ct);
                    seen[charge.ChargeId] = new SeenCharge(charge.ChargeId, charge.Status, long.Parse(charge.Amount.Value, CultureInfo.InvariantCulture));
                    if (charge.Status == "approved")
                    {
                        open.Add(charge.ChargeId);
                    }

                    break;
                case "refund":
                    var refunded = open[^1];
                    open.RemoveAt(open.Count - 1);
                    var part = Math.Max(1, seen[refunded].Amount / 2);
                    await terminal.RefundAsync(refunded, part.ToString(CultureInfo.InvariantCulture), "EUR", "load", Guid.NewGuid().ToString(), ct);
                    seen[refunded] = seen[refunded] with { Refunded = part };
                    break;
                default:
                    var cancelled = open[^1];
                    open.RemoveAt(open.Count - 1);
                    await terminal.CancelAsync(cancelled, ct);
                    seen[cancelled] = seen[cancelled] with { Status = "cancelled" };
                    break;
            }

            return new Operation(kind, watch.Elapsed.TotalMilliseconds, null);
        }
        catch (PosApiException e)
        {
            return new Operation(kind, watch.Elapsed.TotalMilliseconds, $"{e.StatusCode} {e.Code}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return new Operation(kind, watch.Elapsed.TotalMilliseconds, "transport");
        }
    }

    private static bool Matches(SeenCharge seen, PortalCharge row) =>
        row.Status == seen.Status && long.Parse(row.RefundedAmount.Value, CultureInfo.InvariantCulture) == seen.Refunded &&
        long.Parse(row.Amount.Value, CultureInfo.InvariantCulture) == seen.Amount;

    /// <summary>Nearest-rank percentiles of an ascending array.</summary>
    private static LatencySummary Percentiles(double[] sorted)
    {
        if (sorted.Length == 0)
        {
            return new LatencySummary(0, 0, 0, 0);
        }

        return new LatencySummary(At(0.50), At(0.95), At(0.99), Math.Round(sorted[^1], 2));

        double At(double q) => Math.Round(sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)], 2);
    }

    private static string Format(LatencySummary l) => $"p50 {l.P50}  p95 {l.P95}  p99 {l.P99}  max {l.Max}";

    private sealed record Operation(string Kind, double Milliseconds, string? Error);

    private sealed record SeenCharge(string ChargeId, string Status, long Amount, long Refunded = 0);
}

public sealed record LatencySummary(double P50, double P95, double P99, double Max);

public sealed record Reconciliation(int AnsweredCharges, int StoredCharges, int LostOrDifferent, int Duplicates, int StoredWithoutAnswer);

public sealed class LoadReport
{
    public int Terminals { get; init; }
    public int Concurrency { get; init; }
    public double DurationSeconds { get; init; }
    public double ActivationDevicesPerSecond { get; init; }
    public int Operations { get; init; }
    public double OperationsPerSecond { get; init; }
    public double ChargesPerSecond { get; init; }
    public required Dictionary<string, int> ByKind { get; init; }
    public required LatencySummary LatencyMs { get; init; }
    public required LatencySummary ChargeLatencyMs { get; init; }
    public required Dictionary<string, int> Errors { get; init; }
    public Reconciliation? Reconciliation { get; set; }
    public PgbenchResult? Pgbench { get; set; }
    public double? ChargesPerPgbenchTps { get; set; }
}
