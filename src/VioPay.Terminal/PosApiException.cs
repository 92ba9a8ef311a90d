using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace VioPay.Terminal;

/// <summary>
/// A non-2xx answer from the POS API, read from the PROTOCOL §3 envelope
/// <c>{"error":{"code","message","details"?,"trace_id"}}</c>.
/// </summary>
public sealed class PosApiException : Exception
{
    public PosApiException(
        int statusCode, string code, string errorMessage, JsonElement? details = null, string? traceId = null, TimeSpan? retryAfter = null)
        : base(Describe(statusCode, code, errorMessage, traceId))
    {
        StatusCode = statusCode;
        Code = code;
        ErrorMessage = errorMessage;
        Details = details;
        TraceId = traceId;
        RetryAfter = retryAfter;
    }

    public int StatusCode { get; }

    /// <summary>The four-digit protocol code ("4001"); empty when the body was not the protocol's error envelope.</summary>
    public string Code { get; }

    public string ErrorMessage { get; }

    public JsonElement? Details { get; }

    public string? TraceId { get; }

    /// <summary>From the Retry-After header that 429 and 503 answers carry.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>
    /// <c>details.server_time</c>, which a 401 for a stale or future timestamp carries so a drifting terminal can
    /// correct its clock (PROTOCOL §5).
    /// </summary>
    public DateTimeOffset? ServerTime =>
        Details is { ValueKind: JsonValueKind.Object } details
        && details.TryGetProperty("server_time", out var value)
        && value.ValueKind == JsonValueKind.String
        && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var serverTime)
            ? serverTime
            : null;

    internal static PosApiException FromResponse(int statusCode, byte[] body, HttpResponseHeaders headers, DateTimeOffset now)
    {
        var retryAfter = headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - now,
            _ => (TimeSpan?)null,
        };

        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("error", out var error)
                && error.ValueKind == JsonValueKind.Object)
            {
                return new PosApiException(
                    statusCode,
                    ReadString(error, "code") ?? string.Empty,
                    ReadString(error, "message") ?? string.Empty,
                    error.TryGetProperty("details", out var details) && details.ValueKind != JsonValueKind.Null ? details.Clone() : null,
                    ReadString(error, "trace_id"),
                    retryAfter);
            }
        }
        catch (JsonException)
        {
            // Not JSON at all: a proxy or a framework default leaked through. Reported below with the raw text.
        }

        // The protocol promises the envelope on every non-2xx answer; say plainly when the server broke that promise.
        var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 200));
        return new PosApiException(statusCode, string.Empty, $"HTTP {statusCode} without the protocol's error envelope: {text}", retryAfter: retryAfter);
    }

    private static string? ReadString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Describe(int statusCode, string code, string errorMessage, string? traceId) =>
        traceId is null
            ? $"POS API answered {statusCode} {code}: {errorMessage}"
            : $"POS API answered {statusCode} {code}: {errorMessage} (trace {traceId})";
}
