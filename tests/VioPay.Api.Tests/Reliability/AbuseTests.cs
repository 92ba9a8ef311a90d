using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Tests.Infrastructure;
using VioPay.Crypto;

namespace VioPay.Api.Tests.Reliability;

/// <summary>Issue 6, abuse and bad input: every hostile body gets a clean 4xx in the envelope, the same one for every envelope failure.</summary>
public sealed class AbuseTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    /// <summary>Every way an MSK envelope can be wrong, from not JSON at all to a perfect envelope of a plaintext that is not JSON.</summary>
    public static TheoryData<string> EnvelopeFailures => new()
    {
        "not-json", "empty-object", "bad-hex", "short-iv", "random-ciphertext", "other-key", "plaintext-not-hex",
        "plaintext-not-utf8", "plaintext-not-json", "wrong-kcv", "invalid-utf8-string",
    };

    private static byte[] Failing(string kind, byte[] msk)
    {
        byte[] Envelope(byte[] asciiPlaintext, byte[]? key = null)
        {
            using var aes = Aes.Create();
            aes.Key = key ?? msk;
            var iv = RandomNumberGenerator.GetBytes(16);
            return JsonSerializer.SerializeToUtf8Bytes(new MskEnvelope
            {
                Ciphertext = Convert.ToHexString(aes.EncryptCbc(asciiPlaintext, iv)),
                InitializationVector = Convert.ToHexString(iv),
            });
        }

        var json = Encoding.ASCII.GetBytes(Convert.ToHexString("""{"emv_ready":true}"""u8));
        return kind switch
        {
            "not-json" => "this is not json"u8.ToArray(),
            "empty-object" => "{}"u8.ToArray(),
            "bad-hex" => """{"format":"TR31-DATA","ciphertext":"XYZ0","initialization_vector":"00000000000000000000000000000000","mode":"CBC"}"""u8.ToArray(),
            "short-iv" => """{"format":"TR31-DATA","ciphertext":"00000000000000000000000000000000","initialization_vector":"0000","mode":"CBC"}"""u8.ToArray(),
            "random-ciphertext" => JsonSerializer.SerializeToUtf8Bytes(new MskEnvelope
            {
                Ciphertext = Convert.ToHexString(RandomNumberGenerator.GetBytes(64)),
                InitializationVector = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)),
            }),
            "other-key" => Envelope(json, RandomNumberGenerator.GetBytes(32)),
            "plaintext-not-hex" => Envelope("ZZ-not-hex-ZZ"u8.ToArray()),
            "plaintext-not-utf8" => Envelope(Encoding.ASCII.GetBytes(Convert.ToHexString([0x7B, 0xC3, 0x28, 0x7D]))),
            "plaintext-not-json" => Envelope(Encoding.ASCII.GetBytes(Convert.ToHexString("hello"u8))),
            "wrong-kcv" => JsonSerializer.SerializeToUtf8Bytes(MskEnvelopeCipher.Encrypt(msk, """{"emv_ready":true}""") with { KeyKcv = "ABCDEF" }),
            "invalid-utf8-string" => [.. "{\"format\":\"TR31-DATA\",\"ciphertext\":\""u8, 0xC5, .. "\",\"initialization_vector\":\"00\",\"mode\":\"CBC\"}"u8],
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    [Theory]
    [MemberData(nameof(EnvelopeFailures))]
    public async Task EveryEnvelopeFailureOnEveryEndpointIsTheSame401(string kind)
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var chargeId = (await terminal.ChargeOkAsync()).Text("charge_id");
        var body = Failing(kind, terminal.Msk);
        await terminal.AttestAsync();
        var requests = new[]
        {
            terminal.WithToken("/pos/activate", body),
            terminal.Signed(HttpMethod.Post, "/pos/charge", body),
            terminal.Signed(HttpMethod.Post, $"/pos/charge/{chargeId}/refund", body),
            terminal.Signed(HttpMethod.Post, "/pos/charge/reverse", body),
        };
        foreach (var request in requests)
        {
            var error = await (await terminal.Http.SendAsync(request)).AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
            Assert.Equal(EnvelopeException.StandardMessage, error.GetProperty("message").GetString());
            Assert.False(error.TryGetProperty("details", out _), $"{kind} on {request.RequestUri}: {error}");
        }

        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
        Assert.Equal(1, await db.Charges.CountAsync(c => c.TerminalId == terminal.TerminalId));
        Assert.Equal(0, await db.Refunds.CountAsync(r => r.ChargeId == chargeId));
    }

    [Fact]
    public async Task RandomSignedBodiesAndHeadersNeverGetA5xx()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var random = new Random(20261201);
        var valid = terminal.EncryptedBody(terminal.ChargeJson());
        var statuses = new Dictionary<int, int>();
        for (var i = 0; i < 300; i++)
        {
            var body = random.Next(3) switch
            {
                0 => RandomBytes(random, random.Next(0, 300)),
                1 => Mutate(random, valid),
                _ => terminal.EncryptedBody(Encoding.UTF8.GetString(Mutate(random, Encoding.UTF8.GetBytes(terminal.ChargeJson())))),
            };
            var request = terminal.Signed(HttpMethod.Post, "/pos/charge", body);
            if (random.Next(4) == 0)
            {
                var header = new[] { "X-Nonce", "X-Timestamp", "X-Terminal-Id", "X-Key-Id", "X-Signature", "User-Agent", "Idempotency-Key" }[random.Next(7)];
                request.Headers.Remove(header);
                request.Headers.TryAddWithoutValidation(header, Encoding.Latin1.GetString(RandomBytes(random, random.Next(0, 80)).Select(b => (byte)(b % 95 + 32)).ToArray()));
            }

            var response = await terminal.Http.SendAsync(request);
            statuses[(int)response.StatusCode] = statuses.GetValueOrDefault((int)response.StatusCode) + 1;
            Assert.True((int)response.StatusCode < 500, $"case {i}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            if (response.StatusCode != HttpStatusCode.OK)
            {
                await response.AssertErrorAsync(response.StatusCode, ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture)[..1] + "0" +
                    ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture)[1..]);
            }
        }

        Assert.True(statuses.Count >= 2, string.Join(", ", statuses));
    }

    [Fact]
    public async Task AnOversizedPosBodyIs413AndNothingIsStored()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var huge = terminal.ChargeJson().TrimEnd('}') + ",\"padding\":\"" + new string('x', 70_000) + "\"}";
        var response = await terminal.Http.SendAsync(terminal.ChargeRequest(huge));
        await response.AssertErrorAsync(HttpStatusCode.RequestEntityTooLarge, "4013");
        using var scope = app.Services.CreateScope();
        Assert.Equal(0, await scope.ServiceProvider.GetRequiredService<VioPayDbContext>().Charges.CountAsync(c => c.TerminalId == terminal.TerminalId));
    }

    [Theory]
    [InlineData("deep")]
    [InlineData("invalid-utf8")]
    [InlineData("duplicate-keys")]
    [InlineData("truncated")]
    public async Task AHostileBackofficeBodyIs400AndChangesNothing(string kind)
    {
        var merchant = await app.CreateMerchantAsync();
        var portal = await app.PortalClientAsync(merchant);
        byte[] body = kind switch
        {
            "deep" => Encoding.UTF8.GetBytes("{\"tip_info\":" + string.Concat(Enumerable.Repeat("{\"a\":", 200)) + "1" + new string('}', 201)),
            "invalid-utf8" => [.. "{\"tip_info\":{\"name\":\""u8, 0xFF, 0xFE, .. "\"}}"u8],
            "duplicate-keys" => "{\"tip_info\":{},\"tip_info\":{\"enabled\":true}}"u8.ToArray(),
            _ => "{\"tip_info\":{\"enabled\":"u8.ToArray(),
        };
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        var response = await portal.PutAsync("/merchant/settings", content);
        await response.AssertErrorAsync(HttpStatusCode.BadRequest, "4000");

        using var scope = app.Services.CreateScope();
        var stored = await scope.ServiceProvider.GetRequiredService<VioPayDbContext>().Merchants.SingleAsync(m => m.Id == merchant.MerchantId);
        // jsonb keeps its own key order: compared as JSON, not as text.
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(System.Text.Json.Nodes.JsonNode.Parse(VioPay.Api.Tenancy.Merchant.DefaultSettings),
            System.Text.Json.Nodes.JsonNode.Parse(stored.SettingsJson)), stored.SettingsJson);
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Mutate(Random random, byte[] input)
    {
        var bytes = new List<byte>(input);
        for (var edits = random.Next(1, 4); edits > 0 && bytes.Count > 0; edits--)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(4))
            {
                case 0: bytes[at] ^= (byte)(1 << random.Next(8)); break;
                case 1: bytes.Insert(at, (byte)random.Next(256)); break;
                case 2: bytes.RemoveAt(at); break;
                default: bytes.RemoveRange(at, bytes.Count - at); break;
            }
        }

        return [.. bytes];
    }
}
