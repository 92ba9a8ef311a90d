using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Payments;

/// <summary>The HMAC charge headers (seed 001, PROTOCOL §5): every forgery is 401 and creates nothing.</summary>
public sealed class ChargeAuthTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    private async Task<int> ChargeRowsAsync(string terminalId)
    {
        using var scope = app.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<VioPayDbContext>().Charges.CountAsync(c => c.TerminalId == terminalId);
    }

    [Fact]
    public async Task AReplayedRequestIsRejectedAndCreatesNoRow()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var nonce = TestTerminal.NewNonce();
        var body = terminal.EncryptedBody(terminal.ChargeJson());
        var first = await terminal.Http.SendAsync(terminal.Signed(HttpMethod.Post, "/pos/charge", body, nonce: nonce));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        var replay = await terminal.Http.SendAsync(terminal.Signed(HttpMethod.Post, "/pos/charge", body, nonce: nonce));
        await replay.AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
        Assert.Equal(1, await ChargeRowsAsync(terminal.TerminalId!));
    }

    [Fact]
    public async Task ASignatureOverAModifiedBodyIsRejected()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var signed = terminal.EncryptedBody(terminal.ChargeJson(amount: "100"));
        var sent = terminal.EncryptedBody(terminal.ChargeJson(amount: "100000"));
        var response = await terminal.Http.SendAsync(terminal.Signed(HttpMethod.Post, "/pos/charge", sent, signedBody: signed));
        var error = await response.AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
        Assert.Equal("Invalid signature", error.GetProperty("message").GetString());

        var flipped = (byte[])signed.Clone();
        flipped[^3] ^= 0x01;
        var tampered = await terminal.Http.SendAsync(terminal.Signed(HttpMethod.Post, "/pos/charge", flipped, signedBody: signed));
        await tampered.AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
        Assert.Equal(0, await ChargeRowsAsync(terminal.TerminalId!));
    }

    [Fact]
    public async Task TheSignatureCoversMethodPathQueryAndTerminal()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var chargeId = (await terminal.ChargeOkAsync()).Text("charge_id");

        // Signed for GET /pos/charge/{id}, sent to /cancel: the path is part of the signature.
        var request = terminal.Signed(HttpMethod.Post, $"/pos/charge/{chargeId}/cancel", null);
        var honest = terminal.Signed(HttpMethod.Get, $"/pos/charge/{chargeId}", null);
        request.Headers.Remove("X-Signature");
        request.Headers.TryAddWithoutValidation("X-Signature", honest.Headers.GetValues("X-Signature").Single());
        request.Headers.Remove("X-Timestamp");
        request.Headers.TryAddWithoutValidation("X-Timestamp", honest.Headers.GetValues("X-Timestamp").Single());
        request.Headers.Remove("X-Nonce");
        request.Headers.TryAddWithoutValidation("X-Nonce", honest.Headers.GetValues("X-Nonce").Single());
        await (await terminal.Http.SendAsync(request)).AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");

        var otherTerminal = await terminal.Http.SendAsync(terminal.Signed(HttpMethod.Get, $"/pos/charge/{chargeId}", null, signedTerminalId: "TID-999999"));
        await otherTerminal.AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");

        var status = (await terminal.SendEncryptedOkAsync(terminal.Signed(HttpMethod.Get, $"/pos/charge/{chargeId}", null))).Body;
        Assert.Equal("approved", status.Text("status"));
    }

    [Fact]
    public async Task AKeyIdThatIsNotTheActiveMacKeyIsRejected()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var body = terminal.EncryptedBody(terminal.ChargeJson());
        var wrongId = await terminal.Http.SendAsync(terminal.Signed(HttpMethod.Post, "/pos/charge", body, keyId: "mac-unknown"));
        await wrongId.AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
        var wrongKey = await terminal.Http.SendAsync(terminal.Signed(HttpMethod.Post, "/pos/charge", body, macKey: RandomNumberGenerator.GetBytes(32)));
        await wrongKey.AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");

        // After a rotation the old MAC key is retired: its key id no longer signs.
        var oldKeyId = terminal.ActiveMacKeyId;
        var oldMac = terminal.ActiveKeys["mac"];
        await terminal.AttestAsync();
        await terminal.InstallKeysAsync();
        await terminal.ActivateAsync();
        var retired = await terminal.Http.SendAsync(terminal.Signed(HttpMethod.Post, "/pos/charge",
            terminal.EncryptedBody(terminal.ChargeJson()), keyId: oldKeyId, macKey: oldMac));
        await retired.AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
        Assert.Equal("approved", (await terminal.ChargeOkAsync()).Text("status"));
        Assert.Equal(1, await ChargeRowsAsync(terminal.TerminalId!));
    }

    [Fact]
    public async Task AnotherTerminalsChargeIsNotFound()
    {
        var (mine, _, merchant) = await app.ActivatedTerminalAsync();
        var (sibling, _, _) = await app.ActivatedTerminalAsync(merchant);
        var chargeId = (await mine.ChargeOkAsync()).Text("charge_id");

        foreach (var request in new[]
                 {
                     sibling.Signed(HttpMethod.Get, $"/pos/charge/{chargeId}", null),
                     sibling.Signed(HttpMethod.Post, $"/pos/charge/{chargeId}/cancel", null),
                     sibling.Signed(HttpMethod.Post, $"/pos/charge/{chargeId}/reverse", null),
                     sibling.RefundRequest(chargeId, "100"),
                 })
        {
            await (await sibling.Http.SendAsync(request)).AssertErrorAsync(HttpStatusCode.NotFound, "4004");
        }

        var unchanged = (await mine.SendEncryptedOkAsync(mine.Signed(HttpMethod.Get, $"/pos/charge/{chargeId}", null))).Body;
        Assert.Equal(("approved", "0"), (unchanged.Text("status"), unchanged.GetProperty("refunded_amount").Text("value")));
    }

    [Fact]
    public async Task StaleAndFutureTimestampsAre401WithServerTime()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        foreach (var shift in new[] { TimeSpan.FromSeconds(-302), TimeSpan.FromSeconds(62) })
        {
            var response = await terminal.Http.SendAsync(terminal.Signed(HttpMethod.Post, "/pos/charge",
                terminal.EncryptedBody(terminal.ChargeJson()), timestamp: terminal.Now(shift)));
            var error = await response.AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", error.GetProperty("details").GetProperty("server_time").GetString());
        }

        Assert.Equal(0, await ChargeRowsAsync(terminal.TerminalId!));
    }

    [Fact]
    public async Task MissingHeadersNameEveryRequiredOne()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var request = terminal.Signed(HttpMethod.Post, "/pos/charge", terminal.EncryptedBody(terminal.ChargeJson()));
        request.Headers.Remove("X-Nonce");
        var error = await (await terminal.Http.SendAsync(request)).AssertErrorAsync(HttpStatusCode.BadRequest, "4000");
        Assert.Equal(["X-Nonce"], error.GetProperty("details").GetProperty("missing_headers").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(7, error.GetProperty("details").GetProperty("required_headers").GetArrayLength());
    }

    [Theory]
    [InlineData("X-Nonce", "short")]
    [InlineData("X-Terminal-Id", "TERM-1")]
    [InlineData("X-Client-Type", "web")]
    [InlineData("User-Agent", "curl/8.0")]
    [InlineData("Idempotency-Key", "")]
    public async Task MalformedHeadersAre400NamingThem(string header, string value)
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var request = terminal.Signed(HttpMethod.Post, "/pos/charge", terminal.EncryptedBody(terminal.ChargeJson()));
        request.Headers.Remove(header);
        request.Headers.TryAddWithoutValidation(header, value);
        var response = await terminal.Http.SendAsync(request);
        if (header == "Idempotency-Key")
        {
            // An empty header is no header: the charge goes through without a key.
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return;
        }

        var error = await response.AssertErrorAsync(HttpStatusCode.BadRequest, "4000");
        Assert.Contains(header, error.GetProperty("details").GetProperty("invalid_headers").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task AnOverlongIdempotencyKeyIs400()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var response = await terminal.Http.SendAsync(terminal.ChargeRequest(terminal.ChargeJson(), new string('k', 256)));
        var error = await response.AssertErrorAsync(HttpStatusCode.BadRequest, "4000");
        Assert.Contains("Idempotency-Key", error.GetProperty("details").GetProperty("invalid_headers").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task AnOldAppVersionIs426()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        terminal.UserAgent = "Viopay-POS/1.3.4 (Android 12; PAX-A920)";
        var response = await terminal.Http.SendAsync(terminal.ChargeRequest(terminal.ChargeJson()));
        await response.AssertErrorAsync(HttpStatusCode.UpgradeRequired, "4026");
    }

    [Fact]
    public async Task ASuspendedDeviceIs403AndNothingIsCharged()
    {
        var (terminal, portal, _) = await app.ActivatedTerminalAsync();
        var suspend = await portal.PostAsync($"/merchant/devices/{terminal.DeviceId}/suspend", null);
        Assert.Equal(HttpStatusCode.OK, suspend.StatusCode);
        var response = await terminal.Http.SendAsync(terminal.ChargeRequest(terminal.ChargeJson()));
        await response.AssertErrorAsync(HttpStatusCode.Forbidden, "4003");
        Assert.Equal(0, await ChargeRowsAsync(terminal.TerminalId!));
    }

    [Fact]
    public async Task AClaimedButNotActivatedDeviceCannotCharge()
    {
        var merchant = await app.CreateMerchantAsync();
        var portal = await app.PortalClientAsync(merchant);
        var terminal = await app.ProvisionAsync(portal);
        await terminal.PairAndClaimAsync(portal);
        await terminal.AttestAsync();
        await terminal.InstallKeysAsync();
        await terminal.ConfigAsync();

        // It holds a pending MAC key only: charges need the active set's.
        var request = terminal.Signed(HttpMethod.Post, "/pos/charge", terminal.EncryptedBody(terminal.ChargeJson()),
            keyId: terminal.PendingMacKeyId, macKey: terminal.PendingKeys["mac"]);
        await (await terminal.Http.SendAsync(request)).AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("{}")]
    [InlineData("""{"format":"TR31-DATA","ciphertext":"00","initialization_vector":"00","mode":"CBC"}""")]
    public async Task ABodyThatIsNotAnEnvelopeIs401WithTheEnvelopeMessage(string body)
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var response = await terminal.Http.SendAsync(terminal.Signed(HttpMethod.Post, "/pos/charge", Encoding.UTF8.GetBytes(body)));
        var error = await response.AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
        Assert.Equal(VioPay.Crypto.EnvelopeException.StandardMessage, error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task AnEnvelopeUnderAnotherKeyOrWithAWrongKcvIs401()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var foreign = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(
            VioPay.Crypto.MskEnvelopeCipher.Encrypt(RandomNumberGenerator.GetBytes(32), terminal.ChargeJson()));
        var response = await terminal.Http.SendAsync(terminal.Signed(HttpMethod.Post, "/pos/charge", foreign));
        await response.AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");

        var wrongKcv = terminal.EncryptedBody(terminal.ChargeJson(), kcv: "000000");
        var kcv = await terminal.Http.SendAsync(terminal.Signed(HttpMethod.Post, "/pos/charge", wrongKcv));
        await kcv.AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
    }

    [Fact]
    public async Task ABodyThatIsNotJsonIs415AfterAuthentication()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var request = terminal.Signed(HttpMethod.Post, "/pos/charge", terminal.EncryptedBody(terminal.ChargeJson()));
        request.Content!.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/plain");
        await (await terminal.Http.SendAsync(request)).AssertErrorAsync(HttpStatusCode.UnsupportedMediaType, "4015");

        var unsigned = terminal.Signed(HttpMethod.Post, "/pos/charge", terminal.EncryptedBody(terminal.ChargeJson()), macKey: new byte[32]);
        unsigned.Content!.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/plain");
        await (await terminal.Http.SendAsync(unsigned)).AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
    }

    [Theory]
    [InlineData("/pos/charge/ch_short")]
    [InlineData("/pos/charge/ch_AAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("/pos/charge/rf_AAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task AnUnknownOrMalformedChargeIdIs404(string path)
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        await (await terminal.Http.SendAsync(terminal.Signed(HttpMethod.Get, path, null))).AssertErrorAsync(HttpStatusCode.NotFound, "4004");
        await (await terminal.Http.SendAsync(terminal.Signed(HttpMethod.Post, path + "/cancel", null)))
            .AssertErrorAsync(HttpStatusCode.NotFound, "4004");
    }

    [Fact]
    public async Task APercentEncodedQueryIsSignedAsSent()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var key = "order 42/ä+€";
        await terminal.ChargeOkAsync(idempotencyKey: "order-42-ascii");
        var charge = await terminal.ChargeOkAsync(idempotencyKey: "order 42/+!");
        var found = (await terminal.SendEncryptedOkAsync(terminal.Signed(HttpMethod.Get,
            "/pos/charge?idempotency_key=" + Uri.EscapeDataString("order 42/+!"), null))).Body;
        Assert.Equal(charge.Text("charge_id"), found.Text("charge_id"));

        // Not printable ASCII: refused as a key, with a clear error, not a 500.
        var bad = await terminal.Http.SendAsync(terminal.Signed(HttpMethod.Get, "/pos/charge?idempotency_key=" + Uri.EscapeDataString(key), null));
        await bad.AssertErrorAsync(HttpStatusCode.BadRequest, "4000");
        var missing = await terminal.Http.SendAsync(terminal.Signed(HttpMethod.Get, "/pos/charge", null));
        await missing.AssertErrorAsync(HttpStatusCode.BadRequest, "4000");
    }
}
