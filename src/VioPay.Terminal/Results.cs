using System.Text.Json.Serialization;

namespace VioPay.Terminal;

/// <summary>An amount in minor units as a digit string ("1500" = 15.00 EUR) and its ISO 4217 code (PROTOCOL §1).</summary>
public sealed record Money(string Value, string Currency);

/// <summary>POST /pos/bootstrap.</summary>
public sealed record BootstrapResult(string Status, DateTimeOffset ServerTime, string MinSupportedVersion);

/// <summary>POST /pos/pairing-code.</summary>
public sealed record PairingCodeResult(string PairingCode, int ExpiresInSec);

/// <summary>GET /pos/status.</summary>
public sealed record StatusResult(string DeviceStatus, bool IsClaimed, string? PairingCodeStatus = null);

/// <summary>POST /pos/attest.</summary>
public sealed record AttestResult(string Status, string AttestationToken, int ExpiresInSec);

/// <summary>
/// POST /pos/keys once every key has unwrapped and matched its check values. <see cref="Keys"/> is in install order
/// (tmk, kek, msk, tpk, tdk, mac).
/// </summary>
public sealed record KeyInstallResult(
    string KeySetId, DateTimeOffset? IssuedAt, DateTimeOffset? ExpiresAt, IReadOnlyList<KeyCheck> Keys);

/// <summary>
/// One installed key and the check values it matched: <see cref="Kcv"/> always (the legacy zero-block KCV),
/// <see cref="KcvCmac"/> when the server sent verification.kcv_cmac for it.
/// </summary>
public sealed record KeyCheck(string Name, string? KeyId, string Kcv, string? KcvCmac);

/// <summary>The decrypted answer of POST /pos/activate.</summary>
public sealed record ActivateResult(string Status, DateTimeOffset ActivatedAt);

public sealed record CardSummary(string Brand, string Last4);

public sealed record GatewayData(string? AuthorizationCode = null, string? Rrn = null);

/// <summary>
/// A charge as POST /pos/charge, GET /pos/charge/{id}, GET /pos/charge?idempotency_key=, increment and capture answer it
/// (PROTOCOL §8, §11): approved, declined, authorized (a pre-authorization's hold, until <see cref="ExpiresAt"/>),
/// cancelled or expired.
/// </summary>
public sealed record ChargeResult(
    string ChargeId,
    string Status,
    Money Amount,
    CardSummary? Card = null,
    GatewayData? GatewayData = null,
    string? DeclineCode = null,
    DateTimeOffset? CreatedAt = null,
    Money? RefundedAmount = null,
    DateTimeOffset? CancelledAt = null,
    string? AuthorizationType = null,
    Money? AuthorizedAmount = null,
    Money? TipAmount = null,
    DateTimeOffset? ExpiresAt = null,
    DateTimeOffset? CapturedAt = null,
    IncrementOutcome? Increment = null)
{
    /// <summary>True when the server answered with <c>Idempotent-Replayed: true</c>: this is the first answer again, nothing new was created.</summary>
    [JsonIgnore]
    public bool Replayed { get; init; }
}

/// <summary>
/// POST /pos/charge/{id}/refund: <c>approved</c>, <c>declined</c> (with <see cref="DeclineCode"/>), or <c>pending</c> when the
/// acquirer has not answered yet; the server then completes it by itself, under the same refund id.
/// </summary>
public sealed record RefundResult(string RefundId, string Status, Money Amount, string? ChargeId = null, string? DeclineCode = null)
{
    /// <summary>True when the server answered with <c>Idempotent-Replayed: true</c>.</summary>
    [JsonIgnore]
    public bool Replayed { get; init; }
}

/// <summary>POST /pos/charge/{id}/cancel and /reverse (fine point 5: reverse is cancel).</summary>
public sealed record CancelResult(string ChargeId, string Status);

/// <summary>
/// POST /pos/charge/reverse (fine point 6): status "cancelled" with the charge the key created, or
/// "reversal_recorded" with a null charge id when no charge has that key yet.
/// </summary>
public sealed record ReverseByKeyResult(string IdempotencyKey, string Status, string? ChargeId);

/// <summary>The <c>increment</c> object of an increment's answer: whether the acquirer raised the hold.</summary>
public sealed record IncrementOutcome(string Status, Money Amount, string? DeclineCode = null);

/// <summary>POST /pos/batch/close (PROTOCOL §11.7): the closed batch, its totals and the reconciliation.</summary>
public sealed record BatchResult(
    string BatchId,
    string Status,
    DateTimeOffset OpenedAt,
    DateTimeOffset ClosedAt,
    IReadOnlyList<BatchTotal> Totals,
    IReadOnlyList<BrandTotal> ByBrand,
    int OpenAuthorizations,
    Reconciliation Reconciliation)
{
    [JsonIgnore]
    public bool Replayed { get; init; }
}

/// <summary>One currency's totals; amounts in minor units, <see cref="NetAmount"/> may be negative.</summary>
public sealed record BatchTotal(
    string Currency, int SalesCount, string SalesAmount, string TipsAmount, int RefundsCount, string RefundsAmount, int CancelledCount,
    string NetAmount);

public sealed record BrandTotal(string Brand, string Currency, int Count, string Amount);

/// <summary><c>matched</c>, <c>mismatched</c> or <c>not_provided</c>, with what differs.</summary>
public sealed record Reconciliation(
    string Status,
    IReadOnlyList<ReconciliationDifference> Differences,
    IReadOnlyList<string> MissingOnServer,
    IReadOnlyList<string> MissingOnTerminal);

/// <summary>A total that differs: the terminal's and the server's values as the server wrote them (a count or an amount).</summary>
public sealed record ReconciliationDifference(string Currency, string Field, System.Text.Json.JsonElement Terminal, System.Text.Json.JsonElement Server);
