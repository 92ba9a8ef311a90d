using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.Core.Infrastructure;

namespace VioPay.Api.Portal;

/// <summary>
/// A form posted without a valid antiforgery token (an old tab, a forged cross-site post) is 400 with a short page that
/// says what to do, instead of an empty answer; nothing was changed.
/// </summary>
public sealed class PortalAntiforgeryFailure : IAlwaysRunResultFilter
{
    private const string Page = """
        <!DOCTYPE html>
        <html lang="en">
        <head><meta charset="utf-8"><title>Form expired · VioPay merchant portal</title><link rel="stylesheet" href="/portal/portal.css"></head>
        <body><main id="main"><h1>Form expired</h1>
        <div class="message error" role="alert">This form could not be accepted (it was old or not sent from the portal). Nothing was changed.</div>
        <p><a href="/portal">Back to the portal</a></p></main></body>
        </html>
        """;

    public void OnResultExecuting(ResultExecutingContext context)
    {
        if (context.Result is IAntiforgeryValidationFailedResult)
        {
            PortalHeadersFilter.Apply(context.HttpContext);
            context.Result = new ContentResult { StatusCode = StatusCodes.Status400BadRequest, ContentType = "text/html; charset=utf-8", Content = Page };
        }
    }

    public void OnResultExecuted(ResultExecutedContext context)
    {
    }
}
