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
/// A change that matters to the charge path (suspend, resume, identity key revoked, activation and key rotation) calls
/// <see cref="InvalidateAsync"/> after its commit: this instance forgets the device at once, and every other instance
/// when the Redis pub/sub message arrives. Whether messages do arrive is checked end to end, not inferred from
/// connection events: every instance publishes a heartbeat on the same channel every 250 ms and keeps entries only
/// while it has heard its own within the last 750 ms. A lost subscription, a dead socket or a failed re-subscribe
/// therefore stops caching within 750 ms, and the cache starts over when the heartbeat is heard again, so a missed
/// message cannot leave a stale entry behind. A failed Redis connection also stops it at once: on a Redis Cluster the
/// subscription moves to another node faster than 750 ms when its node dies. Key set expiry needs no message: the entry carries <c>expires_at</c> and
/// it is judged on every request. Unknown terminals are never kept.
/// </para>
/// </summary>
public sealed class TerminalDirectory : IHostedService
{
    /// <summary>Past this many entries the cache starts over (a fleet larger than one instance should hold).</summary>
    private const int MaxEntries = 200_000;

    private const int HeartbeatMilliseconds = 250;

    /// <summary>Entries are kept only while this instance's own heartbeat came back this recently.</summary>
    private const int LivenessMilliseconds = 750;

    private const string HeartbeatPrefix = "heartbeat:";

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
    private readonly string _heartbeat = HeartbeatPrefix + Guid.NewGuid().ToString("N");
    private readonly CancellationTokenSource _stopping = new();
    private Task _beating = Task.CompletedTask;
    private long _epoch;
    private long _heardAt = long.MinValue / 2;
    private bool _subscribed;

    public TerminalDirectory(IConnectionMultiplexer redis, RedisKeys keys, IOptions<PaymentOptions> options, ILogger<TerminalDirectory> logger)
    {
        _redis = redis;
        _channel = RedisChannel.Literal(keys.Prefix + "terminal-changed");
        _lifetimeMs = options.Value.TerminalCacheSeconds * 1000L;
        _logger = logger;
    }

    /// <summary>Whether entries are kept now: caching is on and this instance's own heartbeat came back just now.</summary>
    public bool Caching => _lifetimeMs > 0 && Environment.TickCount64 - Interlocked.Read(ref _heardAt) < LivenessMilliseconds;

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
    /// Forgets the device here at once and tells every other instance. Call it after the change is committed. A publish
    /// that fails throws (the request answers 503 and is retried; every caller invalidates again on a repeat), because
    /// another instance may still hear Redis when this one cannot.
    /// </summary>
    public async Task InvalidateAsync(string deviceId)
    {
        Forget(deviceId);
        if (_lifetimeMs > 0)
        {
            await _redis.GetSubscriber().PublishAsync(_channel, deviceId);
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

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_lifetimeMs > 0)
        {
            _redis.ConnectionFailed += OnConnectionFailed;
            _beating = Task.Run(() => BeatAsync(_stopping.Token), CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    /// <summary>Subscribes (again, until it holds) and publishes this instance's heartbeat every 250 ms.</summary>
    private async Task BeatAsync(CancellationToken stopping)
    {
        var subscriber = _redis.GetSubscriber();
        var warned = false;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                if (!_subscribed)
                {
                    await subscriber.SubscribeAsync(_channel, (_, message) => OnMessage(message));
                    _subscribed = true;
                }

                await subscriber.PublishAsync(_channel, _heartbeat);
                warned = false;
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                if (!warned)
                {
                    // Caching stops by itself: no heartbeat comes back.
                    _logger.LogWarning("Terminal cache off until Redis answers: {Reason}", e.Message);
                    warned = true;
                }
            }

            try
            {
                await Task.Delay(HeartbeatMilliseconds, stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// A lost connection may have carried the subscription. On a Redis Cluster the client subscribes again through another
    /// node at once, so the heartbeat can come back within <see cref="LivenessMilliseconds"/> while a message published
    /// in between was missed: stop caching now and start over when the heartbeat is heard again. (A connection event only
    /// ever stops the cache; only the heartbeat starts it.)
    /// </summary>
    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        Interlocked.Exchange(ref _heardAt, long.MinValue / 2);
        Forget(null);
    }

    private void OnMessage(RedisValue message)
    {
        var text = message.HasValue ? message.ToString() : null;
        if (text is not null && text.StartsWith(HeartbeatPrefix, StringComparison.Ordinal))
        {
            if (text == _heartbeat)
            {
                var now = Environment.TickCount64;
                // Deaf for a while: messages may have been missed meanwhile, so start over before caching again.
                if (now - Interlocked.Read(ref _heardAt) >= LivenessMilliseconds)
                {
                    Forget(null);
                }

                Interlocked.Exchange(ref _heardAt, now);
            }

            return;
        }

        Forget(text);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _redis.ConnectionFailed -= OnConnectionFailed;
        await _stopping.CancelAsync();
        await _beating;
        Interlocked.Exchange(ref _heardAt, long.MinValue / 2);
    }

    private sealed record Entry(PosTerminalContext Terminal, long ExpiresAt);
}
