using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VioPay.Api.Infrastructure;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Infrastructure.Redis;
using VioPay.Api.Infrastructure.Security;
using VioPay.Api.Tenancy;

namespace VioPay.Api.Sessions;

/// <summary>A merchant API client whose secret was verified, with the user and merchant it acts for.</summary>
public sealed record VerifiedClient(MerchantApiClient Client, User User, Merchant Merchant);

/// <summary>
/// The check of an API client's id and secret, shared by <c>POST /client/session</c> and the portal's sign-in form so
/// that both count failures against the same per-client limit and compare the secret the same (constant-time) way.
/// </summary>
public sealed class ClientCredentials(VioPayDbContext db, SecretHashing hashing, RateLimiter limiter, IOptions<RateLimitOptions> limits)
{
    /// <summary>
    /// The client, or 401 <c>Invalid client credentials</c> for an unknown id, a revoked client or a wrong secret alike;
    /// 429 once the client's failure budget is spent. The caller has checked that both values are present and short.
    /// </summary>
    public async Task<VerifiedClient> VerifyAsync(string clientId, string clientSecret, CancellationToken cancellationToken)
    {
        var window = TimeSpan.FromSeconds(limits.Value.ClientSessionFailureWindowSeconds);
        // A failure slot is taken atomically with the check before the credentials are judged, so a burst of parallel
        // wrong secrets cannot pass the limit; valid credentials give the slot back.
        var slot = await limiter.ReserveFailureAsync("client-session", clientId, limits.Value.ClientSessionFailuresPerClient, window);
        MerchantApiClient? client;
        try
        {
            client = await db.ApiClients.AsNoTracking()
                .FirstOrDefaultAsync(c => c.ClientId == clientId && c.RevokedAt == null, cancellationToken);
        }
        catch
        {
            await slot.ReleaseAsync();
            throw;
        }

        // Unknown and wrong secret answer alike, and both count, so the answer tells an attacker nothing.
        if (client is null || !hashing.VerifyClientSecret(clientId, clientSecret, client.SecretVerifier))
        {
            throw ApiException.Unauthorized("Invalid client credentials");
        }

        await slot.ReleaseAsync();

        var user = await db.Users.AsNoTracking().FirstAsync(u => u.Id == client.UserId, cancellationToken);
        var merchant = await db.Merchants.AsNoTracking().FirstAsync(m => m.Id == client.MerchantId, cancellationToken);
        return new VerifiedClient(client, user, merchant);
    }
}
