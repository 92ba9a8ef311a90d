using System.Globalization;

namespace VioPay.Api.Payments;

/// <summary>One currency of a closed batch (PROTOCOL §11.7): amounts in minor units as strings, counts as integers.</summary>
public sealed record BatchTotal(string Currency, int SalesCount, string SalesAmount, string TipsAmount, int RefundsCount,
    string RefundsAmount, int CancelledCount, string NetAmount);

/// <summary>Sales only, per brand and currency.</summary>
public sealed record BrandTotal(string Brand, string Currency, int Count, string Amount);

/// <summary>A field where the terminal's totals differ from the server's; the values keep the field's type (integer or string).</summary>
public sealed record BatchDifference(string Currency, string Field, object Terminal, object Server);

public sealed record BatchReconciliation(string Status, IReadOnlyList<BatchDifference> Differences, IReadOnlyList<string> MissingOnServer,
    IReadOnlyList<string> MissingOnTerminal);

/// <summary>The answer of <c>POST /pos/batch/close</c>, stored with the batch and served again by the backoffice.</summary>
public sealed record BatchReport(string BatchId, string Status, DateTimeOffset OpenedAt, DateTimeOffset ClosedAt,
    IReadOnlyList<BatchTotal> Totals, IReadOnlyList<BrandTotal> ByBrand, int OpenAuthorizations, BatchReconciliation Reconciliation);

/// <summary>A charge a close took into its batch: a sale when still approved, else cancelled.</summary>
public sealed record BatchChargeRow(string Id, string Status, long AmountMinor, long TipMinor, string Currency, string CardBrand);

/// <summary>An approved refund a close took into its batch.</summary>
public sealed record BatchRefundRow(string Id, long AmountMinor, string Currency);

/// <summary>What the terminal says it holds (all optional): its totals per currency and the ids of its charges.</summary>
public sealed record TerminalTotal(string Currency, long SalesCount, long SalesAmount, long RefundsCount, long RefundsAmount);

public sealed record BatchCloseInput(IReadOnlyList<TerminalTotal>? TerminalTotals, IReadOnlyList<string>? ChargeIds);

/// <summary>The totals and the reconciliation of a batch, computed from the rows the close took (pure, so it is tested as it reads).</summary>
public static class BatchTotals
{
    public const string Matched = "matched";
    public const string Mismatched = "mismatched";
    public const string NotProvided = "not_provided";

    public static BatchReport Report(string batchId, DateTimeOffset openedAt, DateTimeOffset closedAt, IReadOnlyList<BatchChargeRow> charges,
        IReadOnlyList<BatchRefundRow> refunds, int openAuthorizations, BatchCloseInput input)
    {
        var sales = charges.Where(c => c.Status == ChargeStatus.Approved).ToList();
        var currencies = charges.Select(c => c.Currency).Concat(refunds.Select(r => r.Currency)).Distinct().Order(StringComparer.Ordinal);
        var totals = currencies.Select(currency =>
        {
            var s = sales.Where(c => c.Currency == currency).ToList();
            var r = refunds.Where(x => x.Currency == currency).ToList();
            long salesAmount = s.Sum(c => c.AmountMinor), refundsAmount = r.Sum(x => x.AmountMinor);
            return new BatchTotal(currency, s.Count, Minor(salesAmount), Minor(s.Sum(c => c.TipMinor)), r.Count, Minor(refundsAmount),
                charges.Count(c => c.Currency == currency && c.Status == ChargeStatus.Cancelled), Minor(salesAmount - refundsAmount));
        }).ToList();
        var byBrand = sales.GroupBy(c => (c.CardBrand, c.Currency))
            .OrderBy(g => g.Key.CardBrand, StringComparer.Ordinal).ThenBy(g => g.Key.Currency, StringComparer.Ordinal)
            .Select(g => new BrandTotal(g.Key.CardBrand, g.Key.Currency, g.Count(), Minor(g.Sum(c => c.AmountMinor))))
            .ToList();
        return new BatchReport(batchId, "closed", openedAt, closedAt, totals, byBrand, openAuthorizations,
            Reconcile(totals, charges, input));
    }

    /// <summary>
    /// Totals are compared per currency on the four fields a terminal sends (a currency missing on one side counts as
    /// zeros there); charge ids only when the terminal sent them: an id the batch does not hold is missing on the server,
    /// a sale of the batch the terminal did not list is missing on the terminal (a cancelled charge of the batch may be
    /// listed or not).
    /// </summary>
    private static BatchReconciliation Reconcile(IReadOnlyList<BatchTotal> totals, IReadOnlyList<BatchChargeRow> charges, BatchCloseInput input)
    {
        if (input.TerminalTotals is null && input.ChargeIds is null)
        {
            return new BatchReconciliation(NotProvided, [], [], []);
        }

        var differences = new List<BatchDifference>();
        if (input.TerminalTotals is { } terminalTotals)
        {
            foreach (var currency in totals.Select(t => t.Currency).Union(terminalTotals.Select(t => t.Currency)).Order(StringComparer.Ordinal))
            {
                var server = totals.FirstOrDefault(t => t.Currency == currency);
                var terminal = terminalTotals.FirstOrDefault(t => t.Currency == currency);
                Compare(differences, currency, "sales_count", terminal?.SalesCount ?? 0, server?.SalesCount ?? 0, count: true);
                Compare(differences, currency, "sales_amount", terminal?.SalesAmount ?? 0, Parse(server?.SalesAmount), count: false);
                Compare(differences, currency, "refunds_count", terminal?.RefundsCount ?? 0, server?.RefundsCount ?? 0, count: true);
                Compare(differences, currency, "refunds_amount", terminal?.RefundsAmount ?? 0, Parse(server?.RefundsAmount), count: false);
            }
        }

        List<string> missingOnServer = [], missingOnTerminal = [];
        if (input.ChargeIds is { } ids)
        {
            var held = ids.ToHashSet(StringComparer.Ordinal);
            var inBatch = charges.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
            missingOnServer = ids.Distinct(StringComparer.Ordinal).Where(id => !inBatch.Contains(id)).ToList();
            missingOnTerminal = charges.Where(c => c.Status == ChargeStatus.Approved && !held.Contains(c.Id)).Select(c => c.Id).ToList();
        }

        var status = differences.Count == 0 && missingOnServer.Count == 0 && missingOnTerminal.Count == 0 ? Matched : Mismatched;
        return new BatchReconciliation(status, differences, missingOnServer, missingOnTerminal);
    }

    private static void Compare(List<BatchDifference> differences, string currency, string field, long terminal, long server, bool count)
    {
        if (terminal != server)
        {
            differences.Add(count
                ? new BatchDifference(currency, field, terminal, server)
                : new BatchDifference(currency, field, Minor(terminal), Minor(server)));
        }
    }

    private static long Parse(string? minor) => minor is null ? 0 : long.Parse(minor, CultureInfo.InvariantCulture);

    /// <summary>Minor units as a string; only a net amount can be negative ("-500").</summary>
    public static string Minor(long value) => value.ToString(CultureInfo.InvariantCulture);
}
