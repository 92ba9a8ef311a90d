using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.StackExchangeRedis;
using VioPay.Api.Infrastructure.Security;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using VioPay.Api.Infrastructure.Redis;
using VioPay.Api.Sessions;

namespace VioPay.Api.Portal;

/// <summary>
/// The merchant portal at <c>/portal</c>: server-rendered Razor Pages in the API host, signed in with a cookie (an API
/// client's id and secret in Local mode, the OIDC code flow with PKCE against Keycloak in Keycloak mode). Its pages call
/// the same services as the backoffice API (<see cref="Backoffice.ChargeQueries"/>, <see cref="Backoffice.DeviceActions"/>,
/// <see cref="Pairing.DeviceClaims"/> …), never the API over HTTP.
/// </summary>
public static class PortalExtensions
{
    public const string BasePath = "/portal";

    public static WebApplicationBuilder AddPortal(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddRazorPages(o =>
            {
                o.RootDirectory = "/Portal/Pages";
                o.Conventions.AuthorizeFolder("/", PortalAuth.Policy);
                o.Conventions.AllowAnonymousToPage("/SignIn");
            })
            .AddMvcOptions(o =>
            {
                o.Filters.Add(new PortalHeadersFilter());
                o.Filters.Add(new PortalAntiforgeryFailure());
            });

        // Cookies and antiforgery tokens are protected with keys every instance shares: kept in Redis under the
        // instance's key prefix, so a cookie one instance wrote is read by any other.
        services.AddDataProtection().SetApplicationName("viopay-portal");
        // The keys are encrypted under an LMK-derived key before they reach Redis (LmkXmlEncryptor).
        services.AddOptions<KeyManagementOptions>().Configure<IConnectionMultiplexer, RedisKeys, LocalMasterKey, ILoggerFactory>((o, redis, keys, lmk, logs) =>
        {
            o.XmlRepository = new LmkSealedXmlRepository(new RedisXmlRepository(() => redis.GetDatabase(), keys.For("dataprotection", "keys")),
                logs.CreateLogger<LmkSealedXmlRepository>());
            o.XmlEncryptor = new LmkXmlEncryptor(lmk);
        });

        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "viopay.portal.af";
            o.Cookie.Path = BasePath;
            o.FormFieldName = "__af";
            o.SuppressXFrameOptionsHeader = true; // PortalHeadersFilter sets DENY itself.
        });

        // Post/redirect/get messages ("Refund … approved") ride in a data-protected cookie of the portal's path only.
        services.Configure<Microsoft.AspNetCore.Mvc.CookieTempDataProviderOptions>(o =>
        {
            o.Cookie.Name = "viopay.portal.flash";
            o.Cookie.Path = BasePath;
            o.Cookie.SameSite = SameSiteMode.Lax;
        });

        PortalAuth.Add(builder);
        return builder;
    }

    public static WebApplication MapPortal(this WebApplication app)
    {
        app.MapRazorPages().ExcludeFromDescription();
        app.MapGet(BasePath + "/portal.css", PortalStyles.Serve).ExcludeFromDescription().AllowAnonymous();
        return app;
    }
}
