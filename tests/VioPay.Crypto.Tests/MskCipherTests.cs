using System.Security.Cryptography;
using System.Text;

namespace VioPay.Crypto.Tests;

/// <summary>
/// The keyed cipher's typed results, one per failure kind, and known answers that pin the wire bytes: the expected
/// ciphertexts were computed outside .NET with <c>openssl enc -aes-256-cbc -K … -iv …</c> over the hex text.
/// </summary>
public sealed class MskCipherTests
{
    private const string Json = """{"amount":{"value":"1500","currency":"EUR"},"note":"café ✓ 日本"}""";

    // printf '%s' "$HEX" | openssl enc -aes-256-cbc -K 603DEB…DFF4 -iv 000102…0F | xxd -p -u
    private const string KnownCiphertext =
        "AC4757F5CF18ECCB82378690FB092587699F9ECAC080434FB192F3FC065BC5CEF6A0388C9A9EB3D35035287F722560B9A14D9AE37C91E746F8BB34CCAB8A38816D4B4234EC5A8C159F7B328F2E98CED8B12ABCDEE51712DC60C3BB23E2E8E57C6A99610ECFD6E4C0A4706F621BA5375A8CA451397D0C8B69D18D3DDB3169F1A9A6170F579F539F5A24230F3CB73C00A4";

    private static readonly byte[] Msk = Convert.FromHexString("603DEB1015CA71BE2B73AEF0857D77811F352C073B6108D72D9810A30914DFF4");
    private static readonly byte[] FixedIv = Convert.FromHexString("000102030405060708090A0B0C0D0E0F");

    [Fact]
    public void EncryptionWithAFixedIvGivesTheKnownWireBytes()
    {
        using var cipher = new MskCipher(Msk);

        var envelope = cipher.Encrypt(Json, FixedIv);

        Assert.Equal(KnownCiphertext, envelope.Ciphertext);
        Assert.Equal("000102030405060708090A0B0C0D0E0F", envelope.InitializationVector);
        Assert.Equal(KeyCheckValue.Legacy(Msk), envelope.KeyKcv);
        Assert.Equal("TR31-DATA", envelope.Format);
        Assert.Equal("CBC", envelope.Mode);
    }

    [Fact]
    public void TheKnownEnvelopeDecryptsToItsJson()
    {
        using var cipher = new MskCipher(Msk);

        var result = cipher.Decrypt(new MskEnvelope { Ciphertext = KnownCiphertext, InitializationVector = "000102030405060708090a0b0c0d0e0f" });

        Assert.True(result.Succeeded);
        Assert.Equal(EnvelopeFailure.None, result.Failure);
        Assert.Equal(Json, result.Value);
    }

    [Fact]
    public void OneKeyedCipherSealsManyEnvelopesEachWithAFreshIv()
    {
        using var cipher = new MskCipher(Msk);

        var envelopes = Enumerable.Range(0, 50).Select(_ => cipher.Encrypt(Json)).ToList();

        Assert.Equal(50, envelopes.Select(e => e.InitializationVector).Distinct().Count());
        Assert.All(envelopes, e => Assert.Equal(Json, cipher.Decrypt(e).Value));
        Assert.All(envelopes, e => Assert.Equal(Json, MskEnvelopeCipher.Decrypt(Msk, e)));
    }

    [Fact]
    public void PayloadsOfEverySizeAroundABlockRoundTrip()
    {
        using var cipher = new MskCipher(Msk);
        for (var size = 2; size < 80; size++)
        {
            var json = "\"" + new string('x', size - 2) + "\"";

            Assert.Equal(json, cipher.Decrypt(cipher.Encrypt(json)).Value);
        }
    }

    [Fact]
    public void SealedPiecesOpenToTheirBytesWhateverTheyAre()
    {
        using var cipher = new MskCipher(Msk);
        var payload = RandomNumberGenerator.GetBytes(1000);

        var (ciphertext, iv) = cipher.Seal(payload);
        var opened = cipher.OpenPiece(MskEnvelope.CbcMode, cipher.Kcv, ciphertext, iv);

        Assert.True(opened.Succeeded);
        Assert.Equal(payload, opened.Value);
        Assert.Equal(EnvelopeFailure.PlaintextNotUtf8, cipher.Decrypt(new MskEnvelope { Ciphertext = ciphertext, InitializationVector = iv }).Failure);
    }

    public static TheoryData<string, EnvelopeFailure> Breakages => new()
    {
        { "no envelope", EnvelopeFailure.NotAnEnvelope },
        { "format", EnvelopeFailure.WrongFormat },
        { "content encoding", EnvelopeFailure.WrongContentEncoding },
        { "mode", EnvelopeFailure.WrongMode },
        { "kcv of another key", EnvelopeFailure.KeyCheckMismatch },
        { "iv too short", EnvelopeFailure.MalformedIv },
        { "iv not hex", EnvelopeFailure.MalformedIv },
        { "ciphertext not hex", EnvelopeFailure.MalformedCiphertext },
        { "ciphertext odd length", EnvelopeFailure.MalformedCiphertext },
        { "ciphertext empty", EnvelopeFailure.MalformedCiphertext },
        { "ciphertext not whole blocks", EnvelopeFailure.MalformedCiphertext },
        { "bad padding", EnvelopeFailure.BadPadding },
        { "plaintext not hex", EnvelopeFailure.PlaintextNotHex },
        { "plaintext odd hex", EnvelopeFailure.PlaintextNotHex },
        { "plaintext not utf8", EnvelopeFailure.PlaintextNotUtf8 },
        { "plaintext not json", EnvelopeFailure.PlaintextNotJson },
        { "plaintext empty", EnvelopeFailure.PlaintextNotJson },
        { "plaintext with a duplicate property", EnvelopeFailure.PlaintextNotJson },
        { "plaintext with something after the value", EnvelopeFailure.PlaintextNotJson },
    };

    [Theory]
    [MemberData(nameof(Breakages))]
    public void EachBrokenEnvelopeNamesItsFailureAndAllThrowTheSameMessage(string breakage, EnvelopeFailure expected)
    {
        using var cipher = new MskCipher(Msk);
        var good = cipher.Encrypt(Json, FixedIv);
        var envelope = breakage switch
        {
            "no envelope" => null,
            "format" => good with { Format = "TR31-DATA-CHUNKED" },
            "content encoding" => good with { ContentEncoding = "gzip" },
            "mode" => good with { Mode = "ECB" },
            "kcv of another key" => good with { KeyKcv = "000000" },
            "iv too short" => good with { InitializationVector = good.InitializationVector[2..] },
            "iv not hex" => good with { InitializationVector = "G" + good.InitializationVector[1..] },
            "ciphertext not hex" => good with { Ciphertext = "Z" + good.Ciphertext[1..] },
            "ciphertext odd length" => good with { Ciphertext = good.Ciphertext[1..] },
            "ciphertext empty" => good with { Ciphertext = "" },
            "ciphertext not whole blocks" => good with { Ciphertext = good.Ciphertext[2..] },
            "bad padding" => Raw(new byte[16], PaddingMode.None),
            "plaintext not hex" => Raw("ZZ"u8.ToArray()),
            "plaintext odd hex" => Raw("7B7"u8.ToArray()),
            "plaintext not utf8" => Raw(Encoding.ASCII.GetBytes(Convert.ToHexString([0x22, 0xC3, 0x28, 0x22]))),
            "plaintext not json" => Raw(Encoding.ASCII.GetBytes(Convert.ToHexString("not json"u8))),
            "plaintext empty" => Raw([]),
            "plaintext with a duplicate property" => Raw(Encoding.ASCII.GetBytes(Convert.ToHexString("""{"a":1,"a":2}"""u8))),
            "plaintext with something after the value" => Raw(Encoding.ASCII.GetBytes(Convert.ToHexString("{} {}"u8))),
            _ => throw new ArgumentOutOfRangeException(nameof(breakage)),
        };

        var result = cipher.Decrypt(envelope);

        Assert.False(result.Succeeded);
        Assert.Null(result.Value);
        Assert.Equal(expected, result.Failure);
        var error = Assert.Throws<EnvelopeException>(result.ValueOrThrow);
        Assert.Equal(EnvelopeException.StandardMessage, error.Message);
        Assert.Equal(expected, cipher.DecryptDocument(envelope).Failure);
    }

    [Fact]
    public void TheKnownEnvelopeDecryptsToAParsedDocumentToo()
    {
        var envelope = new MskEnvelope { Ciphertext = KnownCiphertext, InitializationVector = "000102030405060708090A0B0C0D0E0F" };

        using var document = MskEnvelopeCipher.DecryptDocument(Msk, envelope);

        Assert.Equal("1500", document.RootElement.GetProperty("amount").GetProperty("value").GetString());
        Assert.Equal("café ✓ 日本", document.RootElement.GetProperty("note").GetString());
        Assert.Throws<EnvelopeException>(() => MskEnvelopeCipher.DecryptDocument(Msk, envelope with { KeyKcv = "000000" }));
    }

    [Fact]
    public void AnUninitialisedResultIsNotASuccess()
    {
        EnvelopeResult<string> result = default;

        Assert.False(result.Succeeded);
        Assert.Throws<EnvelopeException>(result.ValueOrThrow);
    }

    [Fact]
    public void AnMskThatIsNot32BytesIsRefusedWhenTheCipherIsMade()
    {
        Assert.Throws<ArgumentException>(() => new MskCipher(new byte[16]));
        Assert.Throws<ArgumentException>(() => new MskCipher(new byte[33]));
    }

    private static MskEnvelope Raw(byte[] plaintext, PaddingMode padding = PaddingMode.PKCS7)
    {
        using var aes = Aes.Create();
        aes.SetKey(Msk);
        return new MskEnvelope
        {
            Ciphertext = Convert.ToHexString(aes.EncryptCbc(plaintext, FixedIv, padding)),
            InitializationVector = Convert.ToHexString(FixedIv),
        };
    }
}
