using StackExchange.Redis;
using VioPay.Api.Infrastructure.Errors;

namespace VioPay.Api.Infrastructure.Redis;

/// <summary>
/// Fixed-window counters in Redis, so every API instance counts against the same limit.
/// A limit that is reached answers 429 <c>4029</c> with <c>Retry-After</c> = the window's remaining seconds.
/// </summary>
public sealed class RateLimiter(IConnectionMultiplexer redis, RedisKeys keys)
{
    // INCR then set the expiry only on the first hit, atomically, so a window cannot lose its TTL.
    private static readonly LuaScript HitScript = LuaScript.Prepare("""
        local count = redis.call('INCR', @key)
        if count == 1 then redis.call('PEXPIRE', @key, @windowMs) end
        local ttl = redis.call('PTTL', @key)
        if ttl < 0 then redis.call('PEXPIRE', @key, @windowMs); ttl = tonumber(@windowMs) end
        return { count, ttl }
        """);

    /// <summary>Counts one hit; throws 429 when it goes over <paramref name="limit"/>.</summary>
    public async Task HitAsync(string kind, string id, int limit, TimeSpan window)
    {
        var (count, ttl) = await IncrementAsync(kind, id, window);
        if (count > limit)
        {
            throw ApiException.TooManyRequests(Seconds(ttl));
        }
    }

    /// <summary>Counts one failure without judging it (attest signature mismatches, bad client secrets).</summary>
    public async Task CountFailureAsync(string kind, string id, TimeSpan window) => await IncrementAsync(kind, id, window);

    /// <summary>Throws 429 when <paramref name="limit"/> failures have already been counted in the window.</summary>
    public async Task RequireUnderAsync(string kind, string id, int limit)
    {
        var db = redis.GetDatabase();
        var key = keys.For("rl:" + kind, id);
        var count = await db.StringGetAsync(key);
        if (count.HasValue && (long)count >= limit)
        {
            var ttl = await db.KeyTimeToLiveAsync(key);
            throw ApiException.TooManyRequests(Seconds((long)(ttl?.TotalMilliseconds ?? 1000)));
        }
    }

    private async Task<(long Count, long TtlMs)> IncrementAsync(string kind, string id, TimeSpan window)
    {
        var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(HitScript,
            new { key = keys.For("rl:" + kind, id), windowMs = (long)window.TotalMilliseconds }))!;
        return ((long)result[0], (long)result[1]);
    }

    private static int Seconds(long milliseconds) => (int)Math.Max(1, Math.Ceiling(milliseconds / 1000.0));
}
