using System.Text.Json.Serialization;

namespace VioPay.Api.Payments;

public sealed record CardView(string Brand, string Last4);

public sealed record GatewayView(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? AuthorizationCode,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Rrn);

/// <summary>
/// A charge as the terminal sees it (PROTOCOL §8, §11), in the envelope of POST /pos/charge, both GETs, capture and
/// increment. <c>authorization_type</c> is always there; <c>authorized_amount</c> and <c>expires_at</c> on a
/// pre-authorization; <c>tip_amount</c> when there is a tip; <c>captured_at</c> once captured.
/// </summary>
public sealed record ChargeView(
    string ChargeId,
    string Status,
    string AuthorizationType,
    MoneyView Amount,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] MoneyView? AuthorizedAmount,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] MoneyView? TipAmount,
    MoneyView RefundedAmount,
    CardView Card,
    GatewayView GatewayData,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? DeclineCode,
    DateTimeOffset CreatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? ExpiresAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? CapturedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? CancelledAt)
{
    public static ChargeView Of(Charge c) => new(
        c.Id, c.Status, c.AuthorizationType, MoneyView.Of(c.AmountMinor, c.Currency),
        c.AuthorizedMinor is { } held ? MoneyView.Of(held, c.Currency) : null,
        c.TipMinor is { } tip ? MoneyView.Of(tip, c.Currency) : null,
        MoneyView.Of(c.RefundedMinor, c.Currency),
        new CardView(c.CardBrand, c.CardLast4), new GatewayView(c.AuthorizationCode, c.Rrn), c.DeclineCode, c.CreatedAt,
        c.ExpiresAt, c.CapturedAt, c.CancelledAt);
}

/// <summary>The outcome of one increment (PROTOCOL §11.3): a declined one leaves the charge as it was.</summary>
public sealed record IncrementOutcome(
    string Status,
    MoneyView Amount,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? DeclineCode);

/// <summary>An increment's answer: the charge as it now is, and what became of the increment.</summary>
public sealed record IncrementView(ChargeView Charge, IncrementOutcome Increment)
{
    /// <summary>The charge's fields with <c>increment</c> beside them, as one flat object (§11.3).</summary>
    public string Plaintext()
    {
        var json = System.Text.Json.JsonSerializer.SerializeToNode(Charge, Pos.PosEnvelopes.PlaintextJson)!.AsObject();
        json["increment"] = System.Text.Json.JsonSerializer.SerializeToNode(Increment, Pos.PosEnvelopes.PlaintextJson);
        return json.ToJsonString(Pos.PosEnvelopes.PlaintextJson);
    }
}

/// <summary>
/// A refund as the terminal sees it: <c>approved</c>, <c>declined</c> with a <c>decline_code</c>, or <c>pending</c> when the
/// acquirer has not answered yet (the server keeps sending it until it does).
/// </summary>
public sealed record RefundView(
    string RefundId,
    string ChargeId,
    string Status,
    MoneyView Amount,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? DeclineCode,
    DateTimeOffset CreatedAt)
{
    public static RefundView Of(Refund r) =>
        new(r.Id, r.ChargeId, r.Status, MoneyView.Of(r.AmountMinor, r.Currency), r.Reason, r.DeclineCode, r.CreatedAt);
}

/// <summary>Cancel and reverse (fine point 5): the same answer for the first call and every repeat.</summary>
public sealed record CancelView(string ChargeId, string Status, DateTimeOffset? CancelledAt);

/// <summary>Reverse by key (fine point 6): "cancelled" with the charge, or "reversal_recorded" with a null charge id.</summary>
public sealed record ReverseByKeyView(
    string IdempotencyKey,
    string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? ChargeId);
