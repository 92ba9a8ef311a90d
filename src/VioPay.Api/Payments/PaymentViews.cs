using System.Text.Json.Serialization;

namespace VioPay.Api.Payments;

public sealed record CardView(string Brand, string Last4);

public sealed record GatewayView(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? AuthorizationCode,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Rrn);

/// <summary>A charge as the terminal sees it (PROTOCOL §8), in the envelope of POST /pos/charge and both GETs.</summary>
public sealed record ChargeView(
    string ChargeId,
    string Status,
    MoneyView Amount,
    MoneyView RefundedAmount,
    CardView Card,
    GatewayView GatewayData,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? DeclineCode,
    DateTimeOffset CreatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? CancelledAt)
{
    public static ChargeView Of(Charge c) => new(
        c.Id, c.Status, MoneyView.Of(c.AmountMinor, c.Currency), MoneyView.Of(c.RefundedMinor, c.Currency),
        new CardView(c.CardBrand, c.CardLast4), new GatewayView(c.AuthorizationCode, c.Rrn), c.DeclineCode, c.CreatedAt,
        c.CancelledAt);
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
