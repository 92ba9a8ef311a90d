using StackExchange.Redis;

namespace VioPay.Api.Infrastructure.Redis;

/// <summary>
/// Single-use nonces shared by every instance. A nonce is claimed with SET NX, so of two racing
/// requests carrying the same nonce exactly one wins; when Redis is down the claim throws and
/// the request fails closed (503), it is never let through unchecked.
/// </summary>
public sealed class NonceStore(IConnectionMultiplexer redis, RedisKeys keys)
{
    public async Task<bool> TryUseAsync(string scope, string owner, string nonce, TimeSpan lifetime) =>
        await redis.GetDatabase().StringSetAsync(Key(keys, scope, owner, nonce), 1, lifetime, When.NotExists);

    /// <summary>The nonce's record: one key per nonce, so a cluster spreads one terminal's nonces over every master.</summary>
    public static RedisKey Key(RedisKeys keys, string scope, string owner, string nonce) => keys.For("nonce:" + scope, owner + ":" + nonce);
}
