using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using VioPay.Api.Tests.Infrastructure;
using VioPay.Api.Tests.Portal;

namespace VioPay.Api.Tests.Reliability;

/// <summary>Two API processes on two loopback ports, one PostgreSQL and one Redis between them.</summary>
public class TwoInstances : IAsyncLifetime
{
    public SharedBackends Backends { get; private set; } = null!;
    public ApiProcess A { get; private set; } = null!;
    public ApiProcess B { get; private set; } = null!;

    /// <summary>The same set-up helpers over instances a test started itself (they are not disposed here).</summary>
    public static TwoInstances Over(SharedBackends backends, ApiProcess a, ApiProcess b) => new() { Backends = backends, A = a, B = b };

    /// <summary>The Redis the instances share instead of the test run's own server (a Redis Cluster's nodes), or null.</summary>
    protected virtual string? Redis => null;

    public virtual async Task InitializeAsync()
    {
        Backends = await SharedBackends.CreateAsync();
        if (Redis is { } redis)
        {
            Backends = Backends with { Redis = redis };
        }

        var limits = new Dictionary<string, string> { ["Payments__MaintenanceIntervalSeconds"] = "3600" };
        var started = await Task.WhenAll(ApiProcess.StartAsync(Backends, limits), ApiProcess.StartAsync(Backends, limits));
        (A, B) = (started[0], started[1]);
    }

    public async Task DisposeAsync()
    {
        if (A is null)
        {
            return;
        }

        await A.DisposeAsync();
        await B.DisposeAsync();
        await TestDependencies.DropDatabaseAsync(Backends.Postgres);
    }

    /// <summary>A new merchant (admin CLI) and a portal client whose requests alternate between the instances.</summary>
    public async Task<HttpClient> PortalAsync()
    {
        var reseller = await ApiProcess.AdminAsync(Backends, "create-reseller", "--name", "Scale-out reseller");
        var merchant = await ApiProcess.AdminAsync(Backends, "create-merchant", "--reseller", reseller.GetProperty("reseller_id").GetString()!,
            "--name", "Scale-out merchant");
        var client = await ApiProcess.AdminAsync(Backends, "create-api-client", "--merchant", merchant.GetProperty("merchant_id").GetString()!);
        return await Alternating().SignInAsync(client.GetProperty("client_id").GetString()!, client.GetProperty("client_secret").GetString()!);
    }

    public HttpClient Alternating() => new(new RoundRobin(A.BaseAddress, B.BaseAddress)) { BaseAddress = A.BaseAddress };

    /// <summary>A device provisioned through the alternating portal, as a terminal whose requests alternate too.</summary>
    public async Task<TestTerminal> TerminalAsync(HttpClient portal, HttpClient? http = null)
    {
        var response = await portal.PostAsJsonAsync("/merchant/devices", new { label = "Till", model = "PAX-A920" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return Tenants.TerminalFor(http ?? Alternating(), TimeProvider.System, body.RootElement);
    }
}

/// <summary>Issue 6, scale-out: every piece of shared state is shared, whichever instance a request lands on.</summary>
public sealed class ScaleOutTests(TwoInstances instances) : IClassFixture<TwoInstances>
{
    [Fact]
    public async Task APortalSessionAndItsFormsWorkOnEitherInstance()
    {
        var b = instances.Backends;
        var reseller = await ApiProcess.AdminAsync(b, "create-reseller", "--name", "Portal reseller");
        var merchant = await ApiProcess.AdminAsync(b, "create-merchant", "--reseller", reseller.GetProperty("reseller_id").GetString()!,
            "--name", "Portal merchant");
        var client = await ApiProcess.AdminAsync(b, "create-api-client", "--merchant", merchant.GetProperty("merchant_id").GetString()!);
        var fixture = new MerchantFixture(Guid.Parse(reseller.GetProperty("reseller_id").GetString()!),
            Guid.Parse(merchant.GetProperty("merchant_id").GetString()!), client.GetProperty("client_id").GetString()!,
            client.GetProperty("client_secret").GetString()!);

        // Signed in on A (a Production instance: the cookie is Secure, as a browser on a loopback origin still sends it) …
        var browser = await new HttpClient(new CookieJar(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }))
        {
            BaseAddress = instances.A.BaseAddress,
        }.SignedInAsync(fixture);
        // … the cookie is read on B, and a form rendered by B is accepted by A: the data-protection keys are shared in Redis.
        var claimPage = await browser.GetAsync(new Uri(instances.B.BaseAddress, "/portal/devices/claim"));
        Assert.Equal(HttpStatusCode.OK, claimPage.StatusCode);
        var posted = await browser.PostAsync("/portal/devices/claim", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__af"] = PortalForms.AntiforgeryToken(await claimPage.Content.ReadAsStringAsync()),
            ["device_id"] = "POS-00000000", ["pairing_code"] = "ABCDEF",
        }));
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        Assert.Contains("Device not found", await posted.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARevokedIdentityKeyEndsItsAttestationTokenOnEveryInstanceAtOnce()
    {
        var portal = await instances.PortalAsync();
        using var onA = new HttpClient { BaseAddress = instances.A.BaseAddress };
        using var onB = new HttpClient { BaseAddress = instances.B.BaseAddress };
        var terminal = await instances.TerminalAsync(portal, onA);
        await terminal.PairAndClaimAsync(portal);
        await terminal.AttestAsync();
        await terminal.SendOkAsync(terminal.WithToken("/pos/keys"));
        (await onB.SendAsync(terminal.WithToken("/pos/config"))).EnsureSuccessStatusCode();

        var revoked = await portal.DeleteAsync($"/merchant/devices/{terminal.DeviceId}/identity-keys/{terminal.IdentityKeyId}");
        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);

        await (await onA.SendAsync(terminal.WithToken("/pos/config"))).AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
        await (await onB.SendAsync(terminal.WithToken("/pos/config"))).AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
    }

    [Fact]
    public async Task ATerminalAlternatingBetweenInstancesActivatesAndCharges()
    {
        var portal = await instances.PortalAsync();
        var terminal = await instances.TerminalAsync(portal);

        // Every request of the flow lands on the other instance than the one before: the pairing code issued by
        // one is claimed on the other, the attestation token of one opens keys on the other, and so on.
        await terminal.PairAndClaimAsync(portal);
        await terminal.ActivateFullyAsync();

        var charge = await terminal.ChargeOkAsync(idempotencyKey: Guid.NewGuid().ToString());
        Assert.Equal("approved", charge.Text("status"));
        var id = charge.Text("charge_id");
        await terminal.SendEncryptedOkAsync(terminal.RefundRequest(id, "100"));
        var status = (await terminal.SendEncryptedOkAsync(terminal.Signed(HttpMethod.Get, $"/pos/charge/{id}", null))).Body;
        Assert.Equal("100", status.GetProperty("refunded_amount").Text("value"));
        var second = (await terminal.ChargeOkAsync()).Text("charge_id");
        var cancelled = (await terminal.SendEncryptedOkAsync(terminal.Signed(HttpMethod.Post, $"/pos/charge/{second}/cancel", null))).Body;
        Assert.Equal("cancelled", cancelled.Text("status"));
        var listed = await portal.GetStringAsync("/merchant/charges");
        Assert.Contains(id, listed, StringComparison.Ordinal);
        Assert.Contains(second, listed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ANonceUsedOnOneInstanceIsRefusedOnTheOther()
    {
        var portal = await instances.PortalAsync();
        var terminal = await instances.TerminalAsync(portal);
        await terminal.PairAndClaimAsync(portal);
        await terminal.ActivateFullyAsync();

        var nonce = TestTerminal.NewNonce();
        var body = terminal.EncryptedBody(terminal.ChargeJson());
        var first = await instances.A.Client.SendAsync(terminal.Signed(HttpMethod.Post, "/pos/charge", body, nonce: nonce));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var replay = await instances.B.Client.SendAsync(terminal.Signed(HttpMethod.Post, "/pos/charge", body, nonce: nonce));
        await replay.AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");

        // Attest nonces too: used on B, refused on A.
        var attestNonce = TestTerminal.NewNonce();
        Assert.Equal(HttpStatusCode.OK, (await instances.B.Client.SendAsync(terminal.Attest(nonce: attestNonce))).StatusCode);
        await (await instances.A.Client.SendAsync(terminal.Attest(nonce: attestNonce))).AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
    }

    [Fact]
    public async Task AnAttestationTokenFromOneInstanceWorksOnTheOther()
    {
        var portal = await instances.PortalAsync();
        var terminal = await instances.TerminalAsync(portal, instances.A.Client);
        await terminal.PairAndClaimAsync(portal);
        var attest = await instances.A.Client.SendAsync(terminal.Attest());
        using var body = JsonDocument.Parse(await attest.Content.ReadAsStringAsync());
        terminal.AttestationToken = body.RootElement.GetProperty("attestation_token").GetString();

        var keys = await instances.B.Client.SendAsync(terminal.WithToken("/pos/keys"));
        Assert.Equal(HttpStatusCode.OK, keys.StatusCode);
        var forged = await instances.B.Client.SendAsync(terminal.WithToken("/pos/keys", token: "att_" + new string('x', 43)));
        await forged.AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
    }

    [Fact]
    public async Task PairingCodeAttemptsCountAcrossInstances()
    {
        var portal = await instances.PortalAsync();
        var terminal = await instances.TerminalAsync(portal);
        var code = await terminal.PairingCodeAsync();
        var wrong = code == "AAAAAA" ? "BBBBBB" : "AAAAAA";

        // Five wrong claims, alternating A, B, A, B, A: the code dies as if they had all hit one instance.
        for (var i = 0; i < 5; i++)
        {
            await (await portal.ClaimAsync(terminal.DeviceId, wrong)).AssertErrorAsync(HttpStatusCode.NotFound, "4004");
        }

        await (await portal.ClaimAsync(terminal.DeviceId, code)).AssertErrorAsync(HttpStatusCode.Gone, "4010");
    }

    [Fact]
    public async Task RateLimitsCountAcrossInstances()
    {
        var portal = await instances.PortalAsync();
        var terminal = await instances.TerminalAsync(portal);
        await terminal.PairAndClaimAsync(portal);

        // Ten bad signatures, five on each instance, lock the device out on both.
        for (var i = 0; i < 10; i++)
        {
            await (await terminal.Http.SendAsync(terminal.Attest(secret: new byte[32]))).AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
        }

        foreach (var client in new[] { instances.A.Client, instances.B.Client })
        {
            var locked = await client.SendAsync(terminal.Attest());
            await locked.AssertErrorAsync(HttpStatusCode.TooManyRequests, "4029");
            Assert.NotNull(locked.Headers.RetryAfter);
        }
    }

    [Fact]
    public async Task AnIdempotentRetryOnTheOtherInstanceReturnsTheFirstAnswer()
    {
        var portal = await instances.PortalAsync();
        var terminal = await instances.TerminalAsync(portal);
        await terminal.PairAndClaimAsync(portal);
        await terminal.ActivateFullyAsync();

        var key = Guid.NewGuid().ToString();
        var json = terminal.ChargeJson();
        var first = await instances.A.Client.SendAsync(terminal.ChargeRequest(json, key));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        var retry = await instances.B.Client.SendAsync(terminal.ChargeRequest(json, key));
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal("true", retry.Headers.GetValues("Idempotent-Replayed").Single());

        using var a = JsonDocument.Parse(await first.Content.ReadAsStringAsync());
        using var b = JsonDocument.Parse(await retry.Content.ReadAsStringAsync());
        Assert.Equal(terminal.Decrypt(a.RootElement).GetRawText(), terminal.Decrypt(b.RootElement).GetRawText());
        Assert.NotEqual(a.RootElement.GetProperty("initialization_vector").GetString(), b.RootElement.GetProperty("initialization_vector").GetString());
    }
}
