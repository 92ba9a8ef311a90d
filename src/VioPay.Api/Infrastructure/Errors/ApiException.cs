namespace VioPay.Api.Infrastructure.Errors;

/// <summary>
/// A failure that maps one to one onto the error envelope of PROTOCOL §3. Handlers throw it for
/// every expected failure; <see cref="ApiExceptionHandler"/> is the one place that writes it out.
/// </summary>
public sealed class ApiException(int statusCode, string code, string message, object? details = null)
    : Exception(message)
{
    public int StatusCode { get; } = statusCode;
    public string Code { get; } = code;
    public object? Details { get; } = details;

    /// <summary>Seconds for the <c>Retry-After</c> header on 429 and 503 answers.</summary>
    public int? RetryAfterSeconds { get; init; }

    public static ApiException BadRequest(string message, object? details = null) =>
        new(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, message, details);

    /// <summary>Field-level validation failure (PROTOCOL §10.10): <c>details.fields</c> maps JSON paths to sentences.</summary>
    public static ApiException InvalidFields(IReadOnlyDictionary<string, string> fields) =>
        BadRequest("Invalid request body", new Dictionary<string, object?> { ["fields"] = fields });

    public static ApiException Unauthorized(string message, object? details = null) =>
        new(StatusCodes.Status401Unauthorized, ErrorCodes.Unauthorized, message, details);

    public static ApiException Forbidden(string message, object? details = null) =>
        new(StatusCodes.Status403Forbidden, ErrorCodes.Forbidden, message, details);

    public static ApiException NotFound(string message, object? details = null) =>
        new(StatusCodes.Status404NotFound, ErrorCodes.NotFound, message, details);

    public static ApiException Conflict(string message, object? details = null) =>
        new(StatusCodes.Status409Conflict, ErrorCodes.Conflict, message, details);

    public static ApiException Gone(string message, object? details = null) =>
        new(StatusCodes.Status410Gone, ErrorCodes.Gone, message, details);

    public static ApiException Unprocessable(string message, object? details = null) =>
        new(StatusCodes.Status422UnprocessableEntity, ErrorCodes.Unprocessable, message, details);

    public static ApiException UpgradeRequired(string message, object? details = null) =>
        new(StatusCodes.Status426UpgradeRequired, ErrorCodes.UpgradeRequired, message, details);

    public static ApiException TooManyRequests(int retryAfterSeconds, object? details = null) =>
        new(StatusCodes.Status429TooManyRequests, ErrorCodes.TooManyRequests, "Too many requests", details)
        {
            RetryAfterSeconds = Math.Max(1, retryAfterSeconds),
        };

    public static ApiException DependencyUnavailable(string? dependency = null) =>
        new(StatusCodes.Status503ServiceUnavailable, ErrorCodes.ServiceUnavailable,
            "A dependency is unavailable, retry later",
            dependency is null ? null : new Dictionary<string, object?> { ["dependency"] = dependency })
        {
            RetryAfterSeconds = 5,
        };
}
