using Microsoft.Extensions.Options;
using Npgsql;
using VioPay.Api.Payments;

namespace VioPay.Api.Infrastructure.Telemetry;

/// <summary>
/// Counts, every <see cref="TelemetryOptions.GaugeRefreshSeconds"/>, what is owed to the acquirer and the charges stuck
/// <c>pending</c> for more than a minute, and hands the figures to <see cref="VioPayMetrics"/>'s gauges. One statement
/// on two partial or leading-column indexes per refresh, whatever the scrape rate: a scrape only reads the last figures,
/// so nobody can turn <c>/metrics</c> into a query per request. Every instance counts the same rows, so dashboards
/// take the <c>max</c> over instances, not the sum.
/// </summary>
public sealed class MoneyAtRiskGauges(NpgsqlDataSource dataSource, VioPayMetrics metrics, IOptions<TelemetryOptions> options,
    TimeProvider time, ILogger<MoneyAtRiskGauges> logger) : BackgroundService
{
    /// <summary>A pending charge older than this is stuck (the sweep itself waits <c>Payments:PendingSweepAfterSeconds</c>).</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(1);

    private const string Count = """
        SELECT count(*) FILTER (WHERE kind = 'reversal'), count(*) FILTER (WHERE kind = 'void'), count(*) FILTER (WHERE kind = 'release'),
            (SELECT count(*) FROM charges WHERE status = 'pending' AND created_at < @cutoff)
        FROM acquirer_reversals WHERE acknowledged_at IS NULL
        """;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.GaugeRefreshSeconds));
        do
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // The gauges keep their last figures; the database being down shows on /health/ready and in the logs.
                logger.LogWarning("Money-at-risk gauges not refreshed: {Reason}", e.GetType().Name);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One refresh; tests call it to avoid waiting for the timer.</summary>
    public async Task<MoneyAtRisk> RefreshAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(Count);
        command.Parameters.AddWithValue("cutoff", time.GetUtcNow() - StaleAfter);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var atRisk = new MoneyAtRisk(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
        metrics.Update(atRisk);
        return atRisk;
    }
}
