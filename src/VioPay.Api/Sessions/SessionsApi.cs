using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VioPay.Api.Infrastructure;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.OpenApi;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Infrastructure.Redis;
using VioPay.Api.Infrastructure.Security;
using VioPay.Api.Tenancy;

namespace VioPay.Api.Sessions;

public static class SessionsApi
{
    public sealed record ClientSessionRequest(string? ClientId, string? ClientSecret, string? GrantType);

    public sealed record TokenResponse(string AccessToken, string TokenType, int ExpiresIn);

    public sealed record InitiateRequest(string? Host);

    public sealed record SessionResponse(Guid UserId, Guid? MerchantId, Guid? ResellerId, string Channel, string Application, string ExpiresAt);

    public static IEndpointRouteBuilder MapSessionsApi(this IEndpointRouteBuilder app)
    {
        var sessions = app.MapGroup("").WithTags("Sessions");

        foreach (var path in new[] { "/client/session", "/auth/token" })
        {
            sessions.MapPost(path, CreateClientSession)
                .WithName(path == "/client/session" ? "CreateClientSession" : "CreateClientSessionLegacy")
                .WithSummary(path == "/client/session"
                    ? "Exchange a merchant API client's client_id/client_secret for a 5-minute Bearer token and a cached session."
                    : "Alias of POST /client/session, kept for existing integrations.")
                .ProducesErrors(400, 401, 413, 415, 429, 503)
                .WithNoStore()
                .AllowAnonymous();
        }

        sessions.MapPost("/session/initiate", Initiate)
            .WithName("InitiateSession")
            .WithSummary("Resolve and cache the user, merchant, reseller, channel and application context of a Bearer token.")
            .WithHeaders(new HeaderDoc("Authorization", true, "Bearer {jwt}"))
            .ProducesErrors(400, 401, 403, 415, 503)
            .RequireAuthorization();
        return app;
    }

    private static async Task<Ok<TokenResponse>> CreateClientSession(ClientSessionRequest request, ClientCredentials credentials,
        ITokenIssuer issuer, SessionStore sessions, CancellationToken cancellationToken)
    {
        var fields = new Dictionary<string, string>();
        if (string.IsNullOrWhiteSpace(request.ClientId) || request.ClientId.Length > 100)
        {
            fields["client_id"] = "client_id is required (at most 100 characters).";
        }

        if (string.IsNullOrEmpty(request.ClientSecret) || request.ClientSecret.Length > 200)
        {
            fields["client_secret"] = "client_secret is required (at most 200 characters).";
        }

        if (request.GrantType is not (null or "client_credentials"))
        {
            fields["grant_type"] = "grant_type must be client_credentials.";
        }

        if (fields.Count > 0)
        {
            throw ApiException.InvalidFields(fields);
        }

        var (client, user, merchant) = await credentials.VerifyAsync(request.ClientId!, request.ClientSecret!, cancellationToken);
        var token = await issuer.IssueAsync(user.Subject, client.ClientId, cancellationToken);
        await sessions.SaveAsync(token.AccessToken,
            new SessionContext(user.Id, user.Subject, merchant.Id, merchant.ResellerId, "api", client.ClientId, client.ClientId),
            TimeSpan.FromSeconds(token.ExpiresIn));
        return TypedResults.Ok(new TokenResponse(token.AccessToken, "Bearer", token.ExpiresIn));
    }

    private static async Task<Ok<SessionResponse>> Initiate(InitiateRequest request, HttpContext http, VioPayDbContext db,
        SessionStore sessions, TimeProvider time, CancellationToken cancellationToken)
    {
        var host = request.Host?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(host) || host.Length > 253 || Uri.CheckHostName(host) == UriHostNameType.Unknown)
        {
            throw ApiException.BadRequest("Invalid request body", new Dictionary<string, object?>
            {
                ["fields"] = new Dictionary<string, string> { ["host"] = "host must be a host name, e.g. merchant.viopay.io." },
            });
        }

        var token = SessionFilter.BearerToken(http) ?? throw ApiException.Unauthorized("Missing, invalid or expired bearer token");
        var subject = http.User.FindFirst("sub")?.Value ?? throw ApiException.Unauthorized("Token has no subject");
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Subject == subject, cancellationToken)
            ?? throw ApiException.Forbidden("No VioPay user is registered for this token's subject");
        var resellerId = user.ResellerId;
        if (user.MerchantId is { } merchantId)
        {
            resellerId = await db.Merchants.Where(m => m.Id == merchantId).Select(m => (Guid?)m.ResellerId).FirstAsync(cancellationToken);
        }

        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(long.TryParse(http.User.FindFirst("exp")?.Value, out var exp) ? exp : 0);
        var clientId = http.User.FindFirst("client_id")?.Value;
        var session = new SessionContext(user.Id, user.Subject, user.MerchantId, resellerId, Channel(host), host, clientId);
        await sessions.SaveAsync(token, session, expiresAt - time.GetUtcNow());
        return TypedResults.Ok(new SessionResponse(user.Id, user.MerchantId, resellerId, session.Channel, host, PosTimeFormat(expiresAt)));
    }

    /// <summary><c>merchant.viopay.io</c> → <c>merchant</c>: the portal a request comes through.</summary>
    private static string Channel(string host) => host.Split('.')[0];

    private static string PosTimeFormat(DateTimeOffset value) => Pos.PosTime.Format(value);
}
