namespace VioPay.Api.Payments;

/// <summary>What the acquirer is asked to authorise. The PAN is here, in memory only, for the length of the call.</summary>
public sealed record AuthorizationRequest(
    string ChargeId,
    string TerminalId,
    string Pan,
    int ExpiryYear,
    int ExpiryMonth,
    long AmountMinor,
    string Currency,
    string Stan,
    string? EntryMode,
    string CardholderVerificationMethod,
    bool HasPinBlock);

/// <summary>The acquirer's answer: approved with an authorization code, or declined with a reason; an RRN either way.</summary>
public sealed record AuthorizationResult(bool Approved, string? AuthorizationCode, string Rrn, string? DeclineCode);

/// <summary>The acquirer's answer to a refund: acknowledged, or refused with a reason.</summary>
public sealed record RefundResult(bool Approved, string? DeclineCode)
{
    public static readonly RefundResult Acknowledged = new(true, null);
}

/// <summary>The acquirer did not answer in time: the authorization may exist on its side and must be reversed.</summary>
public sealed class AcquirerTimeoutException(string message) : Exception(message);

/// <summary>The acquirer could not be reached or refused the request; a reversal is retried later.</summary>
public sealed class AcquirerUnavailableException(string message) : Exception(message);

/// <summary>
/// The acquirer behind VioPay (PROTOCOL §8: the built-in simulator is the default; a real acquirer plugs in here).
/// Every call must be safe to repeat for the same charge id: reversals are retried until acknowledged.
/// </summary>
public interface IPaymentProcessor
{
    Task<AuthorizationResult> AuthorizeAsync(AuthorizationRequest request, CancellationToken cancellationToken);

    /// <summary>Reverses (voids) the authorization of a charge; throws when it was not acknowledged.</summary>
    Task ReverseAsync(string chargeId, string reason, CancellationToken cancellationToken);

    /// <summary>
    /// Refunds part or all of an approved charge, or refuses to. Throws when there was no answer (the refund may or may
    /// not have happened): it is then sent again with the same <paramref name="refundId"/>, which the acquirer must treat
    /// as the same refund (its idempotency reference), until it answers.
    /// </summary>
    Task<RefundResult> RefundAsync(string chargeId, string refundId, long amountMinor, string currency, CancellationToken cancellationToken);
}
