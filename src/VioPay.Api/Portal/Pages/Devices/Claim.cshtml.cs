using Microsoft.AspNetCore.Mvc;
using VioPay.Api.Infrastructure;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Pairing;

namespace VioPay.Api.Portal.Pages.Devices;

/// <summary>Step 4 of activation from the portal: the same <see cref="DeviceClaims"/> as <c>POST /pos/claim</c>.</summary>
public sealed class ClaimModel(DeviceClaims claims) : PortalPage
{
    [BindProperty(Name = "device_id")]
    public string? DeviceId { get; set; }

    [BindProperty(Name = "pairing_code")]
    public string? PairingCode { get; set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        try
        {
            var claimed = await claims.ClaimAsync(Merchant, HttpContext.ClientIp(), DeviceId?.Trim().ToUpperInvariant(),
                PairingCode?.Trim().ToUpperInvariant(), cancellationToken);
            Flash = $"Device {claimed.DeviceId} is claimed as terminal {claimed.TerminalId}. It can now activate.";
            return Redirect($"{PortalExtensions.BasePath}/devices/{claimed.DeviceId}");
        }
        catch (ApiException e) when (e.StatusCode < 500)
        {
            Show(e);
            return Page();
        }
    }
}
