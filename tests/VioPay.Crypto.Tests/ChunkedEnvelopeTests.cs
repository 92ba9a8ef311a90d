using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace VioPay.Crypto.Tests;

public sealed class ChunkedEnvelopeTests
{
    private static readonly byte[] Msk = Convert.FromHexString("603DEB1015CA71BE2B73AEF0857D77811F352C073B6108D72D9810A30914DFF4");

    [Fact]
    public void Small_parameters_travel_as_one_gzip_TR31_DATA_envelope()
    {
        var json = """{"terminal":{"mcc":"5411","currency":"EUR"}}"""u8.ToArray();

        var envelope = MskEnvelopeCipher.EncryptGzip(Msk, json);

        Assert.Equal(
            ["format", "content_encoding", "ciphertext", "initialization_vector", "mode", "key_kcv"],
            envelope.Select(p => p.Key));
        Assert.Equal("TR31-DATA", (string?)envelope["format"]);
        Assert.Equal("gzip", (string?)envelope["content_encoding"]);
        Assert.Equal("CBC", (string?)envelope["mode"]);
        Assert.Equal(KeyCheckValue.Legacy(Msk), (string?)envelope["key_kcv"]);
        Assert.Equal(json, MskEnvelopeCipher.DecryptGzip(Msk, ToElement(envelope)));
    }

    // Independent check: AES-CBC by hand reveals ascii(HEX(gzip bytes)), which gunzips to the JSON.
    [Fact]
    public void The_single_piece_is_the_hex_of_the_gzip_bytes()
    {
        var json = """{"a":1}"""u8.ToArray();
        var envelope = MskEnvelopeCipher.EncryptGzip(Msk, json);

        var gzip = Convert.FromHexString(Encoding.ASCII.GetString(HandDecrypt((string)envelope["ciphertext"]!, (string)envelope["initialization_vector"]!)));

        Assert.Equal(json, Gunzip(gzip));
    }

    [Fact]
    public void Large_parameters_are_cut_into_gzip_pieces_with_their_own_ivs_and_reassemble()
    {
        var json = PoorlyCompressibleJson(200 * 1024);

        var envelope = MskEnvelopeCipher.EncryptGzip(Msk, json, maxChunkBytes: 32 * 1024);

        Assert.Equal(
            ["format", "content_encoding", "mode", "key_kcv", "total_size", "sha256", "chunks"],
            envelope.Select(p => p.Key));
        Assert.Equal("TR31-DATA-CHUNKED", (string?)envelope["format"]);
        Assert.Equal("gzip", (string?)envelope["content_encoding"]);
        Assert.Equal("CBC", (string?)envelope["mode"]);
        Assert.Equal(KeyCheckValue.Legacy(Msk), (string?)envelope["key_kcv"]);

        var chunks = envelope["chunks"]!.AsArray();
        Assert.True(chunks.Count >= 3, $"expected at least 3 chunks, got {chunks.Count}");
        Assert.Equal(Enumerable.Range(0, chunks.Count), chunks.Select(c => (int)c!["index"]!));
        Assert.All(chunks, c => Assert.Equal(["index", "ciphertext", "initialization_vector", "mode"], c!.AsObject().Select(p => p.Key)));
        Assert.Equal(chunks.Count, chunks.Select(c => (string)c!["initialization_vector"]!).Distinct().Count());

        // Reassemble by hand: each piece is ascii(HEX(piece)) under its own IV, at most 32 KiB.
        var pieces = chunks.Select(c => Convert.FromHexString(Encoding.ASCII.GetString(
            HandDecrypt((string)c!["ciphertext"]!, (string)c["initialization_vector"]!)))).ToList();
        Assert.All(pieces, p => Assert.InRange(p.Length, 1, 32 * 1024));
        var gzip = pieces.SelectMany(p => p).ToArray();
        Assert.Equal(gzip.Length, (long)envelope["total_size"]!);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(gzip)), (string?)envelope["sha256"]);
        Assert.Equal(json, Gunzip(gzip));

        Assert.Equal(json, MskEnvelopeCipher.DecryptGzip(Msk, ToElement(envelope)));
    }

    [Fact]
    public void Chunks_are_joined_in_index_order_whatever_their_order_in_the_array()
    {
        var json = PoorlyCompressibleJson(100 * 1024);
        var envelope = MskEnvelopeCipher.EncryptGzip(Msk, json, maxChunkBytes: 16 * 1024);
        var chunks = envelope["chunks"]!.AsArray();
        var reversed = chunks.Reverse().Select(c => c!.DeepClone()).ToArray();
        envelope["chunks"] = new JsonArray(reversed);

        Assert.Equal(json, MskEnvelopeCipher.DecryptGzip(Msk, ToElement(envelope)));
    }

    public static TheoryData<string> BrokenChunkedEnvelopes => new()
    {
        "wrong key", "missing chunk", "duplicate index", "index out of range", "swapped ciphertexts", "sha256",
        "total_size", "format", "content_encoding", "chunk mode", "kcv", "not an object", "no chunks", "chunk not hex",
    };

    [Theory]
    [MemberData(nameof(BrokenChunkedEnvelopes))]
    public void A_broken_chunked_envelope_fails_with_the_standard_message(string breakage)
    {
        var envelope = MskEnvelopeCipher.EncryptGzip(Msk, PoorlyCompressibleJson(100 * 1024), maxChunkBytes: 16 * 1024);
        var chunks = envelope["chunks"]!.AsArray();
        var key = Msk;
        JsonNode broken = envelope;
        switch (breakage)
        {
            case "wrong key":
                key = RandomNumberGenerator.GetBytes(32);
                envelope.Remove("key_kcv");
                break;
            case "missing chunk":
                chunks.RemoveAt(1);
                break;
            case "duplicate index":
                chunks[1]!["index"] = 0;
                break;
            case "index out of range":
                chunks[1]!["index"] = chunks.Count;
                break;
            case "swapped ciphertexts":
                (chunks[0]!["ciphertext"], chunks[1]!["ciphertext"]) = (chunks[1]!["ciphertext"]!.DeepClone(), chunks[0]!["ciphertext"]!.DeepClone());
                (chunks[0]!["initialization_vector"], chunks[1]!["initialization_vector"]) = (chunks[1]!["initialization_vector"]!.DeepClone(), chunks[0]!["initialization_vector"]!.DeepClone());
                break;
            case "sha256":
                envelope["sha256"] = new string('0', 64);
                break;
            case "total_size":
                envelope["total_size"] = (long)envelope["total_size"]! + 1;
                break;
            case "format":
                envelope["format"] = "TR31-DATA-PIECES";
                break;
            case "content_encoding":
                envelope.Remove("content_encoding");
                break;
            case "chunk mode":
                chunks[0]!["mode"] = "ECB";
                break;
            case "kcv":
                envelope["key_kcv"] = "ABCDEF";
                break;
            case "not an object":
                broken = new JsonArray();
                break;
            case "no chunks":
                envelope["chunks"] = new JsonArray();
                break;
            case "chunk not hex":
                chunks[0]!["ciphertext"] = "XYZ";
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(breakage));
        }

        var error = Assert.Throws<EnvelopeException>(() => MskEnvelopeCipher.DecryptGzip(key, ToElement(broken)));

        Assert.Equal(EnvelopeException.StandardMessage, error.Message);
    }

    [Fact]
    public void A_gzip_bomb_stops_at_the_decompression_limit()
    {
        var zeros = new byte[4 * 1024 * 1024];
        var envelope = MskEnvelopeCipher.EncryptGzip(Msk, zeros);

        Assert.Throws<EnvelopeException>(() => MskEnvelopeCipher.DecryptGzip(Msk, ToElement(envelope), maxDecompressedBytes: 1024 * 1024));
    }

    [Fact]
    public void Decompressed_bytes_that_are_not_json_are_refused()
    {
        var envelope = MskEnvelopeCipher.EncryptGzip(Msk, "not json"u8);

        Assert.Throws<EnvelopeException>(() => MskEnvelopeCipher.DecryptGzip(Msk, ToElement(envelope)));
    }

    /// <summary>JSON whose strings are random base64, so gzip cannot shrink it much below three quarters.</summary>
    private static byte[] PoorlyCompressibleJson(int approximateBytes)
    {
        var random = new Random(42);
        var items = new JsonArray();
        var size = 0;
        while (size < approximateBytes)
        {
            var bytes = new byte[96];
            random.NextBytes(bytes);
            var value = Convert.ToBase64String(bytes);
            items.Add(new JsonObject { ["id"] = items.Count, ["blob"] = value });
            size += value.Length + 24;
        }

        return JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["items"] = items });
    }

    private static JsonElement ToElement(JsonNode node) => JsonSerializer.SerializeToElement(node);

    private static byte[] HandDecrypt(string ciphertextHex, string ivHex)
    {
        using var aes = Aes.Create();
        aes.SetKey(Msk);
        return aes.DecryptCbc(Convert.FromHexString(ciphertextHex), Convert.FromHexString(ivHex), PaddingMode.PKCS7);
    }

    private static byte[] Gunzip(byte[] gzip)
    {
        using var input = new MemoryStream(gzip);
        using var stream = new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        stream.CopyTo(output);
        return output.ToArray();
    }
}
