using System.Diagnostics;
using System.Diagnostics.Metrics;
using VioPay.Api.Payments;

namespace VioPay.Api.Infrastructure.Telemetry;

/// <summary>
/// The business meters of the service (README, "Telemetry"). Every tag is a short value from a closed set (a status, a
/// decline code, a brand, a reason, a job name), never an id, an amount or a card number, so a series count stays
/// bounded and a recording allocates nothing (<see cref="TagList"/> keeps up to eight tags on the stack).
/// </summary>
public sealed class VioPayMetrics
{
    public const string MeterName = "VioPay.Api";

    private readonly Counter<long> _charges;
    private readonly Histogram<double> _acquirerDuration;
    private readonly Counter<long> _maintenanceItems;
    private readonly Counter<long> _maintenanceRounds;
    private readonly Counter<long> _authFailures;
    private readonly Counter<long> _rateLimited;
    private readonly Counter<long> _webhookDeliveries;

    // Written by MoneyAtRiskGauges, read by the collection callbacks: a scrape never runs a query.
    private MoneyAtRisk? _atRisk;

    public VioPayMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _charges = meter.CreateCounter<long>("viopay.charges", "{charge}",
            "Charges that reached an outcome (approved, declined, authorized), by status, decline code and card brand.");
        _acquirerDuration = meter.CreateHistogram("viopay.acquirer.duration", "s",
            "Round trip of each acquirer call, by operation and outcome.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        _maintenanceItems = meter.CreateCounter<long>("viopay.maintenance.items", "{item}",
            "What the payments maintenance loop handled, by job (swept_pending, holds_expired, holds_resumed, reversals_acknowledged, refunds_resolved, idempotency_purged).");
        _maintenanceRounds = meter.CreateCounter<long>("viopay.maintenance.rounds", "{round}",
            "Rounds of the payments maintenance loop, by outcome (ok, skipped: a dependency was down, failed).");
        _authFailures = meter.CreateCounter<long>("viopay.auth.failures", "{request}",
            "Requests answered 401, by reason.");
        _rateLimited = meter.CreateCounter<long>("viopay.rate_limited", "{request}",
            "Requests answered 429, by the limit that was reached.");
        _webhookDeliveries = meter.CreateCounter<long>("viopay.webhook.deliveries", "{attempt}",
            "Webhook delivery attempts, by outcome (delivered, retrying, failed: given up, cancelled: endpoint deleted).");
        meter.CreateObservableGauge("viopay.reversals.owed", ObserveOwed, "{reversal}",
            "Reversals, voids and releases owed to the acquirer and not acknowledged yet, by kind (all instances; refreshed periodically).");
        meter.CreateObservableGauge("viopay.charges.pending_stale", ObservePendingStale, "{charge}",
            "Charges still pending more than a minute after they were created (all instances; refreshed periodically).");
    }

    /// <summary>A charge reached its outcome: answered by the acquirer, declined by the server, or declined by the sweep.</summary>
    public void ChargeCompleted(Charge charge) =>
        _charges.Add(1, new TagList
        {
            { "status", charge.Status },
            { "decline_code", charge.DeclineCode ?? "none" },
            { "brand", charge.CardBrand },
        });

    public void WebhookDelivery(string outcome) => _webhookDeliveries.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void AcquirerCall(string acquirer, string operation, string outcome, TimeSpan elapsed) =>
        _acquirerDuration.Record(elapsed.TotalSeconds, new TagList
        {
            { "acquirer", acquirer },
            { "operation", operation },
            { "outcome", outcome },
        });

    public void MaintenanceRound(MaintenanceRound round)
    {
        _maintenanceRounds.Add(1, new KeyValuePair<string, object?>("outcome", "ok"));
        Add("swept_pending", round.Swept);
        Add("holds_expired", round.HoldsExpired);
        Add("holds_resumed", round.HoldOperationsResumed);
        Add("reversals_acknowledged", round.ReversalsAcknowledged);
        Add("refunds_resolved", round.RefundsResolved);
        Add("idempotency_purged", round.IdempotencyRecordsPurged);

        void Add(string job, int count)
        {
            if (count > 0)
            {
                _maintenanceItems.Add(count, new KeyValuePair<string, object?>("job", job));
            }
        }
    }

    /// <summary>A maintenance round that did not finish: <c>skipped</c> (a dependency was down) or <c>failed</c>.</summary>
    public void MaintenanceRoundFailed(string outcome) =>
        _maintenanceRounds.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void AuthFailed(string reason) => _authFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void RateLimited(string limit) => _rateLimited.Add(1, new KeyValuePair<string, object?>("reason", limit));

    /// <summary>The latest figures read from PostgreSQL; the gauges report them until the next refresh.</summary>
    public void Update(MoneyAtRisk atRisk) => Volatile.Write(ref _atRisk, atRisk);

    private IEnumerable<Measurement<long>> ObserveOwed()
    {
        if (Volatile.Read(ref _atRisk) is not { } atRisk)
        {
            return [];
        }

        return
        [
            new(atRisk.OwedReversals, new KeyValuePair<string, object?>("kind", AcquirerDebt.Reversal)),
            new(atRisk.OwedVoids, new KeyValuePair<string, object?>("kind", AcquirerDebt.Void)),
            new(atRisk.OwedReleases, new KeyValuePair<string, object?>("kind", AcquirerDebt.Release)),
        ];
    }

    private IEnumerable<Measurement<long>> ObservePendingStale() =>
        Volatile.Read(ref _atRisk) is { } atRisk ? [new Measurement<long>(atRisk.PendingStale)] : [];
}

/// <summary>What the acquirer is owed and what is stuck, as counted by the last refresh.</summary>
public sealed record MoneyAtRisk(long OwedReversals, long OwedVoids, long OwedReleases, long PendingStale);
