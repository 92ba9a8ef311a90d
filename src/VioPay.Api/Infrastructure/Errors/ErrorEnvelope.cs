using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace VioPay.Api.Infrastructure.Errors;

/// <summary>The body of every non-2xx answer (PROTOCOL §3).</summary>
public sealed record ErrorEnvelope(ErrorBody Error);

public sealed record ErrorBody(
    string Code,
    string Message,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] object? Details,
    string TraceId);

public static class ErrorWriter
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    /// <summary>The id that ties an answer to its log lines: the W3C trace id when there is an activity.</summary>
    public static string TraceId(HttpContext context) =>
        Activity.Current?.TraceId.ToHexString() ?? context.TraceIdentifier;

    public static async Task WriteAsync(HttpContext context, int status, string code, string message,
        object? details = null, int? retryAfterSeconds = null)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            return;
        }

        if (status == StatusCodes.Status401Unauthorized)
        {
            // Every 401 is written here (thrown, the JWT challenge, a bare status), so this is where it is counted.
            context.RequestServices.GetService<Telemetry.VioPayMetrics>()?.AuthFailed(Telemetry.AuthFailureReasons.Of(message, details));
        }

        response.Clear();
        response.StatusCode = status;
        response.ContentType = "application/json";
        if (retryAfterSeconds is { } seconds)
        {
            response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        else if (status is StatusCodes.Status429TooManyRequests or StatusCodes.Status503ServiceUnavailable)
        {
            response.Headers.RetryAfter = "5";
        }

        if (Portal.PortalErrorPage.Applies(context))
        {
            await Portal.PortalErrorPage.WriteAsync(context, status, message, TraceId(context));
            return;
        }

        var envelope = new ErrorEnvelope(new ErrorBody(code, message, details, TraceId(context)));
        await JsonSerializer.SerializeAsync(response.Body, envelope, Json, context.RequestAborted);
    }

    public static Task WriteAsync(HttpContext context, ApiException error) =>
        WriteAsync(context, error.StatusCode, error.Code, error.Message, error.Details, error.RetryAfterSeconds);
}
