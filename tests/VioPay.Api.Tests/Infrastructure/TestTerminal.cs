using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using VioPay.Crypto;

namespace VioPay.Api.Tests.Infrastructure;

/// <summary>
/// The terminal side of the protocol for tests, built on VioPay.Crypto only: it builds every
/// request by hand (so a test can drop or spoil any header), unwraps keys from the ZMK down and
/// checks every KCV, and encrypts/decrypts MSK envelopes.
/// </summary>
public sealed class TestTerminal(HttpClient http, TimeProvider time, string deviceId, string identityKeyId, byte[] identitySecret, byte[] zmk)
{
    public const string DefaultUserAgent = "Viopay-POS/1.4.2 (Android 12; PAX-A920)";

    public HttpClient Http { get; } = http;
    public string DeviceId { get; } = deviceId;
    public string IdentityKeyId { get; set; } = identityKeyId;
    public byte[] IdentitySecret { get; set; } = identitySecret;
    public byte[] Zmk { get; } = zmk;
    public string UserAgent { get; set; } = DefaultUserAgent;
    public string? AttestationToken { get; set; }
    public string? TerminalId { get; private set; }
    public Dictionary<string, byte[]> PendingKeys { get; } = [];
    public Dictionary<string, byte[]> ActiveKeys { get; private set; } = [];
    public string? PendingMacKeyId { get; private set; }
    public string? ActiveMacKeyId { get; private set; }

    public byte[] Msk => PendingKeys.Count > 0 ? PendingKeys["msk"] : ActiveKeys["msk"];

    public static string Timestamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public string Now(TimeSpan? shift = null) => Timestamp(time.GetUtcNow() + (shift ?? TimeSpan.Zero));

    public static string NewNonce() => SecureIds.Base62(24);

    public HttpRequestMessage Activation(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.TryAddWithoutValidation("X-Device-Id", DeviceId);
        request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        request.Headers.TryAddWithoutValidation("X-Client-Type", "pos");
        return request;
    }

    public HttpRequestMessage Attest(string? timestamp = null, string? nonce = null, byte[]? secret = null)
    {
        timestamp ??= Now();
        nonce ??= NewNonce();
        var request = Activation(HttpMethod.Post, "/pos/attest");
        request.Headers.TryAddWithoutValidation("X-Key-Id", IdentityKeyId);
        request.Headers.TryAddWithoutValidation("X-Timestamp", timestamp);
        request.Headers.TryAddWithoutValidation("X-Nonce", nonce);
        request.Headers.TryAddWithoutValidation("X-Signature",
            RequestSignature.Sign(secret ?? IdentitySecret, RequestSignature.AttestString(DeviceId, IdentityKeyId, timestamp, nonce)));
        return request;
    }

    public HttpRequestMessage WithToken(string path, byte[]? body = null, string? token = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.TryAddWithoutValidation("Authorization", "Attestation " + (token ?? AttestationToken));
        request.Headers.TryAddWithoutValidation("X-Device-Id", DeviceId);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        return request;
    }

    public async Task<JsonElement> SendOkAsync(HttpRequestMessage request)
    {
        var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{request.Method} {request.RequestUri}: {(int)response.StatusCode} {text}");
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    public async Task<string> PairingCodeAsync() =>
        (await SendOkAsync(Activation(HttpMethod.Post, "/pos/pairing-code"))).GetProperty("pairing_code").GetString()!;

    public Task<JsonElement> StatusAsync() => SendOkAsync(Activation(HttpMethod.Get, "/pos/status"));

    public async Task AttestAsync() =>
        AttestationToken = (await SendOkAsync(Attest())).GetProperty("attestation_token").GetString();

    /// <summary>Downloads a key set and installs it as seed 003 says: ZMK → TMK → KEK → the rest, every KCV checked.</summary>
    public async Task<JsonElement> InstallKeysAsync()
    {
        var response = await SendOkAsync(WithToken("/pos/keys"));
        var keys = response.GetProperty("keys");
        var kcv = response.GetProperty("verification").GetProperty("kcv");
        var kcvCmac = response.GetProperty("verification").GetProperty("kcv_cmac");
        PendingKeys.Clear();
        foreach (var (name, kind, wrapper) in new[]
                 {
                     ("tmk", KeySetKey.Tmk, (string?)null), ("kek", KeySetKey.Kek, "tmk"), ("msk", KeySetKey.Msk, "kek"),
                     ("tpk", KeySetKey.Tpk, "kek"), ("tdk", KeySetKey.Tdk, "kek"), ("mac", KeySetKey.Mac, "kek"),
                 })
        {
            var block = Encoding.ASCII.GetString(Convert.FromBase64String(keys.GetProperty(name).GetProperty("key_block").GetString()!));
            var unwrapped = Tr31KeyBlock.Unwrap(wrapper is null ? Zmk : PendingKeys[wrapper], block);
            var expected = KeySetHeaders.For(kind);
            Assert.Equal((expected.KeyUsage, expected.Algorithm, expected.ModeOfUse, expected.Exportability),
                (unwrapped.Header.KeyUsage, unwrapped.Header.Algorithm, unwrapped.Header.ModeOfUse, unwrapped.Header.Exportability));
            Assert.Equal(32, unwrapped.Key.Length);
            Assert.Equal(kcv.GetProperty(name).GetString(), KeyCheckValue.Legacy(unwrapped.Key));
            Assert.Equal(kcvCmac.GetProperty(name).GetString(), KeyCheckValue.Cmac(unwrapped.Key));
            PendingKeys[name] = unwrapped.Key;
        }

        PendingMacKeyId = keys.GetProperty("mac").GetProperty("key_id").GetString();
        return response;
    }

    public async Task<JsonElement> ConfigAsync()
    {
        var envelope = await SendOkAsync(WithToken("/pos/config"));
        Assert.Equal(KeyCheckValue.Legacy(Msk), envelope.GetProperty("key_kcv").GetString());
        var config = Decrypt(envelope);
        TerminalId = config.GetProperty("terminal").GetProperty("terminal_id").GetString();
        return config;
    }

    public async Task<(JsonElement Envelope, byte[] Json)> TerminalParametersAsync()
    {
        var envelope = await SendOkAsync(WithToken("/pos/terminal-parameters"));
        return (envelope, MskEnvelopeCipher.DecryptGzip(Msk, envelope));
    }

    public byte[] EncryptedBody(string json, string? kcv = null)
    {
        var envelope = MskEnvelopeCipher.Encrypt(Msk, json) with { KeyKcv = kcv ?? KeyCheckValue.Legacy(Msk) };
        return JsonSerializer.SerializeToUtf8Bytes(envelope);
    }

    public HttpRequestMessage ActivateRequest(bool emvReady = true, bool keysInstalled = true, bool networkOk = true) =>
        WithToken("/pos/activate", EncryptedBody(
            $$"""{"emv_ready":{{Lower(emvReady)}},"keys_installed":{{Lower(keysInstalled)}},"network_ok":{{Lower(networkOk)}}}"""));

    public async Task<JsonElement> ActivateAsync()
    {
        var result = Decrypt(await SendOkAsync(ActivateRequest()));
        ActiveKeys = new Dictionary<string, byte[]>(PendingKeys);
        ActiveMacKeyId = PendingMacKeyId;
        PendingKeys.Clear();
        return result;
    }

    public JsonElement Decrypt(JsonElement envelope)
    {
        var parsed = MskEnvelopeCipher.ParseJson(Encoding.UTF8.GetBytes(envelope.GetRawText()));
        using var document = JsonDocument.Parse(MskEnvelopeCipher.Decrypt(Msk, parsed));
        return document.RootElement.Clone();
    }

    /// <summary>Everything from attest to activate, on a claimed device.</summary>
    public async Task ActivateFullyAsync()
    {
        await AttestAsync();
        await InstallKeysAsync();
        await ConfigAsync();
        await TerminalParametersAsync();
        await ActivateAsync();
    }

    private static string Lower(bool value) => value ? "true" : "false";
}
