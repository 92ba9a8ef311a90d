using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using IPNetwork = System.Net.IPNetwork;

namespace VioPay.Api.Infrastructure;

/// <summary>
/// The proxies whose <c>X-Forwarded-For</c> is believed (PROTOCOL §12.2). Nothing is trusted unless configured: not
/// even loopback, which ASP.NET Core trusts by default.
/// </summary>
public sealed class ForwardedHeadersSettings
{
    public const string Section = "ForwardedHeaders";

    /// <summary>IP addresses of trusted proxies, e.g. <c>10.0.0.5</c>.</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>CIDR networks of trusted proxies, e.g. <c>10.0.0.0/24</c>.</summary>
    public List<string> KnownNetworks { get; set; } = [];

    public bool Enabled => KnownProxies.Count > 0 || KnownNetworks.Count > 0;

    public bool IsValid() =>
        KnownProxies.All(p => IPAddress.TryParse(p, out _)) && KnownNetworks.All(n => IPNetwork.TryParse(n, out _));
}

public static class ClientAddressExtensions
{
    public static WebApplicationBuilder AddForwardedHeaders(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ForwardedHeadersSettings>().BindConfiguration(ForwardedHeadersSettings.Section)
            .Validate(s => s.IsValid(),
                "ForwardedHeaders:KnownProxies must list IP addresses and ForwardedHeaders:KnownNetworks CIDR networks (10.0.0.0/8).")
            .ValidateOnStart();
        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ForwardedHeadersSettings>>((options, settings) =>
        {
            // None when nothing is configured, so that even ASPNETCORE_FORWARDEDHEADERS_ENABLED (whose startup filter clears
            // both lists and so believes everyone) cannot make the service trust a forged X-Forwarded-For.
            // From a trusted proxy also X-Forwarded-Proto: behind a TLS-terminating ingress the portal's sign-in redirect
            // (the OIDC redirect_uri) and its cookies must say https, not the http the proxy spoke to us.
            options.ForwardedHeaders = settings.Value.Enabled
                ? ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto
                : ForwardedHeaders.None;
            // Walk X-Forwarded-For from the right while each hop is a trusted proxy: the first untrusted address is the
            // client, whatever a client wrote further left.
            options.ForwardLimit = null;
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            foreach (var proxy in settings.Value.KnownProxies)
            {
                options.KnownProxies.Add(IPAddress.Parse(proxy));
            }

            foreach (var network in settings.Value.KnownNetworks)
            {
                options.KnownIPNetworks.Add(IPNetwork.Parse(network));
            }
        });
        return builder;
    }

    /// <summary>
    /// Uses the forwarded client address only when trusted proxies are configured: with empty lists the framework's
    /// middleware would believe every peer, so without configuration it is not in the pipeline at all.
    /// </summary>
    public static WebApplication UseForwardedClientAddress(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<ForwardedHeadersSettings>>().Value.Enabled)
        {
            app.UseForwardedHeaders();
        }

        return app;
    }

    /// <summary>The client's IP as rate limits count it: the connection's, or the forwarded one from a trusted proxy.</summary>
    public static string ClientIp(this HttpContext http)
    {
        var address = http.Connection.RemoteIpAddress;
        if (address is null)
        {
            return "unknown";
        }

        return (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
    }
}
