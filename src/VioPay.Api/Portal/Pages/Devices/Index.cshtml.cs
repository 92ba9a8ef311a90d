using Microsoft.AspNetCore.Mvc;
using VioPay.Api.Backoffice;
using VioPay.Api.Infrastructure.Persistence;

namespace VioPay.Api.Portal.Pages.Devices;

/// <summary>The merchant's devices, as <c>GET /merchant/devices</c> lists them (the merchant in the WHERE clause).</summary>
public sealed class IndexModel(VioPayDbContext db) : PortalPage
{
    public IReadOnlyList<DeviceView> Devices { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        var merchantId = Merchant.MerchantId;
        Devices = await DeviceViews.ListAsync(db, db.Devices.Where(d => d.MerchantId == merchantId), cancellationToken);
        return Page();
    }

    /// <summary>
    /// The connectivity column (PROTOCOL §13.5). TODO(merge with f-fleet): DeviceView gains <c>Connectivity</c>
    /// (online|offline|never_seen) and <c>LastSeenAt</c>; return those here. Until then a device has reported nothing.
    /// </summary>
    public static (string Text, string Css) Connectivity(DeviceView device) => ("not reported", "muted");
}
