using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Primitives;
using VioPay.Api.Backoffice;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Payments;

namespace VioPay.Api.Portal.Pages.Charges;

/// <summary>
/// The merchant's charges with the filters of <c>GET /merchant/charges</c> (status, terminal, date range) and its keyset
/// paging, read by the same <see cref="ChargeQueries"/>. Dates are whole UTC days: "to" includes its day.
/// </summary>
public sealed class IndexModel(VioPayDbContext db) : PortalPage
{
    [BindProperty(Name = "status", SupportsGet = true)]
    public string? Status { get; set; }

    [BindProperty(Name = "terminal_id", SupportsGet = true)]
    public string? TerminalId { get; set; }

    [BindProperty(Name = "from", SupportsGet = true)]
    public string? From { get; set; }

    [BindProperty(Name = "to", SupportsGet = true)]
    public string? To { get; set; }

    [BindProperty(Name = "cursor", SupportsGet = true)]
    public string? Cursor { get; set; }

    public ChargesBackofficeApi.ChargePage Charges { get; private set; } = new([], null);

    public IReadOnlyList<string> Terminals { get; private set; } = [];

    public static IReadOnlyList<string> Statuses => ChargeStatus.All;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        var merchantId = Merchant.MerchantId!.Value;
        Terminals = await db.Terminals.AsNoTracking().Where(t => t.MerchantId == merchantId).OrderBy(t => t.Id).Select(t => t.Id)
            .ToListAsync(cancellationToken);
        var query = new Dictionary<string, StringValues> { ["limit"] = "25" };
        Put(query, "status", Status);
        Put(query, "terminal_id", TerminalId);
        Put(query, "cursor", Cursor);
        Put(query, "from", Day(From, "from", 0));
        Put(query, "to", Day(To, "to", 1));
        if (FieldErrors.Count == 0)
        {
            try
            {
                Charges = await ChargeQueries.ListAsync(db, merchantId, new QueryCollection(query), cancellationToken);
                return Page();
            }
            catch (ApiException e) when (e.StatusCode == StatusCodes.Status400BadRequest)
            {
                Show(e);
            }
        }

        IsError = true;
        Message ??= "Some filters are not valid; see the fields below.";
        return Page();
    }

    /// <summary>The link to the next page: the same filters and the page's cursor.</summary>
    public string NextPageUrl() => PageUrl(("cursor", Charges.NextCursor));

    public string FirstPageUrl() => PageUrl(("cursor", null));

    private string PageUrl(params (string Name, string? Value)[] overrides)
    {
        var values = new Dictionary<string, string?>
        {
            ["status"] = Status, ["terminal_id"] = TerminalId, ["from"] = From, ["to"] = To, ["cursor"] = Cursor,
        };
        foreach (var (name, value) in overrides)
        {
            values[name] = value;
        }

        return Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString(PortalExtensions.BasePath + "/charges",
            values.Where(v => !string.IsNullOrEmpty(v.Value)));
    }

    private static void Put(Dictionary<string, StringValues> query, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            query[name] = value;
        }
    }

    /// <summary>A yyyy-MM-dd date input as the API's RFC 3339 instant: midnight UTC of that day, or of the next for "to".</summary>
    private string? Day(string? value, string field, int addDays)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            return day.AddDays(addDays).ToString("yyyy-MM-dd'T'00:00:00'Z'", CultureInfo.InvariantCulture);
        }

        FieldErrors[field] = $"{(field == "from" ? "From" : "To")} must be a date such as 2026-12-02.";
        return null;
    }
}
