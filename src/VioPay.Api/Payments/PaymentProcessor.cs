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
    bool HasPinBlock,
    string AuthorizationType = Payments.AuthorizationType.Final);

/// <summary>
/// Raise a held pre-authorization by <paramref name="IncrementMinor"/> to <paramref name="NewTotalMinor"/>. The first
/// authorized amount is passed so a stateless acquirer (the simulator) can judge its rule; a real one knows it.
/// </summary>
public sealed record IncrementRequest(string ChargeId, long IncrementMinor, long NewTotalMinor, long FirstAuthorizedMinor, string Currency);

/// <summary>Capture a held pre-authorization for <paramref name="AmountMinor"/> (tip included); the rest is released.</summary>
public sealed record CaptureRequest(string ChargeId, long AmountMinor, long TipMinor, long AuthorizedMinor, string Currency);

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
/// <para>
/// Every call must be idempotent per id, because the server sends a call again whenever it did not hear the answer:
/// the charge id for authorize, increment (to the same new total), capture, reverse and release; the refund id for a
/// refund. An implementation maps these ids to the acquirer's own idempotency reference, so a repeat is the same
/// operation, never a second one. A call throws <see cref="AcquirerTimeoutException"/> or
/// <see cref="AcquirerUnavailableException"/> when it got no answer (the operation may or may not have happened).
/// </para>
/// </summary>
public interface IPaymentProcessor
{
    /// <summary>Authorizes a charge: final (settles on its own) or pre (a hold, <see cref="AuthorizationRequest.AuthorizationType"/>).</summary>
    Task<AuthorizationResult> AuthorizeAsync(AuthorizationRequest request, CancellationToken cancellationToken);

    /// <summary>Raises a held pre-authorization (PROTOCOL §11.3): approved, or declined with the hold left as it was.</summary>
    Task<AuthorizationResult> IncrementAsync(IncrementRequest request, CancellationToken cancellationToken);

    /// <summary>Captures a held pre-authorization (PROTOCOL §11.4); throws when it was not acknowledged.</summary>
    Task CaptureAsync(CaptureRequest request, CancellationToken cancellationToken);

    /// <summary>Reverses the authorization of a final charge; throws when it was not acknowledged.</summary>
    Task ReverseAsync(string chargeId, string reason, CancellationToken cancellationToken);

    /// <summary>Voids or releases a held pre-authorization (void by the terminal, lapsed hold); throws when not acknowledged.</summary>
    Task ReleaseAsync(string chargeId, string reason, CancellationToken cancellationToken);

    /// <summary>
    /// Refunds part or all of an approved charge, or refuses to. Throws when there was no answer (the refund may or may
    /// not have happened): it is then sent again with the same <paramref name="refundId"/>, which the acquirer must treat
    /// as the same refund (its idempotency reference), until it answers.
    /// </summary>
    Task<RefundResult> RefundAsync(string chargeId, string refundId, long amountMinor, string currency, CancellationToken cancellationToken);
}
