using StackExchange.Redis;
using VioPay.Api.Infrastructure.Redis;
using VioPay.Api.Infrastructure.Security;

namespace VioPay.Api.Pos;

/// <summary>
/// What an attestation token grants: its device, the identity key it was minted with, and its Redis key. A token that a
/// revocation or suspension ended is found but not <see cref="Live"/>: it grants nothing.
/// </summary>
public sealed record AttestationGrant(RedisKey Key, string DeviceId, string IdentityKeyId, bool Live);

/// <summary>
/// Attestation tokens in Redis, bound to their device, stored under a keyed hash (never in clear). Each token records the
/// device's token generation when it was minted; revoking an identity key or suspending the device moves the generation
/// on (<see cref="EndDeviceTokensAsync"/>), which ends every token minted before, on every instance at once: a check is a
/// Redis read, never process memory.
/// </summary>
public sealed class AttestationTokens(IConnectionMultiplexer redis, RedisKeys keys, SecretHashing hashing)
{
    /// <summary>How many times one token may fetch a key set (<c>POST /pos/keys</c>).</summary>
    public const int MaxKeyFetches = 3;

    // Far longer than any token lives (at most an hour), so a generation key that expires can only end tokens, never
    // revive one: every token minted before the last move is long gone by then.
    private static readonly TimeSpan GenerationLifetime = TimeSpan.FromDays(2);

    // Counts on the token's own hash, so the count dies with the token; a token that expired meanwhile is not revived.
    private static readonly LuaScript CountFetchScript = LuaScript.Prepare("""
        if redis.call('EXISTS', @key) == 0 then return -1 end
        return redis.call('HINCRBY', @key, 'key_fetches', 1)
        """);

    /// <summary>
    /// The device's current token generation. Attest reads it before it reads the identity key and the device's state
    /// from PostgreSQL, so a revocation or suspension committed after that read always ends the token it mints.
    /// </summary>
    public async Task<long> GenerationAsync(string deviceId)
    {
        var value = await redis.GetDatabase().StringGetAsync(GenerationKey(deviceId));
        return value.HasValue ? (long)value : 0;
    }

    public async Task SaveAsync(string token, string deviceId, string identityKeyId, long generation, TimeSpan lifetime)
    {
        var key = Key(token);
        var transaction = redis.GetDatabase().CreateTransaction();
        _ = transaction.HashSetAsync(key,
        [
            new HashEntry("device", deviceId), new HashEntry("identity_key", identityKeyId),
            new HashEntry("generation", generation), new HashEntry("key_fetches", 0),
        ]);
        _ = transaction.KeyExpireAsync(key, lifetime);
        await transaction.ExecuteAsync();
    }

    /// <summary>The token's grant (live only while of the device's current generation), or null when unknown or expired.</summary>
    public async Task<AttestationGrant?> FindAsync(string token)
    {
        var db = redis.GetDatabase();
        var key = Key(token);
        var fields = await db.HashGetAsync(key, ["device", "identity_key", "generation"]);
        if (fields.Any(f => !f.HasValue))
        {
            return null;
        }

        var deviceId = fields[0].ToString();
        var live = (long)fields[2] == await GenerationAsync(deviceId);
        return new AttestationGrant(key, deviceId, fields[1].ToString(), live);
    }

    /// <summary>Counts one key fetch against the token; false once it has fetched <see cref="MaxKeyFetches"/> times (or is gone).</summary>
    public async Task<bool> TryCountKeyFetchAsync(AttestationGrant grant)
    {
        var count = (long)await redis.GetDatabase().ScriptEvaluateAsync(CountFetchScript, new { key = grant.Key });
        return count is > 0 and <= MaxKeyFetches;
    }

    /// <summary>Ends every attestation token of the device minted so far, on every instance.</summary>
    public async Task EndDeviceTokensAsync(string deviceId)
    {
        var db = redis.GetDatabase();
        var key = GenerationKey(deviceId);
        var transaction = db.CreateTransaction();
        _ = transaction.StringIncrementAsync(key);
        _ = transaction.KeyExpireAsync(key, GenerationLifetime);
        await transaction.ExecuteAsync();
    }

    // "att-h", not the "att" of the earlier string-valued tokens: during a rolling deploy an old token is simply unknown
    // here (401, the device attests again) instead of a WRONGTYPE error.
    private RedisKey Key(string token) => keys.For("att-h", hashing.TokenIndex(token));

    private RedisKey GenerationKey(string deviceId) => keys.For("att-gen", deviceId);
}
