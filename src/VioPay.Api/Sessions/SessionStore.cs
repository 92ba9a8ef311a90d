using System.Text.Json;
using StackExchange.Redis;
using VioPay.Api.Infrastructure.Redis;
using VioPay.Api.Infrastructure.Security;

namespace VioPay.Api.Sessions;

/// <summary>The context a Bearer token acts in (seed 000's session): who, for which merchant or reseller, through which channel.</summary>
public sealed record SessionContext(
    Guid UserId,
    string Subject,
    Guid? MerchantId,
    Guid? ResellerId,
    string Channel,
    string Application,
    string? ClientId);

/// <summary>
/// Sessions in Redis, keyed by a keyed hash of the access token (the token itself is never
/// stored), living exactly as long as the token.
/// </summary>
public sealed class SessionStore(IConnectionMultiplexer redis, RedisKeys keys, SecretHashing hashing)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public async Task SaveAsync(string accessToken, SessionContext session, TimeSpan lifetime) =>
        await redis.GetDatabase().StringSetAsync(Key(accessToken), JsonSerializer.Serialize(session, Json),
            lifetime > TimeSpan.Zero ? lifetime : TimeSpan.FromSeconds(1));

    public async Task<SessionContext?> FindAsync(string accessToken)
    {
        var value = await redis.GetDatabase().StringGetAsync(Key(accessToken));
        return value.HasValue ? JsonSerializer.Deserialize<SessionContext>(value.ToString(), Json) : null;
    }

    private RedisKey Key(string token) => keys.For("session", hashing.TokenIndex(token));
}
