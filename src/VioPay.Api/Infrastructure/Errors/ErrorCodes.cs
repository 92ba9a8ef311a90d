namespace VioPay.Api.Infrastructure.Errors;

/// <summary>The error codes of PROTOCOL §3; each belongs to exactly one HTTP status.</summary>
public static class ErrorCodes
{
    public const string BadRequest = "4000";
    public const string Unauthorized = "4001";
    public const string Forbidden = "4003";
    public const string NotFound = "4004";
    public const string MethodNotAllowed = "4005";
    public const string Conflict = "4009";
    public const string Gone = "4010";
    public const string PayloadTooLarge = "4013";
    public const string UnsupportedMediaType = "4015";
    public const string Unprocessable = "4022";
    public const string UpgradeRequired = "4026";
    public const string TooManyRequests = "4029";
    public const string Internal = "5000";
    public const string ServiceUnavailable = "5003";

    /// <summary>The code and a generic message for a bare status, used where the framework answered without a body.</summary>
    public static (string Code, string Message) ForStatus(int status) => status switch
    {
        400 => (BadRequest, "Bad request"),
        401 => (Unauthorized, "Authentication required"),
        403 => (Forbidden, "Not allowed"),
        404 => (NotFound, "Route not found"),
        405 => (MethodNotAllowed, "Method not allowed on this route"),
        409 => (Conflict, "Conflict with the current state"),
        410 => (Gone, "Gone"),
        413 => (PayloadTooLarge, "Request body too large"),
        415 => (UnsupportedMediaType, "Content-Type must be application/json"),
        422 => (Unprocessable, "Unprocessable request"),
        426 => (UpgradeRequired, "Upgrade required"),
        429 => (TooManyRequests, "Too many requests"),
        503 => (ServiceUnavailable, "A dependency is unavailable, retry later"),
        >= 500 => (Internal, "Internal error"),
        _ => (BadRequest, "Bad request"),
    };
}
