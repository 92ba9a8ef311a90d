using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Infrastructure.Redis;
using VioPay.Api.Keys;

namespace VioPay.Api.Payments;

/// <summary>
/// The terminal and active key set behind a charge-family request, read from PostgreSQL and kept in this process for
/// <see cref="PaymentOptions.TerminalCacheSeconds"/> (the busiest look-up of the service, made once per request).
/// What is kept is the row as stored: the MAC key stays wrapped under the LMK and is unwrapped per request.
/// <para>
/// A change that matters to the charge path (suspend, resume, identity key revoked, claim, activation and key rotation)
/// calls <see cref="InvalidateAsync"/> after its commit: this instance forgets the device at once, and every other
/// instance within the Redis pub/sub delivery time. An instance that is not subscribed (Redis down, or the
/// subscription lost) keeps nothing and reads every request from the database, and forgets everything when it
/// subscribes again, so a missed message cannot leave a stale entry behind. Key set expiry needs no message: the
/// entry carries <c>expires_at</c> and it is judged on every request. Unknown terminals are never kept.
/// </para>
/// </summary>
public sealed class TerminalDirectory : IHostedService
{
    /// <summary>Past this many entries the cache starts over (a fleet larger than one instance should hold).</summary>
    private const int MaxEntries = 200_000;

    // Compiled once: the query skips EF's per-call expression work.
    private static readonly Func<VioPayDbContext, string, Task<PosTerminalContext?>> FindTerminal = EF.CompileAsyncQuery(
        (VioPayDbContext db, string terminalId) => (
                from d in db.Devices.AsNoTracking()
                join k in db.KeySets.AsNoTracking() on d.Id equals k.DeviceId
                where d.TerminalId == terminalId && k.Status == KeySetStatus.Active
                select new PosTerminalContext(d, k))
            .FirstOrDefault());

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly IConnectionMultiplexer _redis;
    private readonly RedisChannel _channel;
    private readonly long _lifetimeMs;
    private readonly ILogger<TerminalDirectory> _logger;
    private long _epoch;
    private volatile bool _listening;
    private volatile bool _subscribed;

    public TerminalDirectory(IConnectionMultiplexer redis, RedisKeys keys, IOptions<PaymentOptions> options, ILogger<TerminalDirectory> logger)
    {
        _redis = redis;
        _channel = RedisChannel.Literal(keys.Prefix + "terminal-changed");
        _lifetimeMs = options.Value.TerminalCacheSeconds * 1000L;
        _logger = logger;
    }

    /// <summary>Whether entries are kept now: caching is on and this instance hears every invalidation.</summary>
    public bool Caching => _listening && _lifetimeMs > 0;

    /// <summary>The terminal and its active key set, or null; <paramref name="services"/> gives the database on a miss.</summary>
    public async ValueTask<PosTerminalContext?> FindAsync(IServiceProvider services, string terminalId)
    {
        var now = Environment.TickCount64;
        if (Caching && _entries.TryGetValue(terminalId, out var entry) && entry.ExpiresAt > now)
        {
            return entry.Terminal;
        }

        var epoch = Interlocked.Read(ref _epoch);
        var found = await FindTerminal(services.GetRequiredService<VioPayDbContext>(), terminalId);
        if (found is not null && Caching)
        {
            lock (_gate)
            {
                // An invalidation heard while the row was being read may be about this very row: keep nothing then.
                if (Interlocked.Read(ref _epoch) == epoch)
                {
                    if (_entries.Count >= MaxEntries)
                    {
                        _entries.Clear();
                    }

                    _entries[terminalId] = new Entry(found, now + _lifetimeMs);
                }
            }
        }

        return found;
    }

    /// <summary>
    /// Forgets the device here at once and tells every other instance. Call it after the change is committed; a failed
    /// publish is logged (the other instances then hear nothing, but Redis being unreachable for them too means they
    /// are not subscribed and keep nothing).
    /// </summary>
    public async Task InvalidateAsync(string deviceId)
    {
        Forget(deviceId);
        try
        {
            await _redis.GetSubscriber().PublishAsync(_channel, deviceId);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            _logger.LogWarning("Could not publish the change of device {DeviceId} to other instances: {Reason}", deviceId, e.Message);
        }
    }

    private void Forget(string? deviceId)
    {
        lock (_gate)
        {
            Interlocked.Increment(ref _epoch);
            if (deviceId is null)
            {
                _entries.Clear();
                return;
            }

            foreach (var (terminalId, entry) in _entries)
            {
                if (entry.Terminal.Device.Id == deviceId)
                {
                    _entries.TryRemove(terminalId, out _);
                }
            }
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_lifetimeMs <= 0)
        {
            return;
        }

        _redis.ConnectionFailed += OnConnectionFailed;
        _redis.ConnectionRestored += OnConnectionRestored;
        await ListenAsync();
    }

    private async Task ListenAsync()
    {
        try
        {
            if (!_subscribed)
            {
                await _redis.GetSubscriber().SubscribeAsync(_channel, (_, message) => Forget(message.HasValue ? message.ToString() : null));
                _subscribed = true;
            }

            Forget(null);
            _listening = true;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // Tried again when the multiplexer reconnects (ConnectionRestored).
            _logger.LogWarning("Terminal cache off until Redis answers: {Reason}", e.Message);
        }
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType == ConnectionType.Subscription)
        {
            // Messages may be missed from now on: keep nothing until subscribed again.
            _listening = false;
            Forget(null);
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType == ConnectionType.Subscription)
        {
            // The multiplexer subscribes again after this event: start over now, and once more a moment later, so an
            // entry read before the subscription was back in place is not kept either.
            _ = Task.Run(async () =>
            {
                await ListenAsync();
                await Task.Delay(TimeSpan.FromSeconds(1));
                Forget(null);
            });
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _redis.ConnectionFailed -= OnConnectionFailed;
        _redis.ConnectionRestored -= OnConnectionRestored;
        _listening = false;
        return Task.CompletedTask;
    }

    private sealed record Entry(PosTerminalContext Terminal, long ExpiresAt);
}
