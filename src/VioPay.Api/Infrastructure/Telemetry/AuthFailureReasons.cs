namespace VioPay.Api.Infrastructure.Telemetry;

/// <summary>
/// The <c>reason</c> tag of <c>viopay.auth.failures</c>: the <c>details.reason</c> a 401 carries when it has one,
/// otherwise a short name for its message. Every 401 message is a constant of the code, so the set is closed; a
/// message not listed here counts as <c>other</c>, never as itself.
/// </summary>
public static class AuthFailureReasons
{
    public const string Other = "other";

    public static string Of(string message, object? details)
    {
        if (details is IReadOnlyDictionary<string, object?> fields && fields.TryGetValue("reason", out var value) && value is string reason)
        {
            return reason;
        }

        return message switch
        {
            "Authentication required" or "Missing, invalid or expired bearer token" or "Token has no subject" => "bearer_token",
            "Invalid client credentials" => "client_credentials",
            "Invalid or expired attestation token" => "attestation_token",
            "Invalid signature" => "bad_signature",
            "Unknown terminal or X-Key-Id is not the active MAC key" => "unknown_key",
            "Nonce already used" => "nonce_reused",
            "Timestamp outside the accepted window" => "timestamp_window",
            Crypto.EnvelopeException.StandardMessage => "envelope",
            _ => Other,
        };
    }
}
