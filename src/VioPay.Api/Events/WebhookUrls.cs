using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using VioPay.Api.Infrastructure.Errors;

namespace VioPay.Api.Events;

/// <summary>
/// Which webhook URLs are acceptable (PROTOCOL §13.1) and which addresses a delivery may connect to. Outside Development,
/// unless <c>Webhooks:AllowPrivateNetworks</c>, a host that resolves to a loopback, private, link-local, CGNAT,
/// unique-local or metadata address is refused when the endpoint is created, and again at every connection
/// (<see cref="ConnectAsync"/>), so a name that later resolves elsewhere (DNS rebinding) reaches nothing inside.
/// </summary>
public sealed class WebhookUrls(IOptions<WebhookOptions> options, IHostEnvironment environment)
{
    public const int MaxLength = 2048;

    /// <summary>Ranges no webhook may reach (IPv4-mapped IPv6 addresses are judged as their IPv4 address).</summary>
    private static readonly IPNetwork[] Blocked =
    [
        IPNetwork.Parse("0.0.0.0/8"), IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("100.64.0.0/10"), IPNetwork.Parse("127.0.0.0/8"),
        IPNetwork.Parse("169.254.0.0/16"), IPNetwork.Parse("172.16.0.0/12"), IPNetwork.Parse("192.0.0.0/24"),
        IPNetwork.Parse("192.168.0.0/16"), IPNetwork.Parse("198.18.0.0/15"), IPNetwork.Parse("224.0.0.0/3"),
        IPNetwork.Parse("::/127"), IPNetwork.Parse("fc00::/7"), IPNetwork.Parse("fe80::/10"), IPNetwork.Parse("fec0::/10"),
        IPNetwork.Parse("ff00::/8"), IPNetwork.Parse("64:ff9b:1::/48"),
    ];

    public bool AllowsHttp => options.Value.AllowHttp ?? environment.IsDevelopment();

    public bool BlocksPrivateNetworks => !environment.IsDevelopment() && !options.Value.AllowPrivateNetworks;

    /// <summary>True for an address no webhook may reach outside Development (cloud metadata included: 169.254.169.254, fd00:ec2::254).</summary>
    public static bool IsPrivate(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        else if (address.AddressFamily == AddressFamily.InterNetworkV6 && IPNetwork.Parse("64:ff9b::/96").Contains(address))
        {
            // NAT64: the IPv4 address is the last four bytes.
            address = new IPAddress(address.GetAddressBytes()[12..]);
        }

        return Blocked.Any(n => n.BaseAddress.AddressFamily == address.AddressFamily && n.Contains(address));
    }

    /// <summary>The URL of a new endpoint, or 400 <c>4000</c> naming the field and, in <c>details.reason</c>, why.</summary>
    public async Task<Uri> ValidateAsync(string? url, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(url) || url.Length > MaxLength || !Uri.TryCreate(url, UriKind.Absolute, out var uri) ||
            uri.Scheme is not ("https" or "http") || uri.Host.Length == 0)
        {
            throw Refused("invalid_url", $"url must be an absolute https:// URL of at most {MaxLength} characters.");
        }

        if (uri.Scheme == "http" && !AllowsHttp)
        {
            throw Refused("https_required", "url must use https:// (plain http is accepted only where Webhooks:AllowHttp is set).");
        }

        if (uri.UserInfo.Length > 0 || uri.Fragment.Length > 0)
        {
            throw Refused("invalid_url", "url must not carry credentials or a fragment.");
        }

        if (BlocksPrivateNetworks)
        {
            var addresses = await ResolveAsync(uri.IdnHost, cancellationToken);
            if (addresses.Length == 0)
            {
                throw Refused("unresolvable_host", "url's host does not resolve to any address.");
            }

            if (addresses.Any(IsPrivate))
            {
                throw Refused("private_network",
                    "url's host resolves to a loopback, private, link-local or metadata address, which webhooks may not reach.");
            }
        }

        return uri;
    }

    /// <summary>
    /// The delivery client's connect step: resolves the host again and connects only to addresses a webhook may reach,
    /// so what the name resolves to at delivery time is what is judged.
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var addresses = await ResolveAsync(context.DnsEndPoint.Host, cancellationToken);
        var allowed = BlocksPrivateNetworks ? addresses.Where(a => !IsPrivate(a)).ToArray() : addresses;
        if (allowed.Length == 0)
        {
            throw new WebhookRefusedException(addresses.Length == 0 ? "unresolvable_host" : "private_network");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host.Trim('[', ']'), out var literal))
        {
            return [literal];
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            return await Dns.GetHostAddressesAsync(host, timeout.Token);
        }
        catch (SocketException)
        {
            return [];
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return [];
        }
    }

    private static ApiException Refused(string reason, string sentence) => ApiException.BadRequest("Invalid request body",
        new Dictionary<string, object?> { ["fields"] = new Dictionary<string, string> { ["url"] = sentence }, ["reason"] = reason });
}

/// <summary>A delivery the connect step refused; its reason (<c>private_network</c>, <c>unresolvable_host</c>) is the attempt's error.</summary>
public sealed class WebhookRefusedException(string reason) : Exception(reason)
{
    public string Reason { get; } = reason;
}
