using System.Net;
using VioPay.Api.Infrastructure.Errors;

namespace VioPay.Api.Portal;

/// <summary>
/// A failure under <c>/portal</c> (PostgreSQL or Redis unavailable, anything unexpected) is a short page a person can read,
/// with the same status, <c>Retry-After</c> and trace id the API's envelope (PROTOCOL §3) would carry, instead of JSON.
/// </summary>
public static class PortalErrorPage
{
    public static bool Applies(HttpContext context) => context.Request.Path.StartsWithSegments(PortalExtensions.BasePath);

    public static async Task WriteAsync(HttpContext context, int status, string message, string traceId)
    {
        PortalHeadersFilter.Apply(context);
        context.Response.ContentType = "text/html; charset=utf-8";
        var (title, text) = status switch
        {
            StatusCodes.Status503ServiceUnavailable =>
                ("Temporarily unavailable", "The portal cannot reach one of its services just now. Nothing was changed. Try again in a few seconds."),
            >= 500 => ("Something went wrong", "The request failed on our side. Nothing was changed."),
            _ => ("Request refused", message),
        };
        var page = $"""
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"><title>{WebUtility.HtmlEncode(title)} · VioPay merchant portal</title><link rel="stylesheet" href="/portal/portal.css"></head>
            <body><main id="main"><h1>{WebUtility.HtmlEncode(title)}</h1>
            <div class="message error" role="alert">{WebUtility.HtmlEncode(text)}</div>
            <p>Reference: <code>{WebUtility.HtmlEncode(traceId)}</code> (status {status})</p>
            <p><a href="/portal">Back to the portal</a></p></main></body>
            </html>
            """;
        await context.Response.WriteAsync(page, context.RequestAborted);
    }
}
