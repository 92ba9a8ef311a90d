using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using VioPay.Api.Sessions;

namespace VioPay.Api.Portal;

/// <summary>
/// Every portal page: a content security policy with no script at all (the core actions are plain forms), no framing,
/// no referrer to other sites, and no caching (the pages show the merchant's data, some a secret once).
/// </summary>
public sealed class PortalHeadersFilter : IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        Apply(context.HttpContext);
        return next();
    }

    public static void Apply(HttpContext http)
    {
        var headers = http.Response.Headers;
        var auth = http.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value;
        // Signing out in Keycloak mode posts a form that redirects to the realm's end-session endpoint; form-action covers
        // that redirect, so the realm's origin is allowed there and nowhere else.
        var formAction = auth.Mode == AuthMode.Keycloak && Uri.TryCreate(auth.Keycloak.Authority, UriKind.Absolute, out var realm)
            ? $"'self' {realm.GetLeftPart(UriPartial.Authority)}"
            : "'self'";
        headers[HeaderNames.ContentSecurityPolicy] =
            $"default-src 'none'; style-src 'self'; img-src 'self'; form-action {formAction}; frame-ancestors 'none'; base-uri 'none'";
        headers[HeaderNames.XFrameOptions] = "DENY";
        headers[HeaderNames.XContentTypeOptions] = "nosniff";
        headers["Referrer-Policy"] = "same-origin";
        // Exactly what antiforgery sets on a page with a form, so it does not override (and warn about) ours.
        headers[HeaderNames.CacheControl] = "no-cache, no-store";
        headers[HeaderNames.Pragma] = "no-cache";
    }
}
