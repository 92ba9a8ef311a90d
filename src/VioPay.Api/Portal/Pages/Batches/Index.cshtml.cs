using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Primitives;
using VioPay.Api.Backoffice;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Payments;

namespace VioPay.Api.Portal.Pages.Batches;

/// <summary>The merchant's closed batches (<see cref="BatchQueries"/>, as <c>GET /merchant/batches</c>), each with its CSV.</summary>
public sealed class IndexModel(VioPayDbContext db) : PortalPage
{
    private static readonly JsonSerializerOptions ReportJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public sealed record Row(BatchReport Report, string TerminalId);

    [BindProperty(Name = "cursor", SupportsGet = true)]
    public string? Cursor { get; set; }

    public IReadOnlyList<Row> Batches { get; private set; } = [];

    public string? NextCursor { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        var query = new Dictionary<string, StringValues> { ["limit"] = "25" };
        if (!string.IsNullOrEmpty(Cursor))
        {
            query["cursor"] = Cursor;
        }

        try
        {
            var page = await BatchQueries.ListAsync(db, Merchant.MerchantId!.Value, new QueryCollection(query), cancellationToken);
            Batches = page["data"]!.AsArray().Select(b => new Row(b.Deserialize<BatchReport>(ReportJson)!, (string)b!["terminal_id"]!)).ToList();
            NextCursor = (string?)page["next_cursor"];
        }
        catch (ApiException e) when (e.StatusCode == StatusCodes.Status400BadRequest)
        {
            Show(e);
        }

        return Page();
    }

    /// <summary>"EUR 12.00 net (3 sales, 1 refund)" per currency.</summary>
    public static IEnumerable<string> Totals(BatchReport report) => report.Totals.Select(t =>
        $"{PortalFormat.Money(long.Parse(t.NetAmount, System.Globalization.CultureInfo.InvariantCulture), t.Currency)} net " +
        $"({t.SalesCount} {(t.SalesCount == 1 ? "sale" : "sales")}, {t.RefundsCount} {(t.RefundsCount == 1 ? "refund" : "refunds")})");
}
