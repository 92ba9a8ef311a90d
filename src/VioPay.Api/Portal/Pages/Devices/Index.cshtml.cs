using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using VioPay.Api.Backoffice;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.Persistence;

namespace VioPay.Api.Portal.Pages.Devices;

/// <summary>
/// The merchant's devices, as <c>GET /merchant/devices</c> lists them (the merchant in the WHERE clause): the same
/// <see cref="DeviceListQuery"/>, its status and connectivity filters and its keyset paging, 50 a page.
/// </summary>
public sealed class IndexModel(VioPayDbContext db) : PortalPage
{
    [BindProperty(Name = "status", SupportsGet = true)]
    public string? Status { get; set; }

    [BindProperty(Name = "connectivity", SupportsGet = true)]
    public string? ConnectivityFilter { get; set; }

    [BindProperty(Name = "cursor", SupportsGet = true)]
    public string? Cursor { get; set; }

    public IReadOnlyList<DeviceView> Devices { get; private set; } = [];

    public string? NextCursor { get; private set; }

    public static IReadOnlyList<string> Statuses => DeviceListQuery.Statuses;

    public static IReadOnlyList<string> Connectivities => VioPay.Api.Fleet.Connectivity.All;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        var merchantId = Merchant.MerchantId;
        var query = new Dictionary<string, StringValues>();
        Put(query, "status", Status);
        Put(query, "connectivity", ConnectivityFilter);
        Put(query, "cursor", Cursor);
        try
        {
            var page = await DeviceListQuery.PageAsync(HttpContext.RequestServices, new QueryCollection(query),
                db.Devices.Where(d => d.MerchantId == merchantId), cancellationToken);
            (Devices, NextCursor) = (page.Data, page.NextCursor);
        }
        catch (ApiException e) when (e.StatusCode == StatusCodes.Status400BadRequest)
        {
            Show(e);
            IsError = true;
            Message ??= "Some filters are not valid; see the fields below.";
        }

        return Page();
    }

    public string NextPageUrl() => PageUrl(NextCursor);

    public string FirstPageUrl() => PageUrl(null);

    private string PageUrl(string? cursor) =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString(PortalExtensions.BasePath + "/devices",
            new Dictionary<string, string?> { ["status"] = Status, ["connectivity"] = ConnectivityFilter, ["cursor"] = cursor }
                .Where(v => !string.IsNullOrEmpty(v.Value)));

    private static void Put(Dictionary<string, StringValues> query, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            query[name] = value;
        }
    }

    /// <summary>The connectivity column (PROTOCOL §13.5): online, offline or never seen, with the last heartbeat's time.</summary>
    public static (string Text, string Css) Connectivity(DeviceView device) => device.Connectivity switch
    {
        VioPay.Api.Fleet.Connectivity.Online => ($"online (seen {PortalFormat.Instant(device.LastSeenAt)})", "conn-online"),
        VioPay.Api.Fleet.Connectivity.Offline => ($"offline (last seen {PortalFormat.Instant(device.LastSeenAt)})", "conn-offline"),
        _ => ("never seen", "muted"),
    };
}
