using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace VioPay.Crypto.Tests;

public sealed class MskEnvelopeTests
{
    private const string Json = """{"amount":{"value":"1500","currency":"EUR"},"note":"café ✓ 日本"}""";
    private static readonly byte[] Msk = Convert.FromHexString("603DEB1015CA71BE2B73AEF0857D77811F352C073B6108D72D9810A30914DFF4");
    private static readonly byte[] FixedIv = Convert.FromHexString("000102030405060708090A0B0C0D0E0F");

    [Fact]
    public void Encrypted_json_decrypts_to_the_same_text()
    {
        var envelope = MskEnvelopeCipher.Encrypt(Msk, Json);

        Assert.Equal(Json, MskEnvelopeCipher.Decrypt(Msk, envelope));
    }

    [Fact]
    public void An_envelope_carries_format_mode_kcv_and_uppercase_hex()
    {
        var envelope = MskEnvelopeCipher.Encrypt(Msk, Json);

        Assert.Equal("TR31-DATA", envelope.Format);
        Assert.Equal("CBC", envelope.Mode);
        Assert.Equal(KeyCheckValue.Legacy(Msk), envelope.KeyKcv);
        Assert.Null(envelope.ContentEncoding);
        Assert.Matches("^[0-9A-F]{32}$", envelope.InitializationVector);
        Assert.Matches("^([0-9A-F]{32})+$", envelope.Ciphertext);
    }

    [Fact]
    public void Every_encryption_uses_a_fresh_iv()
    {
        var first = MskEnvelopeCipher.Encrypt(Msk, Json);
        var second = MskEnvelopeCipher.Encrypt(Msk, Json);

        Assert.NotEqual(first.InitializationVector, second.InitializationVector);
        Assert.NotEqual(first.Ciphertext, second.Ciphertext);
    }

    // Independent check of PROTOCOL §7 in the encrypt direction: plain AES-CBC with PKCS#7 must reveal the
    // uppercase hex of the UTF-8 JSON.
    [Fact]
    public void The_plaintext_under_the_cipher_is_the_uppercase_hex_of_the_utf8_json()
    {
        var envelope = MskEnvelopeCipher.Encrypt(Msk, Json);

        using var aes = Aes.Create();
        aes.SetKey(Msk);
        var plaintext = aes.DecryptCbc(Convert.FromHexString(envelope.Ciphertext), Convert.FromHexString(envelope.InitializationVector), PaddingMode.PKCS7);

        Assert.Equal(HandHex(Encoding.UTF8.GetBytes(Json)), Encoding.ASCII.GetString(plaintext));
    }

    // Independent check in the decrypt direction: a ciphertext built by hand with Aes and a fixed IV.
    [Fact]
    public void A_ciphertext_built_by_hand_decrypts()
    {
        var envelope = HandEnvelope(Encoding.ASCII.GetBytes(HandHex(Encoding.UTF8.GetBytes(Json))));

        Assert.Equal(Json, MskEnvelopeCipher.Decrypt(Msk, envelope));
    }

    [Fact]
    public void Lowercase_hex_is_accepted_everywhere()
    {
        var inner = Encoding.ASCII.GetBytes(HandHex(Encoding.UTF8.GetBytes(Json)).ToLowerInvariant());
        var envelope = HandEnvelope(inner);
        envelope = envelope with
        {
            Ciphertext = envelope.Ciphertext.ToLowerInvariant(),
            InitializationVector = envelope.InitializationVector.ToLowerInvariant(),
            KeyKcv = KeyCheckValue.Legacy(Msk).ToLowerInvariant(),
        };

        Assert.Equal(Json, MskEnvelopeCipher.Decrypt(Msk, envelope));
    }

    [Fact]
    public void An_envelope_without_a_kcv_is_accepted()
    {
        var envelope = MskEnvelopeCipher.Encrypt(Msk, Json) with { KeyKcv = null };

        Assert.Equal(Json, MskEnvelopeCipher.Decrypt(Msk, envelope));
    }

    public static TheoryData<string> BrokenEnvelopes => new()
    {
        "wrong key", "ciphertext not hex", "ciphertext odd length", "ciphertext empty", "ciphertext not whole blocks",
        "iv too short", "iv not hex", "format", "mode", "content encoding", "kcv of another key", "truncated",
        "plaintext not hex", "plaintext odd hex", "plaintext not utf8", "plaintext not json", "plaintext empty",
    };

    [Theory]
    [MemberData(nameof(BrokenEnvelopes))]
    public void Every_failure_is_an_envelope_exception_with_one_and_the_same_message(string breakage)
    {
        var good = MskEnvelopeCipher.Encrypt(Msk, Json);
        var key = Msk;
        var envelope = breakage switch
        {
            "wrong key" => good,
            "ciphertext not hex" => good with { Ciphertext = "Z" + good.Ciphertext[1..] },
            "ciphertext odd length" => good with { Ciphertext = good.Ciphertext[1..] },
            "ciphertext empty" => good with { Ciphertext = "" },
            "ciphertext not whole blocks" => good with { Ciphertext = good.Ciphertext[2..] },
            "iv too short" => good with { InitializationVector = good.InitializationVector[2..] },
            "iv not hex" => good with { InitializationVector = "G" + good.InitializationVector[1..] },
            "format" => good with { Format = "TR31-DATA-CHUNKED" },
            "mode" => good with { Mode = "ECB" },
            "content encoding" => good with { ContentEncoding = "gzip" },
            "kcv of another key" => good with { KeyKcv = "000000" },
            "truncated" => good with { Ciphertext = good.Ciphertext[..^32] },
            "plaintext not hex" => HandEnvelope("ZZ"u8.ToArray()),
            "plaintext odd hex" => HandEnvelope("7B7"u8.ToArray()),
            "plaintext not utf8" => HandEnvelope(Encoding.ASCII.GetBytes(HandHex([0x22, 0xC3, 0x28, 0x22]))),
            "plaintext not json" => HandEnvelope(Encoding.ASCII.GetBytes(HandHex("not json"u8))),
            "plaintext empty" => HandEnvelope([]),
            _ => throw new ArgumentOutOfRangeException(nameof(breakage)),
        };
        if (breakage == "wrong key")
        {
            key = RandomNumberGenerator.GetBytes(32);
            envelope = envelope with { KeyKcv = null };
        }

        var error = Assert.Throws<EnvelopeException>(() => MskEnvelopeCipher.Decrypt(key, envelope));

        Assert.Equal("Encrypted payload could not be decrypted", error.Message);
        Assert.False(MskEnvelopeCipher.TryDecrypt(key, envelope, out var json));
        Assert.Null(json);
    }

    // Flipping any bit of the ciphertext garbles a whole plaintext block (or the padding), which then fails the
    // hex, padding or JSON check. (A flip in the IV only flips the same bit of the first block: CBC without a MAC
    // is malleable there, which is why charge requests are HMAC-signed before they are decrypted.)
    [Fact]
    public void Flipping_any_ciphertext_bit_is_detected()
    {
        var envelope = HandEnvelope(Encoding.ASCII.GetBytes(HandHex(Encoding.UTF8.GetBytes(Json))));
        var ciphertext = Convert.FromHexString(envelope.Ciphertext);

        for (var i = 0; i < ciphertext.Length; i++)
        {
            foreach (var bit in new byte[] { 0x01, 0x80 })
            {
                var flipped = (byte[])ciphertext.Clone();
                flipped[i] ^= bit;

                var error = Assert.Throws<EnvelopeException>(() =>
                    MskEnvelopeCipher.Decrypt(Msk, envelope with { Ciphertext = Convert.ToHexString(flipped) }));
                Assert.Equal(EnvelopeException.StandardMessage, error.Message);
            }
        }
    }

    [Fact]
    public void An_envelope_serializes_to_the_snake_case_wire_names_and_omits_nulls()
    {
        var envelope = MskEnvelopeCipher.Encrypt(Msk, Json);

        using var withKcv = JsonDocument.Parse(JsonSerializer.Serialize(envelope));
        using var withoutKcv = JsonDocument.Parse(JsonSerializer.Serialize(envelope with { KeyKcv = null }));

        Assert.Equal(["format", "ciphertext", "initialization_vector", "mode", "key_kcv"], withKcv.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["format", "ciphertext", "initialization_vector", "mode"], withoutKcv.RootElement.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void A_request_body_parses_into_an_envelope_that_decrypts()
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(MskEnvelopeCipher.Encrypt(Msk, Json) with { KeyKcv = null });

        var envelope = MskEnvelopeCipher.ParseJson(body);

        Assert.Null(envelope.KeyKcv);
        Assert.Equal(Json, MskEnvelopeCipher.Decrypt(Msk, envelope));
    }

    [Theory]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("\"TR31-DATA\"")]
    [InlineData("{}")]
    [InlineData("{\"format\":\"TR31-DATA\",\"ciphertext\":\"00\",\"mode\":\"CBC\"}")]
    [InlineData("{\"format\":\"TR31-DATA\",\"ciphertext\":1,\"initialization_vector\":\"00\",\"mode\":\"CBC\"}")]
    [InlineData("{\"format\":\"TR31-DATA\",\"ciphertext\":\"00\",\"initialization_vector\":\"00\",\"mode\":\"CBC\",\"key_kcv\":7}")]
    [InlineData("{\"format\":\"TR31-DATA\",\"ciphertext\":\"00\",\"ciphertext\":\"11\",\"initialization_vector\":\"00\",\"mode\":\"CBC\"}")]
    [InlineData("{\"format\":\"TR31-DATA\",\"ciphertext\":\"00\",\"initialization_vector\":\"00\",\"mode\":\"CBC\"} trailing")]
    [InlineData("{\"format\":\"TR31-DATA\",\"ciphertext\":\"00\",\"initialization_vector\":\"00\",\"mode\":\"CBC\"")]
    public void A_body_that_is_not_an_envelope_object_fails_with_the_same_message(string body)
    {
        var error = Assert.Throws<EnvelopeException>(() => MskEnvelopeCipher.ParseJson(Encoding.UTF8.GetBytes(body)));

        Assert.Equal(EnvelopeException.StandardMessage, error.Message);
    }

    [Fact]
    public void A_body_that_is_not_utf8_fails_with_the_same_message()
    {
        var error = Assert.Throws<EnvelopeException>(() => MskEnvelopeCipher.ParseJson([0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D]));

        Assert.Equal(EnvelopeException.StandardMessage, error.Message);
    }

    [Fact]
    public void An_msk_that_is_not_32_bytes_is_a_programming_error_not_an_envelope_error()
    {
        var envelope = MskEnvelopeCipher.Encrypt(Msk, Json);

        Assert.Throws<ArgumentException>(() => MskEnvelopeCipher.Encrypt(new byte[16], Json));
        Assert.Throws<ArgumentException>(() => MskEnvelopeCipher.Decrypt(new byte[16], envelope));
    }

    private static MskEnvelope HandEnvelope(byte[] asciiPlaintext)
    {
        using var aes = Aes.Create();
        aes.SetKey(Msk);
        var ciphertext = aes.EncryptCbc(asciiPlaintext, FixedIv, PaddingMode.PKCS7);
        return new MskEnvelope
        {
            Ciphertext = Convert.ToHexString(ciphertext),
            InitializationVector = Convert.ToHexString(FixedIv),
            KeyKcv = KeyCheckValue.Legacy(Msk),
        };
    }

    private static string HandHex(ReadOnlySpan<byte> bytes)
    {
        var builder = new StringBuilder();
        foreach (var b in bytes)
        {
            builder.Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }

        return builder.ToString();
    }
}
