using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Sessions;

namespace VioPay.Api.Portal.Pages;

/// <summary>
/// Local mode: an API client's id and secret, checked by <see cref="ClientCredentials"/> exactly as <c>POST /client/session</c>
/// checks them (constant-time, the same per-client failure limit), then a cookie session. Keycloak mode signs in through
/// the realm instead; this page then only offers the way there.
/// </summary>
public sealed class SignInModel(ClientCredentials credentials, IOptions<AuthOptions> auth) : PortalPage
{
    public const string FailedMessage = "Sign-in failed: the client id or secret is not right.";

    [BindProperty(Name = "client_id")]
    public string? ClientId { get; set; }

    [BindProperty(Name = "client_secret")]
    public string? ClientSecret { get; set; }

    [BindProperty(Name = "return_url", SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public bool KeycloakMode => auth.Value.Mode == AuthMode.Keycloak;

    public void OnGet(int? failed)
    {
        if (failed == 1)
        {
            IsError = true;
            Message = "Sign-in failed: this account is not a merchant user of VioPay, or the sign-in was cancelled.";
        }
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (KeycloakMode)
        {
            return Challenge(new AuthenticationProperties { RedirectUri = PortalExtensions.BasePath }, PortalAuth.OidcScheme);
        }

        if (string.IsNullOrWhiteSpace(ClientId) || ClientId.Length > 100)
        {
            FieldErrors["client_id"] = "Enter the API client id (at most 100 characters).";
        }

        if (string.IsNullOrEmpty(ClientSecret) || ClientSecret.Length > 200)
        {
            FieldErrors["client_secret"] = "Enter the API client secret (at most 200 characters).";
        }

        if (FieldErrors.Count > 0)
        {
            IsError = true;
            Message = "Sign-in failed: fill in both fields.";
            return Page();
        }

        VerifiedClient verified;
        try
        {
            verified = await credentials.VerifyAsync(ClientId!.Trim(), ClientSecret!, cancellationToken);
        }
        catch (ApiException e) when (e.StatusCode is StatusCodes.Status401Unauthorized or StatusCodes.Status429TooManyRequests)
        {
            // Unknown client, revoked client and wrong secret read the same, so the page tells an attacker nothing.
            Show(e.StatusCode == StatusCodes.Status401Unauthorized ? ApiException.Unauthorized(FailedMessage) : e);
            ClientSecret = null;
            return Page();
        }

        var principal = PortalAuth.Principal(verified.User.Id, verified.User.Subject, verified.Merchant.Id, verified.Merchant.ResellerId,
            verified.Client.ClientId, HttpContext.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow());
        await HttpContext.SignInAsync(PortalAuth.CookieScheme, principal, new AuthenticationProperties { IsPersistent = false });
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) && ReturnUrl!.StartsWith(PortalExtensions.BasePath, StringComparison.Ordinal)
            ? ReturnUrl
            : PortalExtensions.BasePath + "/devices");
    }
}
