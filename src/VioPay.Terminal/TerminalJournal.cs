using System.Globalization;
using System.Text.Json.Serialization;

namespace VioPay.Terminal;

/// <summary>
/// The terminal's own record of its open batch, kept in the state file: every charge it got an answer for and every
/// refund, so that at day close it can send its totals and the ids it holds and the server can say what differs.
/// Only ids, amounts, currencies, brands and statuses: never a card number.
/// </summary>
public sealed class TerminalJournal
{
    // Keyed by id, so recording stays constant-time however busy the day (the load generator charges thousands).
    [JsonPropertyName("charges")]
    public Dictionary<string, JournalCharge> Charges { get; set; } = [];

    [JsonPropertyName("refunds")]
    public Dictionary<string, JournalRefund> Refunds { get; set; } = [];

    /// <summary>Records a charge as the server last answered it (charge, capture, increment, status, cancel).</summary>
    public void Record(ChargeResult charge)
    {
        if (!Charges.TryGetValue(charge.ChargeId, out var entry))
        {
            entry = new JournalCharge { ChargeId = charge.ChargeId, Currency = charge.Amount.Currency };
            Charges[charge.ChargeId] = entry;
        }

        entry.Status = charge.Status;
        entry.AmountMinor = Minor(charge.Amount.Value);
        entry.TipMinor = charge.TipAmount is { } tip ? Minor(tip.Value) : 0;
        entry.Brand = charge.Card?.Brand ?? entry.Brand;
    }

    public void RecordStatus(string chargeId, string status)
    {
        if (Charges.TryGetValue(chargeId, out var entry))
        {
            entry.Status = status;
        }
    }

    public void Record(RefundResult refund, string chargeId)
    {
        Refunds[refund.RefundId] = new JournalRefund
        {
            RefundId = refund.RefundId, ChargeId = chargeId, Currency = refund.Amount.Currency, AmountMinor = Minor(refund.Amount.Value),
            Status = refund.Status,
        };
    }

    /// <summary>
    /// The totals the terminal believes in, per currency (PROTOCOL §11.7 <c>terminal_totals</c>): sales are its charges
    /// still approved, tips included; refunds the ones not declined.
    /// </summary>
    public IReadOnlyList<TerminalTotal> Totals()
    {
        var sales = Charges.Values.Where(c => c.Status == "approved").ToList();
        var refunds = Refunds.Values.Where(r => r.Status != "declined").ToList();
        return sales.Select(c => c.Currency).Concat(refunds.Select(r => r.Currency)).Distinct().Order(StringComparer.Ordinal)
            .Select(currency => new TerminalTotal(
                currency,
                sales.Count(c => c.Currency == currency),
                Text(sales.Where(c => c.Currency == currency).Sum(c => c.AmountMinor)),
                refunds.Count(r => r.Currency == currency),
                Text(refunds.Where(r => r.Currency == currency).Sum(r => r.AmountMinor))))
            .ToList();
    }

    /// <summary>The ids of the charges the terminal holds as sales of this batch.</summary>
    public IReadOnlyList<string> SaleIds() => Charges.Values.Where(c => c.Status == "approved").Select(c => c.ChargeId).Order(StringComparer.Ordinal).ToList();

    /// <summary>After a close: only the holds still open go on into the next batch.</summary>
    public void StartNextBatch()
    {
        foreach (var closed in Charges.Values.Where(c => c.Status != "authorized").ToList())
        {
            Charges.Remove(closed.ChargeId);
        }

        Refunds.Clear();
    }

    private static long Minor(string value) => long.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}

public sealed class JournalCharge
{
    [JsonPropertyName("charge_id")]
    public required string ChargeId { get; set; }

    [JsonPropertyName("status")]
    public string Status { get; set; } = "";

    [JsonPropertyName("currency")]
    public required string Currency { get; set; }

    [JsonPropertyName("amount_minor")]
    public long AmountMinor { get; set; }

    [JsonPropertyName("tip_minor")]
    public long TipMinor { get; set; }

    [JsonPropertyName("brand")]
    public string? Brand { get; set; }
}

public sealed class JournalRefund
{
    [JsonPropertyName("refund_id")]
    public required string RefundId { get; set; }

    [JsonPropertyName("charge_id")]
    public required string ChargeId { get; set; }

    [JsonPropertyName("currency")]
    public required string Currency { get; set; }

    [JsonPropertyName("amount_minor")]
    public long AmountMinor { get; set; }

    [JsonPropertyName("status")]
    public string Status { get; set; } = "";
}

/// <summary>One entry of <c>terminal_totals</c> (PROTOCOL §11.7).</summary>
public sealed record TerminalTotal(string Currency, int SalesCount, string SalesAmount, int RefundsCount, string RefundsAmount);
