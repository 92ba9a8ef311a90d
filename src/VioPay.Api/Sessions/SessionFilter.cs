using Microsoft.EntityFrameworkCore;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.Persistence;

namespace VioPay.Api.Sessions;

public enum SessionScope
{
    Any,
    Merchant,
    Reseller,
}

/// <summary>
/// Backoffice endpoints act in the session the token's <c>/session/initiate</c> (or
/// <c>/client/session</c>) created; without one the answer is 403 <c>4003</c>.
/// </summary>
public sealed class SessionFilter(SessionScope scope) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var token = BearerToken(http) ?? throw ApiException.Unauthorized("Missing, invalid or expired bearer token");
        var session = await http.RequestServices.GetRequiredService<SessionStore>().FindAsync(token)
            ?? throw ApiException.Forbidden("Session not initiated: call POST /session/initiate first");
        // A token issued to an API client ends with the client: `revoke-api-client` takes effect on the next request, not
        // when the token expires. One indexed lookup, on backoffice requests only (the POS routes have no session).
        if (session.ClientId is { } clientId && !await http.RequestServices.GetRequiredService<VioPayDbContext>().ApiClients
                .AnyAsync(c => c.ClientId == clientId && c.RevokedAt == null, http.RequestAborted))
        {
            throw ApiException.Unauthorized("API client revoked");
        }

        if (scope == SessionScope.Merchant && session.MerchantId is null)
        {
            throw ApiException.Forbidden("This endpoint needs a merchant session");
        }

        // A merchant session carries its reseller's id too; reseller endpoints are for reseller users only.
        if (scope == SessionScope.Reseller && (session.ResellerId is null || session.MerchantId is not null))
        {
            throw ApiException.Forbidden("This endpoint needs a reseller session");
        }

        http.Features.Set(session);
        return await next(context);
    }

    public static string? BearerToken(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && header.Length > 7 ? header[7..].Trim() : null;
    }
}

public static class SessionExtensions
{
    public static SessionContext Session(this HttpContext http) =>
        http.Features.Get<SessionContext>() ?? throw ApiException.Forbidden("Session not initiated: call POST /session/initiate first");

    /// <summary>Bearer authentication plus a session of the given scope, set once on a group.</summary>
    public static TBuilder RequireSession<TBuilder>(this TBuilder builder, SessionScope scope)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.RequireAuthorization();
        builder.AddEndpointFilter(new SessionFilter(scope));
        return builder;
    }
}
