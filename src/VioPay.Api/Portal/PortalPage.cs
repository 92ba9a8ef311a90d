using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Sessions;

namespace VioPay.Api.Portal;

/// <summary>
/// What every signed-in portal page shares: the merchant's session, a status or error message for the message area, and
/// the field errors of a refused form, each tied to its input.
/// </summary>
public abstract class PortalPage : PageModel
{
    public SessionContext Merchant => User.Session();

    /// <summary>The outcome of the action on this request, shown in a role=status area (role=alert when <see cref="IsError"/>).</summary>
    public string? Message { get; set; }

    /// <summary>The outcome of an action that redirected here (post/redirect/get), shown once.</summary>
    [TempData]
    public string? Flash { get; set; }

    public bool IsError { get; set; }

    public Dictionary<string, string> FieldErrors { get; } = new(StringComparer.Ordinal);

    public string? FieldError(string name) => FieldErrors.GetValueOrDefault(name);

    /// <summary>The ids an input's <c>aria-describedby</c> names (its error, the page's message), or null for none.</summary>
    public string? DescribedBy(string field, string? hint = null)
    {
        var ids = new[] { hint, FieldError(field) is null ? null : field + "-error", IsError ? "message" : null }.Where(x => x is not null).ToList();
        return ids.Count == 0 ? null : string.Join(' ', ids);
    }

    public string? Invalid(string field) => FieldError(field) is not null ? "true" : null;

    /// <summary>The API's answer to a refused action, in words for the page: its message and the fields it names.</summary>
    protected void Show(ApiException e)
    {
        IsError = true;
        Message = e.StatusCode == StatusCodes.Status429TooManyRequests
            ? $"Too many attempts; try again in {e.RetryAfterSeconds ?? 60} seconds."
            : e.Message;
        if (e.Details is IReadOnlyDictionary<string, object?> details && details.TryGetValue("fields", out var f) &&
            f is IReadOnlyDictionary<string, string> fields)
        {
            foreach (var (name, text) in fields)
            {
                FieldErrors[name] = text;
            }
        }
    }

    /// <summary>A page for a resource of another merchant, or none: 404 with the portal's layout and a plain message.</summary>
    protected IActionResult NotFoundPage(string message)
    {
        Response.StatusCode = StatusCodes.Status404NotFound;
        IsError = true;
        Message = message;
        NotFoundShown = true;
        return Page();
    }

    public bool NotFoundShown { get; private set; }

    protected static JsonElement Json(object value) => JsonSerializer.SerializeToElement(value);
}
