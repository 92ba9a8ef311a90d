using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using VioPay.Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using VioPay.Crypto;

namespace VioPay.Api.Tests.Activation;

/// <summary>Every error row of PROTOCOL §3 that can happen on the activation endpoints.</summary>
public sealed class ActivationErrorTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    private async Task<(TestTerminal Terminal, HttpClient Portal, MerchantFixture Merchant)> ProvisionedAsync()
    {
        var merchant = await app.CreateMerchantAsync();
        var portal = await app.PortalClientAsync(merchant);
        return (await app.ProvisionAsync(portal), portal, merchant);
    }

    private async Task<TestTerminal> ClaimedAsync()
    {
        var (terminal, portal, _) = await ProvisionedAsync();
        await terminal.PairAndClaimAsync(portal);
        return terminal;
    }

    [Theory]
    [InlineData("/pos/bootstrap", "X-Device-Id")]
    [InlineData("/pos/bootstrap", "User-Agent")]
    [InlineData("/pos/bootstrap", "X-Client-Type")]
    [InlineData("/pos/pairing-code", "X-Device-Id")]
    [InlineData("/pos/pairing-code", "User-Agent")]
    [InlineData("/pos/pairing-code", "X-Client-Type")]
    [InlineData("/pos/status", "X-Client-Type")]
    public async Task AMissingActivationHeaderIs400NamingEveryRequiredHeader(string path, string header)
    {
        var (terminal, _, _) = await ProvisionedAsync();
        var request = terminal.Activation(path == "/pos/status" ? HttpMethod.Get : HttpMethod.Post, path);
        request.Headers.Remove(header);

        var error = await (await terminal.Http.SendAsync(request)).AssertErrorAsync(HttpStatusCode.BadRequest, "4000");

        Assert.Equal("Missing required headers", error.GetProperty("message").GetString());
        Assert.Equal(["X-Device-Id", "User-Agent", "X-Client-Type"], Strings(error.GetProperty("details").GetProperty("required_headers")));
        Assert.Equal([header], Strings(error.GetProperty("details").GetProperty("missing_headers")));
    }

    [Theory]
    [InlineData("X-Device-Id")]
    [InlineData("User-Agent")]
    [InlineData("X-Client-Type")]
    [InlineData("X-Key-Id")]
    [InlineData("X-Timestamp")]
    [InlineData("X-Nonce")]
    [InlineData("X-Signature")]
    public async Task AMissingAttestHeaderIs400NamingAllSeven(string header)
    {
        var terminal = await ClaimedAsync();
        var request = terminal.Attest();
        request.Headers.Remove(header);

        var error = await (await terminal.Http.SendAsync(request)).AssertErrorAsync(HttpStatusCode.BadRequest, "4000");

        Assert.Equal(7, error.GetProperty("details").GetProperty("required_headers").GetArrayLength());
        Assert.Equal([header], Strings(error.GetProperty("details").GetProperty("missing_headers")));
    }

    [Theory]
    [InlineData("X-Device-Id", "pos-8f3a2c91")]
    [InlineData("X-Device-Id", "POS-8F3A2C9")]
    [InlineData("User-Agent", "Mozilla/5.0")]
    [InlineData("User-Agent", "Viopay-POS/1.4 (Android 12; PAX-A920)")]
    [InlineData("X-Client-Type", "web")]
    public async Task AMalformedHeaderIs400NamingIt(string header, string value)
    {
        var (terminal, _, _) = await ProvisionedAsync();
        var request = terminal.Activation(HttpMethod.Post, "/pos/bootstrap");
        request.Headers.Remove(header);
        request.Headers.TryAddWithoutValidation(header, value);

        var error = await (await terminal.Http.SendAsync(request)).AssertErrorAsync(HttpStatusCode.BadRequest, "4000");

        Assert.Equal([header], Strings(error.GetProperty("details").GetProperty("invalid_headers")));
    }

    [Fact]
    public async Task AnUnknownDeviceIs404()
    {
        var (terminal, _, _) = await ProvisionedAsync();
        var request = terminal.Activation(HttpMethod.Post, "/pos/bootstrap");
        request.Headers.Remove("X-Device-Id");
        request.Headers.TryAddWithoutValidation("X-Device-Id", "POS-00000000");

        await (await terminal.Http.SendAsync(request)).AssertErrorAsync(HttpStatusCode.NotFound, "4004");
    }

    [Fact]
    public async Task AnOldAppGets426EverywhereButBootstrap()
    {
        var (terminal, _, _) = await ProvisionedAsync();
        terminal.UserAgent = "Viopay-POS/1.3.4 (Android 11; PAX-A80)";

        var bootstrap = await terminal.SendOkAsync(terminal.Activation(HttpMethod.Post, "/pos/bootstrap"));
        Assert.Equal("1.3.5", bootstrap.GetProperty("min_supported_version").GetString());
        await (await terminal.Http.SendAsync(terminal.Activation(HttpMethod.Post, "/pos/pairing-code"))).AssertErrorAsync(HttpStatusCode.UpgradeRequired, "4026");
        await (await terminal.Http.SendAsync(terminal.Attest())).AssertErrorAsync(HttpStatusCode.UpgradeRequired, "4026");
        terminal.UserAgent = "Viopay-POS/1.3.5-beta.1 (Android 11; PAX-A80)";
        await (await terminal.Http.SendAsync(terminal.Activation(HttpMethod.Get, "/pos/status"))).AssertErrorAsync(HttpStatusCode.UpgradeRequired, "4026");
        terminal.UserAgent = "Viopay-POS/1.3.5 (Android 11; PAX-A80)";
        await terminal.StatusAsync();
    }

    [Fact]
    public async Task AWrongSignatureIs401()
    {
        var terminal = await ClaimedAsync();

        var response = await terminal.Http.SendAsync(terminal.Attest(secret: new byte[32]));

        await response.AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
    }

    // Timestamps are whole seconds and the request takes its time to arrive, so each case keeps 2 s from the edge:
    // closer, a busy machine could land a "61 s ahead" request inside the window.
    [Theory]
    [InlineData(-302, false)]
    [InlineData(62, false)]
    [InlineData(-298, true)]
    [InlineData(58, true)]
    public async Task TheTimestampWindowIs300SecondsPastAnd60Future(int shiftSeconds, bool accepted)
    {
        var terminal = await ClaimedAsync();

        var response = await terminal.Http.SendAsync(terminal.Attest(timestamp: terminal.Now(TimeSpan.FromSeconds(shiftSeconds))));

        if (accepted)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        else
        {
            var error = await response.AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
            Assert.Matches(@"Z$", error.GetProperty("details").GetProperty("server_time").GetString());
        }
    }

    [Fact]
    public async Task AReplayedNonceIs401()
    {
        var terminal = await ClaimedAsync();
        var nonce = TestTerminal.NewNonce();
        var timestamp = terminal.Now();

        Assert.Equal(HttpStatusCode.OK, (await terminal.Http.SendAsync(terminal.Attest(timestamp, nonce))).StatusCode);
        await (await terminal.Http.SendAsync(terminal.Attest(timestamp, nonce))).AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
    }

    [Fact]
    public async Task ARevokedIdentityKeyIs404OnAttest()
    {
        var (terminal, portal, _) = await ProvisionedAsync();
        await terminal.PairAndClaimAsync(portal);
        var revoke = await portal.DeleteAsync($"/merchant/devices/{terminal.DeviceId}/identity-keys/{terminal.IdentityKeyId}");
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);

        var error = await (await terminal.Http.SendAsync(terminal.Attest())).AssertErrorAsync(HttpStatusCode.NotFound, "4004");

        Assert.Equal(terminal.IdentityKeyId, error.GetProperty("details").GetProperty("key_id").GetString());
    }

    [Fact]
    public async Task ANewIdentityKeyWorksAfterTheOldOneIsRevoked()
    {
        var (terminal, portal, _) = await ProvisionedAsync();
        await terminal.PairAndClaimAsync(portal);
        var created = await portal.PostAsync($"/merchant/devices/{terminal.DeviceId}/identity-keys", null);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        await portal.DeleteAsync($"/merchant/devices/{terminal.DeviceId}/identity-keys/{terminal.IdentityKeyId}");
        terminal.IdentityKeyId = body.RootElement.GetProperty("key_id").GetString()!;
        terminal.IdentitySecret = Convert.FromBase64String(body.RootElement.GetProperty("secret").GetString()!);

        await terminal.AttestAsync();
    }

    [Fact]
    public async Task ASuspendedDeviceIs403UntilResumed()
    {
        var (terminal, portal, _) = await ProvisionedAsync();
        await terminal.PairAndClaimAsync(portal);
        await terminal.AttestAsync();
        Assert.Equal(HttpStatusCode.OK, (await portal.PostAsync($"/merchant/devices/{terminal.DeviceId}/suspend", null)).StatusCode);

        await (await terminal.Http.SendAsync(terminal.Attest())).AssertErrorAsync(HttpStatusCode.Forbidden, "4003");
        await (await terminal.Http.SendAsync(terminal.WithToken("/pos/keys"))).AssertErrorAsync(HttpStatusCode.Forbidden, "4003");
        await (await terminal.Http.SendAsync(terminal.Activation(HttpMethod.Get, "/pos/status"))).AssertErrorAsync(HttpStatusCode.Forbidden, "4003");

        Assert.Equal(HttpStatusCode.OK, (await portal.PostAsync($"/merchant/devices/{terminal.DeviceId}/resume", null)).StatusCode);
        // The suspension ended the token for good (issue 10 point 8): the resumed device attests again.
        await (await terminal.Http.SendAsync(terminal.WithToken("/pos/keys"))).AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
        await terminal.AttestAsync();
        await terminal.InstallKeysAsync();
    }

    [Fact]
    public async Task AnExpiredOrForeignAttestationTokenIs401()
    {
        var first = await ClaimedAsync();
        var second = await ClaimedAsync();
        await first.AttestAsync();
        await second.AttestAsync();

        await (await second.Http.SendAsync(second.WithToken("/pos/keys", token: first.AttestationToken))).AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
        await (await second.Http.SendAsync(second.WithToken("/pos/keys", token: "att_" + SecureIds.Base62(43)))).AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
        var malformed = second.WithToken("/pos/keys");
        malformed.Headers.Remove("Authorization");
        malformed.Headers.TryAddWithoutValidation("Authorization", "Bearer " + second.AttestationToken);
        await (await second.Http.SendAsync(malformed)).AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
        var missingEverything = new HttpRequestMessage(HttpMethod.Post, "/pos/keys");
        await (await second.Http.SendAsync(missingEverything)).AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
    }

    [Fact]
    public async Task AnAttestationTokenExpiresAfterFiveMinutes()
    {
        await using var clockApp = new VioPayApp();
        await clockApp.InitializeAsync();
        var merchant = await clockApp.CreateMerchantAsync();
        var portal = await clockApp.PortalClientAsync(merchant);
        var terminal = await clockApp.ProvisionAsync(portal);
        await terminal.PairAndClaimAsync(portal);
        await terminal.AttestAsync();

        // Redis expires the token by its TTL; shorten that TTL to what five minutes later looks like.
        var redis = clockApp.Services.GetRequiredService<IConnectionMultiplexer>();
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        var keys = server.Keys(pattern: clockApp.RedisPrefix + "att-h:*").ToArray();
        Assert.Single(keys);
        Assert.InRange((await redis.GetDatabase().KeyTimeToLiveAsync(keys[0]))!.Value.TotalSeconds, 295, 300);
        await redis.GetDatabase().KeyExpireAsync(keys[0], TimeSpan.FromMilliseconds(1));
        await Task.Delay(50);
        await (await terminal.Http.SendAsync(terminal.WithToken("/pos/keys"))).AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
    }

    [Fact]
    public async Task AWrongPairingCodeIs404AndTheSixthAttemptIs410()
    {
        var (terminal, portal, _) = await ProvisionedAsync();
        var code = await terminal.PairingCodeAsync();
        var wrong = code == "AAAAAA" ? "BBBBBB" : "AAAAAA";

        for (var attempt = 1; attempt <= 5; attempt++)
        {
            await (await portal.ClaimAsync(terminal.DeviceId, wrong)).AssertErrorAsync(HttpStatusCode.NotFound, "4004");
        }

        await (await portal.ClaimAsync(terminal.DeviceId, wrong)).AssertErrorAsync(HttpStatusCode.Gone, "4010");
        await (await portal.ClaimAsync(terminal.DeviceId, code)).AssertErrorAsync(HttpStatusCode.Gone, "4010");
        Assert.Equal("expired", (await terminal.StatusAsync()).GetProperty("pairing_code_status").GetString());

        // A new code starts over.
        await terminal.PairAndClaimAsync(portal);
    }

    [Fact]
    public async Task AnExpiredPairingCodeIs410()
    {
        var (terminal, portal, _) = await ProvisionedAsync();
        var code = await terminal.PairingCodeAsync();
        var time = app.Time;

        time.Advance(TimeSpan.FromSeconds(301));
        try
        {
            await (await portal.ClaimAsync(terminal.DeviceId, code)).AssertErrorAsync(HttpStatusCode.Gone, "4010");
        }
        finally
        {
            time.Advance(TimeSpan.FromSeconds(-301));
        }
    }

    [Fact]
    public async Task ClaimWithoutACodeEverIssuedIs404AndAClaimedDeviceIs409()
    {
        var (terminal, portal, _) = await ProvisionedAsync();
        await (await portal.ClaimAsync(terminal.DeviceId, "ABCDEF")).AssertErrorAsync(HttpStatusCode.NotFound, "4004");

        var code = await terminal.PairingCodeAsync();
        Assert.Equal(HttpStatusCode.OK, (await portal.ClaimAsync(terminal.DeviceId, code)).StatusCode);
        await (await portal.ClaimAsync(terminal.DeviceId, code)).AssertErrorAsync(HttpStatusCode.Conflict, "4009");
        await (await terminal.Http.SendAsync(terminal.Activation(HttpMethod.Post, "/pos/pairing-code"))).AssertErrorAsync(HttpStatusCode.Conflict, "4009");
    }

    [Fact]
    public async Task AnotherMerchantCannotClaimTheDevice()
    {
        var (terminal, _, _) = await ProvisionedAsync();
        var other = await app.PortalClientAsync(await app.CreateMerchantAsync());
        var code = await terminal.PairingCodeAsync();

        await (await other.ClaimAsync(terminal.DeviceId, code)).AssertErrorAsync(HttpStatusCode.Forbidden, "4003");
        await (await other.GetAsync($"/merchant/devices/{terminal.DeviceId}")).AssertErrorAsync(HttpStatusCode.NotFound, "4004");
        await (await other.PostAsync($"/merchant/devices/{terminal.DeviceId}/suspend", null)).AssertErrorAsync(HttpStatusCode.NotFound, "4004");
    }

    [Fact]
    public async Task KeysBeforeClaimAre409AndAttestBeforeClaimIs409()
    {
        var (terminal, _, _) = await ProvisionedAsync();

        await (await terminal.Http.SendAsync(terminal.Attest())).AssertErrorAsync(HttpStatusCode.Conflict, "4009");
    }

    [Fact]
    public async Task AnUndecryptableEnvelopeOrAWrongKcvIs401WithOneMessage()
    {
        var terminal = await ClaimedAsync();
        await terminal.AttestAsync();
        await terminal.InstallKeysAsync();
        var messages = new HashSet<string>();
        byte[][] bodies =
        [
            Encoding.UTF8.GetBytes("""{"format":"TR31-DATA","ciphertext":"00112233445566778899AABBCCDDEEFF","initialization_vector":"00000000000000000000000000000000","mode":"CBC"}"""),
            Encoding.UTF8.GetBytes("not json at all"),
            Encoding.UTF8.GetBytes("{}"),
            terminal.EncryptedBody("""{"emv_ready":true,"keys_installed":true,"network_ok":true}""", kcv: "000000"),
            JsonSerializer.SerializeToUtf8Bytes(MskEnvelopeCipher.Encrypt(new byte[32], """{"emv_ready":true}""")),
        ];

        foreach (var body in bodies)
        {
            var error = await (await terminal.Http.SendAsync(terminal.WithToken("/pos/activate", body))).AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
            messages.Add(error.GetProperty("message").GetString()!);
        }

        Assert.Single(messages);
    }

    [Fact]
    public async Task ActivationWithAFalseFlagIs409NamingIt()
    {
        var terminal = await ClaimedAsync();
        await terminal.AttestAsync();
        await terminal.InstallKeysAsync();

        var error = await (await terminal.Http.SendAsync(terminal.ActivateRequest(keysInstalled: false, networkOk: false)))
            .AssertErrorAsync(HttpStatusCode.Conflict, "4009");

        Assert.Equal(["keys_installed", "network_ok"], Strings(error.GetProperty("details").GetProperty("not_ready")));
        Assert.Equal("claimed", (await terminal.StatusAsync()).GetProperty("device_status").GetString());
    }

    [Fact]
    public async Task ABodyThatIsNotJsonIs415AfterAuthentication()
    {
        var terminal = await ClaimedAsync();
        await terminal.AttestAsync();
        var request = terminal.WithToken("/pos/keys", Encoding.UTF8.GetBytes("x=1"));
        request.Content!.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        await (await terminal.Http.SendAsync(request)).AssertErrorAsync(HttpStatusCode.UnsupportedMediaType, "4015");

        // Every attestation-token endpoint, /pos/activate with its documented JSON body included: the 401 comes first.
        foreach (var path in new[] { "/pos/keys", "/pos/config", "/pos/terminal-parameters", "/pos/activate" })
        {
            var unauthenticated = terminal.WithToken(path, Encoding.UTF8.GetBytes("x=1"), token: "att_nope");
            unauthenticated.Content!.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
            await (await terminal.Http.SendAsync(unauthenticated)).AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
        }
    }

    [Fact]
    public async Task TenBadSignaturesLockAttestFor429()
    {
        var terminal = await ClaimedAsync();
        for (var i = 0; i < 10; i++)
        {
            await (await terminal.Http.SendAsync(terminal.Attest(secret: new byte[32]))).AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
        }

        var response = await terminal.Http.SendAsync(terminal.Attest());

        await response.AssertErrorAsync(HttpStatusCode.TooManyRequests, "4029");
        Assert.NotNull(response.Headers.RetryAfter);
    }

    private static string[] Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToArray();
}
