using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using VioPay.Api.Backoffice;
using VioPay.Api.Events;
using VioPay.Api.Infrastructure;
using VioPay.Api.Infrastructure.Persistence;

namespace VioPay.Api.Fleet;

/// <summary>
/// Runs on every instance, every <see cref="PosOptions.OfflineSweepSeconds"/>: marks the devices whose last heartbeat is
/// older than three intervals as offline and raises <c>device.offline</c> for each, in the same transaction. The mark is
/// a conditional UPDATE over rows taken with <c>FOR UPDATE SKIP LOCKED</c>, so however many instances sweep at once,
/// each device is marked, and its event raised, exactly once.
/// </summary>
public sealed class OfflineSweep(IServiceScopeFactory scopes, IOptions<PosOptions> options, ILogger<OfflineSweep> logger) : BackgroundService
{
    private const int BatchSize = 200;

    private const string MarkSql = """
        UPDATE device_presence SET offline_at = @now
        WHERE device_id IN (
            SELECT device_id FROM device_presence
            WHERE offline_at IS NULL AND last_seen_at < @online_since
            ORDER BY last_seen_at
            LIMIT @batch
            FOR UPDATE SKIP LOCKED)
          AND offline_at IS NULL AND last_seen_at < @online_since
        RETURNING device_id AS "Value"
        """;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.OfflineSweepSeconds));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (Infrastructure.Errors.ApiExceptionHandler.IsDependencyFailure(e))
            {
                logger.LogWarning("Offline sweep skipped a round: {Reason}", e.GetType().Name);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // A background service that throws stops the host; one bad round must not.
                logger.LogError(e, "Offline sweep round failed; the next round runs as usual");
            }
        }
    }

    /// <summary>Marks every device that went quiet, a batch per transaction; answers how many this call marked. Tests call it.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var total = 0;
        while (true)
        {
            var marked = await MarkBatchAsync(cancellationToken);
            total += marked;
            if (marked < BatchSize)
            {
                return total;
            }
        }
    }

    private async Task<int> MarkBatchAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<VioPayDbContext>();
        var connectivity = services.GetRequiredService<Connectivity>();
        var time = services.GetRequiredService<TimeProvider>();
        var now = connectivity.Now;

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var ids = await db.Database.SqlQueryRaw<string>(MarkSql,
            new NpgsqlParameter("now", now),
            new NpgsqlParameter("online_since", connectivity.OnlineSince(now)),
            new NpgsqlParameter("batch", BatchSize)).ToListAsync(cancellationToken);
        if (ids.Count == 0)
        {
            return 0;
        }

        // Read in the same transaction, so each view shows the device as this sweep leaves it (offline).
        var views = await services.GetRequiredService<DeviceViews>().ListAsync(db.Devices.Where(d => ids.Contains(d.Id)), cancellationToken);
        foreach (var view in views.Where(v => v.MerchantId is not null))
        {
            EventOutbox.Raise(db, time, view.MerchantId!.Value, EventTypes.DeviceOffline, view);
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("Marked {Count} devices offline", ids.Count);
        return ids.Count;
    }
}
