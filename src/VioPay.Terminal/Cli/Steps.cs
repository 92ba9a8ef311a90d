namespace VioPay.Terminal.Cli;

/// <summary>How each kind of answer shows in the transcript, written once for every command and the demo.</summary>
internal static class Steps
{
    public static FlowStep Charge(string title, ChargeResult charge, string? idempotencyKey = null)
    {
        var facts = new List<(string, string)>
        {
            ("charge_id", charge.ChargeId),
            ("status", charge.Status),
            ("amount", Show(charge.Amount)),
        };
        Add(facts, "authorization_type", charge.AuthorizationType is "pre" ? "pre" : null);
        Add(facts, "authorized_amount", charge.AuthorizedAmount is { } authorized ? Show(authorized) : null);
        Add(facts, "tip_amount", charge.TipAmount is { } tip ? Show(tip) : null);
        Add(facts, "refunded_amount", charge.RefundedAmount is { Value: not "0" } refunded ? Show(refunded) : null);
        Add(facts, "card", charge.Card is { } card ? $"{card.Brand} …{card.Last4}" : null);
        Add(facts, "authorization_code", charge.GatewayData?.AuthorizationCode);
        Add(facts, "rrn", charge.GatewayData?.Rrn);
        Add(facts, "decline_code", charge.DeclineCode);
        Add(facts, "expires_at", charge.Status == "authorized" ? charge.ExpiresAt?.ToString("u") : null);
        Add(facts, "increment", charge.Increment is { } increment
            ? $"{increment.Status} {Show(increment.Amount)}" + (increment.DeclineCode is null ? "" : $" ({increment.DeclineCode})")
            : null);
        Add(facts, "idempotency_key", idempotencyKey is null ? null : idempotencyKey + (charge.Replayed ? " (replayed)" : ""));
        return new FlowStep(title, facts);
    }

    public static FlowStep Refund(string title, RefundResult refund)
    {
        var facts = new List<(string, string)> { ("refund_id", refund.RefundId), ("status", refund.Status), ("amount", Show(refund.Amount)) };
        Add(facts, "decline_code", refund.DeclineCode);
        return new FlowStep(title, facts);
    }

    public static FlowStep Cancel(string title, CancelResult cancelled) =>
        new(title, [("charge_id", cancelled.ChargeId), ("status", cancelled.Status)]);

    public static string Show(Money money) => $"{money.Value} {money.Currency}";

    private static void Add(List<(string, string)> facts, string name, string? value)
    {
        if (value is not null)
        {
            facts.Add((name, value));
        }
    }
}
