using Microsoft.AspNetCore.Mvc;

namespace VioPay.Api.Portal.Pages;

/// <summary><c>/portal</c> opens on the devices.</summary>
public sealed class IndexModel : PortalPage
{
    public IActionResult OnGet() => Redirect(PortalExtensions.BasePath + "/devices");
}
