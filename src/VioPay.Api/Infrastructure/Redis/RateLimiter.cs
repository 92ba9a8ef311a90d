using StackExchange.Redis;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.Telemetry;

namespace VioPay.Api.Infrastructure.Redis;

/// <summary>
/// Fixed-window counters in Redis, so every API instance counts against the same limit.
/// A limit that is reached answers 429 <c>4029</c> with <c>Retry-After</c> = the window's remaining seconds, and counts
/// in <c>viopay.rate_limited</c> under the limit's kind (<c>claim-ip</c>, <c>attest-failures</c>…).
/// </summary>
public sealed class RateLimiter(IConnectionMultiplexer redis, RedisKeys keys, VioPayMetrics metrics)
{
    // INCR then set the expiry only on the first hit, atomically, so a window cannot lose its TTL.
    private static readonly LuaScript HitScript = LuaScript.Prepare("""
        local count = redis.call('INCR', @key)
        if count == 1 then redis.call('PEXPIRE', @key, @windowMs) end
        local ttl = redis.call('PTTL', @key)
        if ttl < 0 then redis.call('PEXPIRE', @key, @windowMs); ttl = tonumber(@windowMs) end
        return { count, ttl }
        """);

    // Takes a slot only while fewer than @limit are taken: the check and the count are one step, so a burst of
    // parallel attempts can never have more than @limit of them evaluated in a window. Answers {1, ttl} when a
    // slot was taken, {0, ttl} when the limit is reached.
    private static readonly LuaScript ReserveScript = LuaScript.Prepare("""
        local count = tonumber(redis.call('GET', @key) or '0')
        if count >= tonumber(@limit) then
          local ttl = redis.call('PTTL', @key)
          if ttl < 0 then redis.call('PEXPIRE', @key, @windowMs); ttl = tonumber(@windowMs) end
          return { 0, ttl }
        end
        count = redis.call('INCR', @key)
        if count == 1 then redis.call('PEXPIRE', @key, @windowMs) end
        local ttl = redis.call('PTTL', @key)
        if ttl < 0 then redis.call('PEXPIRE', @key, @windowMs); ttl = tonumber(@windowMs) end
        return { 1, ttl }
        """);

    // Gives a slot back; never creates the key (a window that ended meanwhile stays ended) and never goes below zero.
    private static readonly LuaScript ReleaseScript = LuaScript.Prepare("""
        local count = tonumber(redis.call('GET', @key) or '0')
        if count > 0 then redis.call('DECR', @key) end
        return count
        """);

    /// <summary>Counts one hit; throws 429 when it goes over <paramref name="limit"/>.</summary>
    public async Task HitAsync(string kind, string id, int limit, TimeSpan window)
    {
        var (count, ttl) = await IncrementAsync(kind, id, window);
        if (count > limit)
        {
            metrics.RateLimited(kind);
            throw ApiException.TooManyRequests(Seconds(ttl));
        }
    }

    /// <summary>
    /// Throws 429 when <paramref name="limit"/> failures have already been counted in the window. A cheap early answer
    /// for a locked-out caller; the limit itself is enforced by <see cref="ReserveFailureAsync"/>.
    /// </summary>
    public async Task RequireUnderAsync(string kind, string id, int limit)
    {
        var db = redis.GetDatabase();
        var key = keys.For("rl:" + kind, id);
        var count = await db.StringGetAsync(key);
        if (count.HasValue && (long)count >= limit)
        {
            var ttl = await db.KeyTimeToLiveAsync(key);
            metrics.RateLimited(kind);
            throw ApiException.TooManyRequests(Seconds((long)(ttl?.TotalMilliseconds ?? 1000)));
        }
    }

    /// <summary>
    /// Reserves one failure slot before an attempt is judged, atomically with the check (429 when none is left). The
    /// attempt keeps the slot when it fails (it is counted) and gives it back with <see cref="FailureSlot.ReleaseAsync"/>
    /// when it turns out valid, or when it ends for any reason that must not count.
    /// </summary>
    public async Task<FailureSlot> ReserveFailureAsync(string kind, string id, int limit, TimeSpan window)
    {
        var key = keys.For("rl:" + kind, id);
        var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(ReserveScript,
            new { key, limit, windowMs = (long)window.TotalMilliseconds }))!;
        if ((long)result[0] == 0)
        {
            metrics.RateLimited(kind);
            throw ApiException.TooManyRequests(Seconds((long)result[1]));
        }

        return new FailureSlot(this, key);
    }

    internal async Task ReleaseAsync(RedisKey key) =>
        await redis.GetDatabase().ScriptEvaluateAsync(ReleaseScript, new { key });

    private async Task<(long Count, long TtlMs)> IncrementAsync(string kind, string id, TimeSpan window)
    {
        var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(HitScript,
            new { key = keys.For("rl:" + kind, id), windowMs = (long)window.TotalMilliseconds }))!;
        return ((long)result[0], (long)result[1]);
    }

    private static int Seconds(long milliseconds) => (int)Math.Max(1, Math.Ceiling(milliseconds / 1000.0));
}

/// <summary>A failure slot taken by <see cref="RateLimiter.ReserveFailureAsync"/>: kept, it counts as a failure.</summary>
public sealed class FailureSlot(RateLimiter limiter, RedisKey key)
{
    private int _released;

    /// <summary>Gives the slot back (the attempt was valid, or ended before it could be judged). Only the first call counts.</summary>
    public async Task ReleaseAsync()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            await limiter.ReleaseAsync(key);
        }
    }
}
