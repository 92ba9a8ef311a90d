using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace VioPay.Crypto;

/// <summary>
/// MSK envelopes (PROTOCOL §7): ciphertext = AES-256-CBC(MSK, fresh IV, PKCS#7(ascii(UPPERCASE HEX(payload)))).
/// Every decryption failure is an <see cref="EnvelopeException"/> with one constant message.
/// </summary>
public static class MskEnvelopeCipher
{
    public const int DefaultMaxChunkBytes = 32 * 1024;
    public const long DefaultMaxDecompressedBytes = 16 * 1024 * 1024;

    private const int MskLength = 32;
    private const int IvLength = 16;
    private const int AesBlockSize = 16;
    private const int Sha256Length = 32;

    // Invalid UTF-8 must fail, not turn silently into U+FFFD and parse as something the sender never signed off on.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly JsonDocumentOptions StrictJson = new() { AllowDuplicateProperties = false };

    public static MskEnvelope Encrypt(ReadOnlySpan<byte> msk, string json)
    {
        EnsureMsk(msk);
        ArgumentNullException.ThrowIfNull(json);
        var utf8 = StrictUtf8.GetBytes(json);
        try
        {
            using var aes = CreateAes(msk);
            var (ciphertext, iv) = EncryptPiece(aes, utf8);
            return new MskEnvelope { Ciphertext = ciphertext, InitializationVector = iv, KeyKcv = KeyCheckValue.Legacy(aes) };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(utf8);
        }
    }

    /// <summary>Decrypts a TR31-DATA envelope to its JSON text, which is checked to be well-formed UTF-8 JSON.</summary>
    /// <exception cref="EnvelopeException">Whatever went wrong with the envelope.</exception>
    /// <exception cref="ArgumentException">The MSK is not 32 bytes: a server fault, not an envelope fault.</exception>
    public static string Decrypt(ReadOnlySpan<byte> msk, MskEnvelope envelope) =>
        TryDecrypt(msk, envelope, out var json) ? json : throw new EnvelopeException();

    public static bool TryDecrypt(ReadOnlySpan<byte> msk, MskEnvelope? envelope, [NotNullWhen(true)] out string? json)
    {
        EnsureMsk(msk);
        json = null;
        // A gzip envelope carries compressed bytes, not JSON text; it belongs to DecryptGzip.
        if (envelope is null
            || envelope.Format != MskEnvelope.SingleFormat
            || envelope.ContentEncoding is not null
            || !TryDecryptPiece(msk, envelope, out var utf8))
        {
            return false;
        }

        try
        {
            using (JsonDocument.Parse(utf8, StrictJson))
            {
            }

            json = StrictUtf8.GetString(utf8);
            return true;
        }
        catch (Exception ex) when (ex is JsonException or DecoderFallbackException)
        {
            return false;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(utf8);
        }
    }

    /// <summary>Reads a request body as an envelope: a JSON object with string format, ciphertext, initialization_vector and mode.</summary>
    public static MskEnvelope ParseJson(ReadOnlySpan<byte> utf8Body)
    {
        try
        {
            using var document = JsonDocument.Parse(utf8Body.ToArray(), StrictJson);
            return ReadEnvelope(document.RootElement);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a string value that is not valid UTF-8 (JsonElement.GetString refuses to
            // transcode it). Found by FuzzTests; without this it escaped as a 500.
            throw new EnvelopeException();
        }
    }

    /// <summary>
    /// Terminal parameters: gzip the UTF-8 JSON, cut the gzip bytes into pieces of at most <paramref name="maxChunkBytes"/>,
    /// encrypt each over ascii(HEX(piece)) with its own IV. One piece gives a TR31-DATA envelope with content_encoding gzip,
    /// several a TR31-DATA-CHUNKED one.
    /// </summary>
    public static JsonObject EncryptGzip(ReadOnlySpan<byte> msk, ReadOnlySpan<byte> utf8Json, int maxChunkBytes = DefaultMaxChunkBytes)
    {
        EnsureMsk(msk);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxChunkBytes);
        var gzip = Compress(utf8Json);
        using var aes = CreateAes(msk);
        var kcv = KeyCheckValue.Legacy(aes);

        if (gzip.Length <= maxChunkBytes)
        {
            var (ciphertext, iv) = EncryptPiece(aes, gzip);
            var single = new MskEnvelope
            {
                ContentEncoding = MskEnvelope.GzipEncoding,
                Ciphertext = ciphertext,
                InitializationVector = iv,
                KeyKcv = kcv,
            };
            return JsonSerializer.SerializeToNode(single)!.AsObject();
        }

        var chunks = new List<EnvelopeChunk>((gzip.Length + maxChunkBytes - 1) / maxChunkBytes);
        for (var offset = 0; offset < gzip.Length; offset += maxChunkBytes)
        {
            var piece = gzip.AsSpan(offset, Math.Min(maxChunkBytes, gzip.Length - offset));
            var (ciphertext, iv) = EncryptPiece(aes, piece);
            chunks.Add(new EnvelopeChunk { Index = chunks.Count, Ciphertext = ciphertext, InitializationVector = iv });
        }

        var chunked = new ChunkedEnvelope
        {
            KeyKcv = kcv,
            TotalSize = gzip.Length,
            Sha256 = Hex.Encode(SHA256.HashData(gzip)),
            Chunks = chunks,
        };
        return JsonSerializer.SerializeToNode(chunked)!.AsObject();
    }

    /// <summary>
    /// The inverse of <see cref="EncryptGzip"/> for either form: decrypt the pieces, join them in index order, check
    /// total_size and sha256, gunzip (at most <paramref name="maxDecompressedBytes"/>) and check the result is JSON.
    /// </summary>
    public static byte[] DecryptGzip(ReadOnlySpan<byte> msk, JsonElement envelopeJson, long maxDecompressedBytes = DefaultMaxDecompressedBytes)
    {
        EnsureMsk(msk);
        try
        {
            var gzip = ReadGzipBytes(msk, envelopeJson);
            var json = Decompress(gzip, maxDecompressedBytes);
            using (JsonDocument.Parse(json, StrictJson))
            {
            }

            return json;
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException or InvalidOperationException)
        {
            throw new EnvelopeException();
        }
    }

    private static byte[] ReadGzipBytes(ReadOnlySpan<byte> msk, JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object
            || !TryGetString(root, "content_encoding", out var encoding) || encoding != MskEnvelope.GzipEncoding
            || !TryGetString(root, "format", out var format))
        {
            throw new EnvelopeException();
        }

        if (format == MskEnvelope.SingleFormat)
        {
            var envelope = ReadEnvelope(root);
            return TryDecryptPiece(msk, envelope, out var single) ? single : throw new EnvelopeException();
        }

        using var aes = CreateAes(msk);

        if (format != ChunkedEnvelope.ChunkedFormat
            || !TryGetString(root, "mode", out var mode) || mode != MskEnvelope.CbcMode
            || !TryGetOptionalString(root, "key_kcv", out var kcv) || !KcvMatches(aes, kcv)
            || !root.TryGetProperty("total_size", out var totalElement) || totalElement.ValueKind != JsonValueKind.Number
            || !totalElement.TryGetInt64(out var totalSize) || totalSize < 0
            || !TryGetString(root, "sha256", out var shaHex) || !Hex.TryDecode(shaHex, out var sha) || sha.Length != Sha256Length
            || !root.TryGetProperty("chunks", out var chunksElement) || chunksElement.ValueKind != JsonValueKind.Array
            || chunksElement.GetArrayLength() == 0)
        {
            throw new EnvelopeException();
        }

        var pieces = new byte[chunksElement.GetArrayLength()][];
        foreach (var chunk in chunksElement.EnumerateArray())
        {
            // Each index 0..n-1 exactly once: a repeated or missing piece is a broken envelope, not something to guess around.
            if (chunk.ValueKind != JsonValueKind.Object
                || !chunk.TryGetProperty("index", out var indexElement) || indexElement.ValueKind != JsonValueKind.Number
                || !indexElement.TryGetInt32(out var index) || index < 0 || index >= pieces.Length || pieces[index] is not null
                || !TryGetString(chunk, "ciphertext", out var ciphertext)
                || !TryGetString(chunk, "initialization_vector", out var iv)
                || !TryGetString(chunk, "mode", out var chunkMode)
                || !TryDecryptPiece(aes, chunkMode, kcv, ciphertext, iv, out var piece))
            {
                throw new EnvelopeException();
            }

            pieces[index] = piece;
        }

        var gzip = pieces.SelectMany(p => p).ToArray();
        if (gzip.Length != totalSize || !CryptographicOperations.FixedTimeEquals(SHA256.HashData(gzip), sha))
        {
            throw new EnvelopeException();
        }

        return gzip;
    }

    private static MskEnvelope ReadEnvelope(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object
            || !TryGetString(root, "format", out var format)
            || !TryGetString(root, "ciphertext", out var ciphertext)
            || !TryGetString(root, "initialization_vector", out var iv)
            || !TryGetString(root, "mode", out var mode)
            || !TryGetOptionalString(root, "key_kcv", out var kcv)
            || !TryGetOptionalString(root, "content_encoding", out var encoding))
        {
            throw new EnvelopeException();
        }

        return new MskEnvelope
        {
            Format = format,
            ContentEncoding = encoding,
            Ciphertext = ciphertext,
            InitializationVector = iv,
            Mode = mode,
            KeyKcv = kcv,
        };
    }

    private static Aes CreateAes(ReadOnlySpan<byte> msk)
    {
        var aes = Aes.Create();
        aes.SetKey(msk);
        return aes;
    }

    private static (string Ciphertext, string Iv) EncryptPiece(Aes aes, ReadOnlySpan<byte> payload)
    {
        var asciiHex = new byte[payload.Length * 2];
        try
        {
            EncodeAsciiHex(payload, asciiHex);
            var iv = RandomNumberGenerator.GetBytes(IvLength);
            var ciphertext = aes.EncryptCbc(asciiHex, iv, PaddingMode.PKCS7);
            return (Hex.Encode(ciphertext), Hex.Encode(iv));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(asciiHex);
        }
    }

    private static bool TryDecryptPiece(ReadOnlySpan<byte> msk, MskEnvelope envelope, [NotNullWhen(true)] out byte[]? payload)
    {
        using var aes = CreateAes(msk);
        return TryDecryptPiece(aes, envelope.Mode, envelope.KeyKcv, envelope.Ciphertext, envelope.InitializationVector, out payload);
    }

    private static bool TryDecryptPiece(
        Aes aes, string? mode, string? kcv, string? ciphertextHex, string? ivHex, [NotNullWhen(true)] out byte[]? payload)
    {
        payload = null;
        if (mode != MskEnvelope.CbcMode
            || !KcvMatches(aes, kcv)
            || !Hex.TryDecode(ivHex, out var iv) || iv.Length != IvLength
            || !Hex.TryDecode(ciphertextHex, out var ciphertext) || ciphertext.Length == 0 || ciphertext.Length % AesBlockSize != 0)
        {
            return false;
        }

        var plaintext = new byte[ciphertext.Length];
        try
        {
            var written = aes.DecryptCbc(ciphertext, iv, plaintext, PaddingMode.PKCS7);
            return TryDecodeAsciiHex(plaintext.AsSpan(0, written), out payload);
        }
        catch (CryptographicException)
        {
            return false;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>A KCV on the envelope must name this MSK (PROTOCOL §7); an absent one is fine on requests.</summary>
    private static bool KcvMatches(Aes aes, string? kcv) =>
        kcv is null || string.Equals(kcv, KeyCheckValue.Legacy(aes), StringComparison.OrdinalIgnoreCase);

    /// <summary>Uppercase ASCII hex of <paramref name="source"/> into <paramref name="destination"/> (vectorised by the runtime).</summary>
    private static void EncodeAsciiHex(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (!Convert.TryToHexString(source, destination, out var written) || written != destination.Length)
        {
            throw new InvalidOperationException("The hex buffer is not twice the payload's length.");
        }
    }

    /// <summary>ASCII hex of either case back to bytes; false for odd length or any other character.</summary>
    private static bool TryDecodeAsciiHex(ReadOnlySpan<byte> source, [NotNullWhen(true)] out byte[]? bytes)
    {
        bytes = null;
        if (source.Length % 2 != 0)
        {
            return false;
        }

        var result = new byte[source.Length / 2];
        if (Convert.FromHexString(source, result, out var consumed, out var written) != OperationStatus.Done ||
            consumed != source.Length || written != result.Length)
        {
            CryptographicOperations.ZeroMemory(result);
            return false;
        }

        bytes = result;
        return true;
    }

    private static bool TryGetString(JsonElement element, string name, [NotNullWhen(true)] out string? value)
    {
        value = element.TryGetProperty(name, out var property) && property.ValueKind == JsonValueKind.String
            ? property.GetString()
            : null;
        return value is not null;
    }

    /// <summary>Absent or null gives null; a string gives the string; any other JSON type is a malformed envelope.</summary>
    private static bool TryGetOptionalString(JsonElement element, string name, out string? value)
    {
        value = null;
        if (!element.TryGetProperty(name, out var property) || property.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        return TryGetString(element, name, out value);
    }

    private static byte[] Compress(ReadOnlySpan<byte> data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    private static byte[] Decompress(byte[] gzipBytes, long maxBytes)
    {
        using var input = new MemoryStream(gzipBytes, writable: false);
        using var gzip = new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = gzip.Read(buffer)) > 0)
        {
            // A few hundred kilobytes of gzip can expand to gigabytes; stop at the limit instead of exhausting memory.
            if (output.Length + read > maxBytes)
            {
                throw new InvalidDataException("Decompressed payload exceeds the limit.");
            }

            output.Write(buffer, 0, read);
        }

        return output.ToArray();
    }

    private static void EnsureMsk(ReadOnlySpan<byte> msk)
    {
        if (msk.Length != MskLength)
        {
            throw new ArgumentException("The MSK is an AES-256 key of 32 bytes.", nameof(msk));
        }
    }
}
