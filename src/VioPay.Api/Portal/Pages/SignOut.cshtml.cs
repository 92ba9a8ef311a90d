using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using VioPay.Api.Sessions;

namespace VioPay.Api.Portal.Pages;

/// <summary>Ends the cookie session (a POST with the antiforgery token); in Keycloak mode also the realm's session.</summary>
public sealed class SignOutModel(IOptions<AuthOptions> auth) : PortalPage
{
    public IActionResult OnGet() => Redirect(PortalExtensions.BasePath);

    public IActionResult OnPost()
    {
        Flash = "You are signed out.";
        var properties = new AuthenticationProperties { RedirectUri = PortalAuth.SignInPath };
        return auth.Value.Mode == AuthMode.Keycloak
            ? SignOut(properties, PortalAuth.CookieScheme, PortalAuth.OidcScheme)
            : SignOut(properties, PortalAuth.CookieScheme);
    }
}
