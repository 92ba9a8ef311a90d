using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using VioPay.Crypto;

namespace VioPay.Api.Tests.Infrastructure;

/// <summary>The charge family on the test terminal: every header can be spoiled, every body is sent as the bytes signed.</summary>
public static class PaymentsTerminal
{
    public const string VisaApproved = "4111111111111111";

    /// <summary>A fully activated terminal of a fresh merchant, and that merchant's portal client.</summary>
    public static async Task<(TestTerminal Terminal, HttpClient Portal, MerchantFixture Merchant)> ActivatedTerminalAsync(this VioPayApp app,
        MerchantFixture? merchant = null)
    {
        merchant ??= await app.CreateMerchantAsync();
        var portal = await app.PortalClientAsync(merchant);
        var terminal = await app.ProvisionAsync(portal);
        await terminal.PairAndClaimAsync(portal);
        await terminal.ActivateFullyAsync();
        return (terminal, portal, merchant);
    }

    /// <summary>
    /// A charge-family request signed with the active MAC key (PROTOCOL §5). Every parameter that is not null replaces
    /// what an honest terminal would send, so a test can forge exactly one thing.
    /// </summary>
    public static HttpRequestMessage Signed(this TestTerminal t, HttpMethod method, string pathAndQuery, byte[]? body,
        string? idempotencyKey = null, string? nonce = null, string? timestamp = null, string? keyId = null, byte[]? macKey = null,
        string? signedTerminalId = null, byte[]? signedBody = null)
    {
        nonce ??= TestTerminal.NewNonce();
        timestamp ??= t.Now();
        var mark = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
        var (path, query) = mark < 0 ? (pathAndQuery, "") : (pathAndQuery[..mark], pathAndQuery[(mark + 1)..]);
        var terminalId = t.TerminalId!;
        var signature = RequestSignature.Sign(macKey ?? t.ActiveKeys["mac"],
            RequestSignature.ChargeString(method.Method, path, query, signedBody ?? body ?? [], signedTerminalId ?? terminalId, timestamp, nonce));
        var request = new HttpRequestMessage(method, pathAndQuery);
        request.Headers.TryAddWithoutValidation("X-Terminal-Id", terminalId);
        request.Headers.TryAddWithoutValidation("X-Timestamp", timestamp);
        request.Headers.TryAddWithoutValidation("X-Nonce", nonce);
        request.Headers.TryAddWithoutValidation("X-Key-Id", keyId ?? t.ActiveMacKeyId);
        request.Headers.TryAddWithoutValidation("X-Signature", signature);
        request.Headers.TryAddWithoutValidation("X-Client-Type", "pos");
        request.Headers.TryAddWithoutValidation("User-Agent", t.UserAgent);
        if (idempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        }

        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        return request;
    }

    public static string ChargeJson(this TestTerminal t, string pan = VisaApproved, string amount = "1500", string currency = "EUR",
        int expiryYear = 2099, int expiryMonth = 12, string cvm = "pin", string? pinBlock = "0412345678ABCDEF",
        string? emvData = "9F2608A1B2C3D4E5F6A7B89F2701809F360200019F37041A2B3C4D", string stan = "000123", string? terminalId = null,
        string authorizationType = "final", string? tip = null) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["card"] = new { number = pan, expiry_year = expiryYear, expiry_month = expiryMonth },
            ["amount"] = new { value = amount, currency },
            ["terminal"] = new
            {
                id = terminalId ?? t.TerminalId, type = "pos", terminal_entry_mode = "chip", attended = true,
                capabilities = new[] { "chip", "contactless" },
            },
            ["emv_data"] = emvData,
            ["cardholder_verification_method"] = cvm,
            ["pin_block"] = pinBlock is null ? null : new { block = pinBlock },
            ["stan"] = stan,
            ["authorization_type"] = authorizationType,
            ["tip"] = tip is null ? null : new { value = tip, currency },
        });

    public static HttpRequestMessage ChargeRequest(this TestTerminal t, string json, string? idempotencyKey = null) =>
        t.Signed(HttpMethod.Post, "/pos/charge", t.EncryptedBody(json), idempotencyKey);

    /// <summary>Sends, asserts 200, checks the envelope's KCV and answers the decrypted plaintext and the replay header.</summary>
    public static async Task<(JsonElement Body, bool Replayed)> SendEncryptedOkAsync(this TestTerminal t, HttpRequestMessage request)
    {
        var response = await t.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{request.Method} {request.RequestUri}: {(int)response.StatusCode} {text}");
        using var envelope = JsonDocument.Parse(text);
        Assert.Equal(KeyCheckValue.Legacy(t.Msk), envelope.RootElement.GetProperty("key_kcv").GetString());
        var replayed = response.Headers.TryGetValues("Idempotent-Replayed", out var values) && values.Single() == "true";
        return (t.Decrypt(envelope.RootElement), replayed);
    }

    public static async Task<JsonElement> ChargeOkAsync(this TestTerminal t, string? json = null, string? idempotencyKey = null) =>
        (await t.SendEncryptedOkAsync(t.ChargeRequest(json ?? t.ChargeJson(), idempotencyKey))).Body;

    public static HttpRequestMessage RefundRequest(this TestTerminal t, string chargeId, string amount, string currency = "EUR",
        string? idempotencyKey = null) =>
        t.Signed(HttpMethod.Post, $"/pos/charge/{chargeId}/refund",
            t.EncryptedBody(JsonSerializer.Serialize(new { amount = new { value = amount, currency }, reason = "customer_request" })),
            idempotencyKey);

    /// <summary>
    /// The idempotency record a charge claims before it calls the acquirer, for the request <paramref name="json"/>:
    /// what an instance that died mid-charge leaves behind.
    /// </summary>
    public static VioPay.Api.Payments.IdempotencyRecord InFlightRecord(this IServiceProvider services, string terminalId, string key,
        string json, string resourceId, DateTimeOffset now)
    {
        using var plaintext = JsonDocument.Parse(json);
        return new VioPay.Api.Payments.IdempotencyRecord
        {
            TerminalId = terminalId, Key = key, ResourceId = resourceId, CreatedAt = now, ExpiresAt = now.AddHours(24),
            RequestFingerprint = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions
                .GetRequiredService<VioPay.Api.Payments.CardFingerprints>(services)
                .Request(VioPay.Api.Payments.ChargeOperations.ChargeRoute, VioPay.Api.Payments.Idempotency.Canonical(plaintext.RootElement)),
        };
    }

    public static string Text(this JsonElement e, string name) => e.GetProperty(name).GetString()!;

    public static string Utf8(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
