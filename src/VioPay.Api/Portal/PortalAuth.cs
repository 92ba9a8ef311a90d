using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Sessions;

namespace VioPay.Api.Portal;

/// <summary>
/// The portal's sign-in: a cookie session (HttpOnly, SameSite=Lax, Secure outside Development, sliding expiry) whose
/// claims name the merchant, as the API's sessions do. Local mode signs in with an API client's id and secret
/// (<see cref="ClientCredentials"/>); Keycloak mode runs the OIDC authorization-code flow with PKCE against the realm and
/// maps the user to a merchant by its subject, as <c>POST /session/initiate</c> does.
/// </summary>
public static class PortalAuth
{
    public const string CookieScheme = "PortalCookie";
    public const string OidcScheme = "PortalOidc";
    public const string Policy = "portal";
    public const string SignInPath = PortalExtensions.BasePath + "/signin";

    public const string MerchantIdClaim = "merchant_id";
    public const string ResellerIdClaim = "reseller_id";
    public const string UserIdClaim = "user_id";
    public const string ClientIdClaim = "client_id";
    public const string SubjectClaim = "sub";
    public const string SignedInAtClaim = "signed_in_at";

    /// <summary>However active, a portal session ends this long after its sign-in (<c>Portal:SessionMaxHours</c>).</summary>
    public const int DefaultSessionMaxHours = 12;

    internal static void Add(WebApplicationBuilder builder)
    {
        var keycloak = builder.Configuration.GetValue<AuthMode?>("Auth:Mode") == AuthMode.Keycloak;
        var authentication = builder.Services.AddAuthentication();
        authentication.AddCookie(CookieScheme, o =>
        {
            o.Cookie.Name = "viopay.portal";
            o.Cookie.Path = PortalExtensions.BasePath;
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = builder.Environment.IsDevelopment() ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
            o.ExpireTimeSpan = TimeSpan.FromMinutes(30);
            o.SlidingExpiration = true;
            o.LoginPath = SignInPath;
            o.AccessDeniedPath = SignInPath;
            o.ReturnUrlParameter = "return_url";
            var maxAge = TimeSpan.FromHours(builder.Configuration.GetValue("Portal:SessionMaxHours", DefaultSessionMaxHours));
            o.Events.OnValidatePrincipal = context => StillAllowedAsync(context, maxAge);
            if (keycloak)
            {
                o.ForwardChallenge = OidcScheme;
            }
        });
        if (keycloak)
        {
            authentication.AddOpenIdConnect(OidcScheme, o =>
            {
                var auth = builder.Configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
                o.Authority = auth.Keycloak.Authority;
                o.RequireHttpsMetadata = auth.Keycloak.RequireHttpsMetadata;
                o.ClientId = auth.Keycloak.PortalClientId ?? auth.Keycloak.ClientId;
                o.ClientSecret = auth.Keycloak.PortalClientSecret ?? auth.Keycloak.ClientSecret;
                o.ResponseType = OpenIdConnectResponseType.Code;
                o.UsePkce = true;
                o.SignInScheme = CookieScheme;
                o.CallbackPath = PortalExtensions.BasePath + "/signin-oidc";
                o.SignedOutCallbackPath = PortalExtensions.BasePath + "/signout-callback-oidc";
                o.SignedOutRedirectUri = SignInPath;
                o.MapInboundClaims = false;
                o.SaveTokens = false;
                o.Scope.Clear();
                o.Scope.Add("openid");
                o.CorrelationCookie.Path = PortalExtensions.BasePath;
                o.NonceCookie.Path = PortalExtensions.BasePath;
                o.Events.OnTokenValidated = MapKeycloakUserAsync;
                // A refused or broken sign-in comes back to the sign-in page with a plain message, not an exception page.
                o.Events.OnRemoteFailure = context =>
                {
                    context.Response.Redirect(SignInPath + "?failed=1");
                    context.HandleResponse();
                    return Task.CompletedTask;
                };
            });
        }

        builder.Services.AddAuthorizationBuilder().AddPolicy(Policy, p => p
            .AddAuthenticationSchemes(CookieScheme)
            .RequireAuthenticatedUser()
            .RequireClaim(MerchantIdClaim));
    }

    /// <summary>The claims of a portal session for a user of a merchant.</summary>
    public static ClaimsPrincipal Principal(Guid userId, string subject, Guid merchantId, Guid resellerId, string? clientId,
        DateTimeOffset signedInAt)
    {
        var claims = new List<Claim>
        {
            new(SubjectClaim, subject),
            new(SignedInAtClaim, signedInAt.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new(UserIdClaim, userId.ToString()),
            new(MerchantIdClaim, merchantId.ToString()),
            new(ResellerIdClaim, resellerId.ToString()),
        };
        if (clientId is not null)
        {
            claims.Add(new Claim(ClientIdClaim, clientId));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, CookieScheme, SubjectClaim, null));
    }

    /// <summary>The signed-in merchant's session, in the shape the shared services take.</summary>
    public static SessionContext Session(this ClaimsPrincipal user) => new(
        Guid.Parse(user.FindFirstValue(UserIdClaim)!), user.FindFirstValue(SubjectClaim)!, Guid.Parse(user.FindFirstValue(MerchantIdClaim)!),
        Guid.Parse(user.FindFirstValue(ResellerIdClaim)!), "portal", "portal", user.FindFirstValue(ClientIdClaim));

    /// <summary>
    /// A revoked API client, or a user no longer registered for a merchant, loses its portal session at its next request,
    /// not when the cookie expires; and a session older than <paramref name="maxAge"/> since its sign-in ends, however
    /// active (the sliding expiry alone would let a used session live for ever).
    /// </summary>
    private static async Task StillAllowedAsync(CookieValidatePrincipalContext context, TimeSpan maxAge)
    {
        var principal = context.Principal!;
        var now = context.HttpContext.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        if (!long.TryParse(principal.FindFirstValue(SignedInAtClaim), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out var signedIn) ||
            now - DateTimeOffset.FromUnixTimeSeconds(signedIn) > maxAge)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieScheme);
            return;
        }

        var db = context.HttpContext.RequestServices.GetRequiredService<VioPayDbContext>();
        var userId = Guid.TryParse(principal.FindFirstValue(UserIdClaim), out var u) ? u : Guid.Empty;
        var merchantId = Guid.TryParse(principal.FindFirstValue(MerchantIdClaim), out var m) ? m : Guid.Empty;
        var clientId = principal.FindFirstValue(ClientIdClaim);
        var allowed = clientId is null
            ? await db.Users.AnyAsync(x => x.Id == userId && x.MerchantId == merchantId)
            : await db.ApiClients.AnyAsync(c => c.ClientId == clientId && c.UserId == userId && c.MerchantId == merchantId && c.RevokedAt == null);
        if (!allowed)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieScheme);
        }
    }

    /// <summary>The realm's user becomes the VioPay user with the same subject; one that belongs to no merchant is refused.</summary>
    private static async Task MapKeycloakUserAsync(Microsoft.AspNetCore.Authentication.OpenIdConnect.TokenValidatedContext context)
    {
        var subject = context.Principal?.FindFirstValue("sub");
        var db = context.HttpContext.RequestServices.GetRequiredService<VioPayDbContext>();
        var user = subject is null ? null : await db.Users.AsNoTracking().FirstOrDefaultAsync(x => x.Subject == subject && x.MerchantId != null);
        var resellerId = user is null ? null
            : await db.Merchants.Where(x => x.Id == user.MerchantId).Select(x => (Guid?)x.ResellerId).FirstOrDefaultAsync();
        if (user is null || resellerId is null)
        {
            context.Fail("No VioPay merchant user is registered for this account.");
            return;
        }

        context.Principal = Principal(user.Id, user.Subject, user.MerchantId!.Value, resellerId.Value, null,
            context.HttpContext.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow());
    }
}
