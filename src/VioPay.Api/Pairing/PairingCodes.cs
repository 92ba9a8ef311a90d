using Microsoft.Extensions.Options;
using StackExchange.Redis;
using VioPay.Api.Infrastructure;
using VioPay.Api.Infrastructure.Redis;
using VioPay.Api.Infrastructure.Security;
using VioPay.Crypto;

namespace VioPay.Api.Pairing;

public enum PairingCheck
{
    /// <summary>No code was ever issued to the device (or its record has long expired).</summary>
    NoneIssued,

    /// <summary>The offered code is the device's live code.</summary>
    Match,

    /// <summary>The offered code is not the device's live code; one wrong attempt was counted.</summary>
    Wrong,

    /// <summary>The device's code expired or died after too many wrong attempts.</summary>
    ExpiredOrDead,
}

/// <summary>
/// Pairing codes in Redis, one live code per device. The record outlives the code (a day) so that
/// a claim can tell "expired" (410) from "never issued" (404). Only a keyed hash of the code is
/// stored; the check and the attempt count are one Lua script, so parallel wrong guesses on
/// several instances can never get more than the allowed number of tries.
/// </summary>
public sealed class PairingCodes(IConnectionMultiplexer redis, RedisKeys keys, SecretHashing hashing,
    IOptions<PosOptions> options, TimeProvider time)
{
    private static readonly TimeSpan RecordLifetime = TimeSpan.FromDays(1);

    private static readonly LuaScript CheckScript = LuaScript.Prepare("""
        if redis.call('EXISTS', @key) == 0 then return 'none' end
        local f = redis.call('HMGET', @key, 'hash', 'expires', 'attempts')
        local attempts = tonumber(f[3])
        if attempts >= tonumber(@maxAttempts) or tonumber(@now) > tonumber(f[2]) then return 'dead' end
        if f[1] == @hash then return 'match' end
        redis.call('HINCRBY', @key, 'attempts', 1)
        return 'wrong'
        """);

    public sealed record Issued(string Code, int ExpiresInSeconds);

    public async Task<Issued> IssueAsync(string deviceId)
    {
        var code = SecureIds.NewPairingCode();
        var lifetime = options.Value.PairingCodeLifetimeSeconds;
        var expires = time.GetUtcNow().AddSeconds(lifetime).ToUnixTimeMilliseconds();
        var db = redis.GetDatabase();
        var key = Key(deviceId);
        // A new code replaces the old one and starts with a fresh attempt count.
        var transaction = db.CreateTransaction();
        _ = transaction.KeyDeleteAsync(key);
        _ = transaction.HashSetAsync(key,
        [
            new HashEntry("hash", hashing.PairingCode(deviceId, code)),
            new HashEntry("expires", expires),
            new HashEntry("attempts", 0),
        ]);
        _ = transaction.KeyExpireAsync(key, RecordLifetime);
        await transaction.ExecuteAsync();
        return new Issued(code, lifetime);
    }

    public async Task<PairingCheck> CheckAsync(string deviceId, string code)
    {
        var result = (string?)await redis.GetDatabase().ScriptEvaluateAsync(CheckScript, new
        {
            key = Key(deviceId),
            hash = hashing.PairingCode(deviceId, code.ToUpperInvariant()),
            now = time.GetUtcNow().ToUnixTimeMilliseconds(),
            maxAttempts = options.Value.PairingCodeMaxAttempts,
        });
        return result switch
        {
            "none" => PairingCheck.NoneIssued,
            "match" => PairingCheck.Match,
            "wrong" => PairingCheck.Wrong,
            _ => PairingCheck.ExpiredOrDead,
        };
    }

    /// <summary><c>pending</c>, <c>expired</c> or <c>none</c>, for <c>/pos/status</c>.</summary>
    public async Task<string> StatusAsync(string deviceId)
    {
        var fields = await redis.GetDatabase().HashGetAsync(Key(deviceId), ["expires", "attempts"]);
        if (fields[0].IsNull)
        {
            return "none";
        }

        return (long)fields[1] >= options.Value.PairingCodeMaxAttempts || time.GetUtcNow().ToUnixTimeMilliseconds() > (long)fields[0]
            ? "expired"
            : "pending";
    }

    public async Task ConsumeAsync(string deviceId) => await redis.GetDatabase().KeyDeleteAsync(Key(deviceId));

    private RedisKey Key(string deviceId) => keys.For("pairing", deviceId);
}
