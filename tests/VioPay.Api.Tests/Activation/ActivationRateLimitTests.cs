using System.Net;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Activation;

/// <summary>
/// Issue 10 point 2, PROTOCOL §12.2: the unauthenticated activation endpoints are limited per client IP (unknown device
/// ids included) and pairing codes per device; the client IP is the connection's unless a configured proxy forwards it.
/// Each test has its own app and Redis prefix, and names the peer address of each request (<see cref="TestPeerAddress"/>).
/// </summary>
public sealed class ActivationRateLimitTests
{
    private static async Task<VioPayApp> AppAsync(params (string Key, string Value)[] settings)
    {
        var app = new VioPayApp();
        foreach (var (key, value) in settings)
        {
            app.With(key, value);
        }

        await app.InitializeAsync();
        return app;
    }

    private static HttpRequestMessage Bootstrap(string deviceId, string peer, string? forwardedFor = null)
    {
        var terminal = new TestTerminal(new HttpClient(), TimeProvider.System, deviceId, "idk_x", new byte[32], new byte[32]);
        var request = terminal.Activation(HttpMethod.Post, "/pos/bootstrap").From(peer);
        if (forwardedFor is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor);
        }

        return request;
    }

    private static string UnknownDevice() => "POS-" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4));

    [Fact]
    public async Task BootstrapPairingCodeAndStatusTogetherOverThePerIpLimitAre429WithRetryAfter()
    {
        await using var app = await AppAsync(("RateLimits:ActivationRequestsPerIpPerMinute", "4"));
        var terminal = await app.ProvisionAsync(await app.PortalClientAsync(await app.CreateMerchantAsync()));

        await terminal.SendOkAsync(terminal.Activation(HttpMethod.Post, "/pos/bootstrap").From("203.0.113.7"));
        await terminal.SendOkAsync(terminal.Activation(HttpMethod.Post, "/pos/pairing-code").From("203.0.113.7"));
        await terminal.SendOkAsync(terminal.Activation(HttpMethod.Get, "/pos/status").From("203.0.113.7"));
        await terminal.SendOkAsync(terminal.Activation(HttpMethod.Get, "/pos/status").From("203.0.113.7"));
        var limited = await terminal.Http.SendAsync(terminal.Activation(HttpMethod.Post, "/pos/pairing-code").From("203.0.113.7"));

        await limited.AssertErrorAsync(HttpStatusCode.TooManyRequests, "4029");
        Assert.InRange(limited.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);
        // Another client is not held back by the first one's budget.
        await terminal.SendOkAsync(terminal.Activation(HttpMethod.Get, "/pos/status").From("203.0.113.8"));
    }

    [Fact]
    public async Task UnknownDeviceIdsCountTowardThePerIpLimit()
    {
        await using var app = await AppAsync(("RateLimits:ActivationRequestsPerIpPerMinute", "3"));
        var client = app.CreateClient();

        for (var i = 0; i < 3; i++)
        {
            await (await client.SendAsync(Bootstrap(UnknownDevice(), "198.51.100.20"))).AssertErrorAsync(HttpStatusCode.NotFound, "4004");
        }

        // The limit is judged before the device lookup: enumerating ids gets 429, not a 200/404 oracle.
        var limited = await client.SendAsync(Bootstrap(UnknownDevice(), "198.51.100.20"));
        await limited.AssertErrorAsync(HttpStatusCode.TooManyRequests, "4029");
        Assert.NotNull(limited.Headers.RetryAfter);
    }

    [Fact]
    public async Task PairingCodesOverThePerDeviceLimitAre429AndTheLastCodeStillClaims()
    {
        await using var app = await AppAsync(("RateLimits:PairingCodesPerDevice", "3"));
        var merchant = await app.CreateMerchantAsync();
        var portal = await app.PortalClientAsync(merchant);
        var terminal = await app.ProvisionAsync(portal);
        var other = await app.ProvisionAsync(portal);

        string code = "";
        for (var i = 0; i < 3; i++)
        {
            // From a different address each time: the per-device limit does not depend on the client.
            code = (await terminal.SendOkAsync(terminal.Activation(HttpMethod.Post, "/pos/pairing-code").From($"192.0.2.{i + 1}")))
                .GetProperty("pairing_code").GetString()!;
        }

        var limited = await terminal.Http.SendAsync(terminal.Activation(HttpMethod.Post, "/pos/pairing-code").From("192.0.2.99"));
        await limited.AssertErrorAsync(HttpStatusCode.TooManyRequests, "4029");
        Assert.InRange(limited.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 300);

        // The refused request replaced nothing, and other devices are not affected.
        Assert.Equal("pending", (await terminal.StatusAsync()).GetProperty("pairing_code_status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await portal.ClaimAsync(terminal.DeviceId, code)).StatusCode);
        await other.PairingCodeAsync();
    }

    [Fact]
    public async Task XForwardedForFromAnUntrustedPeerIsIgnored()
    {
        await using var app = await AppAsync(("RateLimits:ActivationRequestsPerIpPerMinute", "2"),
            ("ForwardedHeaders:KnownProxies:0", "10.0.0.5"));
        var client = app.CreateClient();

        // A client that is not the proxy cannot spread its requests over made-up addresses.
        await (await client.SendAsync(Bootstrap(UnknownDevice(), "203.0.113.50", "198.51.100.1"))).AssertErrorAsync(HttpStatusCode.NotFound, "4004");
        await (await client.SendAsync(Bootstrap(UnknownDevice(), "203.0.113.50", "198.51.100.2"))).AssertErrorAsync(HttpStatusCode.NotFound, "4004");
        await (await client.SendAsync(Bootstrap(UnknownDevice(), "203.0.113.50", "198.51.100.3"))).AssertErrorAsync(HttpStatusCode.TooManyRequests, "4029");
    }

    [Fact]
    public async Task XForwardedForFromATrustedProxyIsTheClientForActivationAndClaimLimits()
    {
        await using var app = await AppAsync(("RateLimits:ActivationRequestsPerIpPerMinute", "2"), ("RateLimits:ClaimsPerIpPerMinute", "1"),
            ("ForwardedHeaders:KnownProxies:0", "10.0.0.5"), ("ForwardedHeaders:KnownNetworks:0", "172.16.0.0/12"));
        var client = app.CreateClient();

        // Two clients behind the same proxy each have their own budget; the proxy's address has none of its own.
        foreach (var clientIp in new[] { "198.51.100.1", "198.51.100.2" })
        {
            await (await client.SendAsync(Bootstrap(UnknownDevice(), "10.0.0.5", clientIp))).AssertErrorAsync(HttpStatusCode.NotFound, "4004");
            await (await client.SendAsync(Bootstrap(UnknownDevice(), "10.0.0.5", clientIp))).AssertErrorAsync(HttpStatusCode.NotFound, "4004");
        }

        await (await client.SendAsync(Bootstrap(UnknownDevice(), "10.0.0.5", "198.51.100.1"))).AssertErrorAsync(HttpStatusCode.TooManyRequests, "4029");
        // A chain of trusted proxies (a network) is walked to the first untrusted address; what the client wrote further
        // left is not believed.
        await (await client.SendAsync(Bootstrap(UnknownDevice(), "10.0.0.5", "192.0.2.66, 198.51.100.1, 172.16.4.4"))).AssertErrorAsync(HttpStatusCode.TooManyRequests, "4029");
        await (await client.SendAsync(Bootstrap(UnknownDevice(), "10.0.0.5", "198.51.100.3"))).AssertErrorAsync(HttpStatusCode.NotFound, "4004");

        // The claim limit per client IP counts the same forwarded address.
        var portal = await app.PortalClientAsync(await app.CreateMerchantAsync());
        HttpRequestMessage Claim(string clientIp)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/pos/claim")
            {
                Content = System.Net.Http.Json.JsonContent.Create(new { pairing_code = "ABCDEF", device_id = "POS-00000000" }),
            }.From("10.0.0.5");
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", clientIp);
            return request;
        }

        await (await portal.SendAsync(Claim("198.51.100.7"))).AssertErrorAsync(HttpStatusCode.NotFound, "4004");
        await (await portal.SendAsync(Claim("198.51.100.7"))).AssertErrorAsync(HttpStatusCode.TooManyRequests, "4029");
        await (await portal.SendAsync(Claim("198.51.100.8"))).AssertErrorAsync(HttpStatusCode.NotFound, "4004");
    }

    [Fact]
    public async Task WithoutConfiguredProxiesNotEvenLoopbackIsBelieved()
    {
        await using var app = await AppAsync(("RateLimits:ActivationRequestsPerIpPerMinute", "1"));
        var client = app.CreateClient();

        await (await client.SendAsync(Bootstrap(UnknownDevice(), "127.0.0.1", "198.51.100.1"))).AssertErrorAsync(HttpStatusCode.NotFound, "4004");
        await (await client.SendAsync(Bootstrap(UnknownDevice(), "127.0.0.1", "198.51.100.2"))).AssertErrorAsync(HttpStatusCode.TooManyRequests, "4029");
    }
}
