using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Portal;

/// <summary>The real app on a real Kestrel listener on 127.0.0.1 (a free port), so a browser can reach it.</summary>
public sealed class PortalApp : VioPayApp
{
    public PortalApp()
    {
        Port = FreePort();
        UseKestrel(Port);
        // Webhooks to a receiver on 127.0.0.1 (as Development allows), polled often so a test ping is sent at once.
        With("Webhooks:AllowHttp", "true");
        With("Webhooks:AllowPrivateNetworks", "true");
        With("Webhooks:PollIntervalMs", "100");
        ClientOptions.BaseAddress = new Uri($"http://127.0.0.1:{Port}");
    }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        StartServer();
    }

    /// <summary>A cookie-keeping client that does not follow redirects, as a browser without script would post forms.</summary>
    public HttpClient FormClient() => new(new CookieJar(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }))
    {
        BaseAddress = BaseAddress,
    };

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>
/// Keeps cookies as a browser does for a loopback origin: the portal's cookies are Secure outside Development, and a
/// browser sends those to http://127.0.0.1 (a secure context) while <see cref="CookieContainer"/> would not.
/// </summary>
public sealed class CookieJar(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    private readonly Dictionary<string, string> _cookies = new(StringComparer.Ordinal);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        lock (_cookies)
        {
            if (_cookies.Count > 0)
            {
                request.Headers.TryAddWithoutValidation("Cookie", string.Join("; ", _cookies.Select(c => $"{c.Key}={c.Value}")));
            }
        }

        var response = await base.SendAsync(request, cancellationToken);
        if (response.Headers.TryGetValues("Set-Cookie", out var values))
        {
            lock (_cookies)
            {
                foreach (var pair in values.Select(v => v.Split(';')[0]))
                {
                    var eq = pair.IndexOf('=', StringComparison.Ordinal);
                    var (name, value) = (pair[..eq].Trim(), pair[(eq + 1)..].Trim());
                    if (value.Length == 0)
                    {
                        _cookies.Remove(name);
                    }
                    else
                    {
                        _cookies[name] = value;
                    }
                }
            }
        }

        return response;
    }
}

public static partial class PortalForms
{
    /// <summary>
    /// For an in-process (TestServer) client of the portal: https, so that its Secure cookies are sent back, and redirects
    /// left to the test.
    /// </summary>
    public static Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions ClientOptions => new()
    {
        BaseAddress = new Uri("https://localhost"), AllowAutoRedirect = false,
    };

    /// <summary>The antiforgery token of the first form on a page.</summary>
    public static string AntiforgeryToken(string html) =>
        AntiforgeryInput().Match(html) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value) : throw new Xunit.Sdk.XunitException("no antiforgery token on the page:\n" + html);

    /// <summary>Signs a <see cref="PortalApp.FormClient"/> in through the sign-in form, as a browser would.</summary>
    public static async Task<HttpClient> SignedInAsync(this HttpClient client, MerchantFixture merchant)
    {
        var form = await client.GetStringAsync("/portal/signin");
        var response = await client.PostAsync("/portal/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__af"] = AntiforgeryToken(form), ["client_id"] = merchant.ClientId, ["client_secret"] = merchant.ClientSecret,
        }));
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return client;
    }

    [GeneratedRegex("name=\"__af\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryInput();
}
