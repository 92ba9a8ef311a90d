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
    public HttpClient FormClient() =>
        new(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = BaseAddress };

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

public static partial class PortalForms
{
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
