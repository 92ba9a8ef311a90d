using Microsoft.AspNetCore.Mvc;
using VioPay.Api.Backoffice;
using VioPay.Api.Infrastructure.Persistence;

namespace VioPay.Api.Portal.Pages.Devices;

/// <summary>The merchant's devices, as <c>GET /merchant/devices</c> lists them (the merchant in the WHERE clause).</summary>
public sealed class IndexModel(VioPayDbContext db, DeviceViews views) : PortalPage
{
    public IReadOnlyList<DeviceView> Devices { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        var merchantId = Merchant.MerchantId;
        Devices = await views.ListAsync(db.Devices.Where(d => d.MerchantId == merchantId)
            .OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Id).Take(500), cancellationToken);
        return Page();
    }

    /// <summary>The connectivity column (PROTOCOL §13.5): online, offline or never seen, with the last heartbeat's time.</summary>
    public static (string Text, string Css) Connectivity(DeviceView device) => device.Connectivity switch
    {
        VioPay.Api.Fleet.Connectivity.Online => ($"online (seen {PortalFormat.Instant(device.LastSeenAt)})", "conn-online"),
        VioPay.Api.Fleet.Connectivity.Offline => ($"offline (last seen {PortalFormat.Instant(device.LastSeenAt)})", "conn-offline"),
        _ => ("never seen", "muted"),
    };
}
