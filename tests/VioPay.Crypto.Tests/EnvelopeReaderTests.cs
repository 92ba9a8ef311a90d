using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace VioPay.Crypto.Tests;

/// <summary>The typed results of the envelope reader and of the chunked gzip envelope, one per failure kind.</summary>
public sealed class EnvelopeReaderTests
{
    private static readonly byte[] Msk = Convert.FromHexString("603DEB1015CA71BE2B73AEF0857D77811F352C073B6108D72D9810A30914DFF4");

    [Fact]
    public void ARequestBodyReadsIntoItsFields()
    {
        var body = """{"format":"TR31-DATA","ciphertext":"AB","initialization_vector":"CD","mode":"CBC","key_kcv":null,"extra":[1]}"""u8;

        var result = MskEnvelopeReader.Read(body);

        Assert.True(result.Succeeded);
        Assert.Equal(new MskEnvelope { Ciphertext = "AB", InitializationVector = "CD" }, result.Value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("{\"format\":\"TR31-DATA\",\"ciphertext\":\"00\",\"mode\":\"CBC\"}")]
    [InlineData("{\"format\":\"TR31-DATA\",\"ciphertext\":\"00\",\"initialization_vector\":\"00\",\"mode\":\"CBC\",\"content_encoding\":1}")]
    [InlineData("{\"format\":\"TR31-DATA\",\"ciphertext\":\"00\",\"initialization_vector\":\"00\",\"mode\":\"CBC\",\"x\":{\"a\":1,\"a\":2}}")]
    [InlineData("{\"format\":\"TR31-DATA\",\"ciphertext\":\"00\",\"initialization_vector\":\"00\",\"mode\":\"CBC\"} {}")]
    public void ABodyThatIsNotAStrictEnvelopeIsNotAnEnvelope(string body)
    {
        var fromSpan = MskEnvelopeReader.Read(Encoding.UTF8.GetBytes(body).AsSpan());
        var fromMemory = MskEnvelopeReader.Read(Encoding.UTF8.GetBytes(body).AsMemory());

        Assert.Equal(EnvelopeFailure.NotAnEnvelope, fromSpan.Failure);
        Assert.Equal(EnvelopeFailure.NotAnEnvelope, fromMemory.Failure);
    }

    [Fact]
    public void AFieldThatIsNotUtf8IsNotAnEnvelope()
    {
        byte[] body = [.. "{\"format\":\"TR31-DATA\",\"ciphertext\":\""u8, 0xFF, .. "\",\"initialization_vector\":\"00\",\"mode\":\"CBC\"}"u8];

        Assert.Equal(EnvelopeFailure.NotAnEnvelope, MskEnvelopeReader.Read(body.AsSpan()).Failure);
    }

    public static TheoryData<string, EnvelopeFailure> ChunkedBreakages => new()
    {
        { "not an object", EnvelopeFailure.NotAnEnvelope },
        { "content_encoding", EnvelopeFailure.WrongContentEncoding },
        { "format", EnvelopeFailure.WrongFormat },
        { "mode", EnvelopeFailure.WrongMode },
        { "kcv", EnvelopeFailure.KeyCheckMismatch },
        { "duplicate index", EnvelopeFailure.MalformedChunks },
        { "missing chunk", EnvelopeFailure.MalformedChunks },
        { "no chunks", EnvelopeFailure.MalformedChunks },
        { "sha256 not hex", EnvelopeFailure.MalformedChunks },
        { "chunk mode", EnvelopeFailure.WrongMode },
        { "chunk not hex", EnvelopeFailure.MalformedCiphertext },
        { "total_size", EnvelopeFailure.SizeMismatch },
        { "sha256", EnvelopeFailure.DigestMismatch },
    };

    [Theory]
    [MemberData(nameof(ChunkedBreakages))]
    public void EachBrokenChunkedEnvelopeNamesItsFailure(string breakage, EnvelopeFailure expected)
    {
        var envelope = ChunkedGzipEnvelope.Encrypt(Msk, RandomJson(40 * 1024), maxChunkBytes: 8 * 1024);
        var chunks = envelope["chunks"]!.AsArray();
        JsonNode broken = envelope;
        switch (breakage)
        {
            case "not an object": broken = new JsonArray(); break;
            case "content_encoding": envelope["content_encoding"] = "br"; break;
            case "format": envelope["format"] = "TR31-DATA-PIECES"; break;
            case "mode": envelope["mode"] = "ECB"; break;
            case "kcv": envelope["key_kcv"] = "ABCDEF"; break;
            case "duplicate index": chunks[1]!["index"] = 0; break;
            case "missing chunk": chunks.RemoveAt(1); break;
            case "no chunks": envelope["chunks"] = new JsonArray(); break;
            case "sha256 not hex": envelope["sha256"] = "sha"; break;
            case "chunk mode": chunks[0]!["mode"] = "ECB"; break;
            case "chunk not hex": chunks[0]!["ciphertext"] = "XYZ"; break;
            case "total_size": envelope["total_size"] = (long)envelope["total_size"]! + 1; break;
            case "sha256": envelope["sha256"] = new string('0', 64); break;
            default: throw new ArgumentOutOfRangeException(nameof(breakage));
        }

        var result = ChunkedGzipEnvelope.Decrypt(Msk, JsonSerializer.SerializeToElement(broken));

        Assert.Equal(expected, result.Failure);
        Assert.Null(result.Value);
    }

    [Fact]
    public void ASinglePieceThatIsNotGzipIsNotGzip()
    {
        using var cipher = new MskCipher(Msk);
        var (ciphertext, iv) = cipher.Seal("not gzip at all"u8);
        var envelope = new MskEnvelope { ContentEncoding = "gzip", Ciphertext = ciphertext, InitializationVector = iv };

        Assert.Equal(EnvelopeFailure.NotGzip, ChunkedGzipEnvelope.Decrypt(Msk, JsonSerializer.SerializeToElement(envelope)).Failure);
    }

    [Fact]
    public void AGzipBombIsTooLargeAndGzipOfSomethingElseIsNotJson()
    {
        var bomb = ChunkedGzipEnvelope.Encrypt(Msk, new byte[2 * 1024 * 1024]);
        var notJson = ChunkedGzipEnvelope.Encrypt(Msk, "not json"u8);

        Assert.Equal(EnvelopeFailure.TooLarge, ChunkedGzipEnvelope.Decrypt(Msk, JsonSerializer.SerializeToElement(bomb), maxDecompressedBytes: 1024 * 1024).Failure);
        Assert.Equal(EnvelopeFailure.PlaintextNotJson, ChunkedGzipEnvelope.Decrypt(Msk, JsonSerializer.SerializeToElement(notJson)).Failure);
    }

    // Known answer for the gzip form: a piece sealed by hand with a fixed IV (openssl enc over the hex of the gzip
    // bytes would give the same) opens to the JSON, so the reader follows PROTOCOL §7 byte for byte.
    [Fact]
    public void AHandMadeGzipEnvelopeDecrypts()
    {
        var json = """{"terminal":{"mcc":"5411"}}"""u8.ToArray();
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(json);
        }

        using var aes = Aes.Create();
        aes.SetKey(Msk);
        var iv = new byte[16];
        var ciphertext = aes.EncryptCbc(Encoding.ASCII.GetBytes(Convert.ToHexString(output.ToArray())), iv, PaddingMode.PKCS7);
        var envelope = new JsonObject
        {
            ["format"] = "TR31-DATA", ["content_encoding"] = "gzip", ["ciphertext"] = Convert.ToHexString(ciphertext),
            ["initialization_vector"] = Convert.ToHexString(iv), ["mode"] = "CBC", ["key_kcv"] = KeyCheckValue.Legacy(Msk),
        };

        var result = ChunkedGzipEnvelope.Decrypt(Msk, JsonSerializer.SerializeToElement(envelope));

        Assert.True(result.Succeeded);
        Assert.Equal(json, result.Value);
    }

    private static byte[] RandomJson(int approximateBytes)
    {
        var random = new Random(7);
        var items = new JsonArray();
        while (items.Count * 160 < approximateBytes)
        {
            var bytes = new byte[96];
            random.NextBytes(bytes);
            items.Add(Convert.ToBase64String(bytes));
        }

        return JsonSerializer.SerializeToUtf8Bytes(items);
    }
}
