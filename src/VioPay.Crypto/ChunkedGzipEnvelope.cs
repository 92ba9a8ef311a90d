using System.Buffers;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace VioPay.Crypto;

/// <summary>
/// Terminal parameters in MSK envelopes (PROTOCOL §7): the UTF-8 JSON gzip'd, the gzip bytes cut into pieces of at
/// most a chunk size, each piece encrypted over ascii(HEX(piece)) with its own IV. One piece gives a TR31-DATA
/// envelope with content_encoding gzip, several a TR31-DATA-CHUNKED one with total_size and sha256 of the gzip bytes.
/// </summary>
public static class ChunkedGzipEnvelope
{
    public const int DefaultMaxChunkBytes = 32 * 1024;
    public const long DefaultMaxDecompressedBytes = 16 * 1024 * 1024;

    private const int Sha256Length = 32;

    public static JsonObject Encrypt(ReadOnlySpan<byte> msk, ReadOnlySpan<byte> utf8Json, int maxChunkBytes = DefaultMaxChunkBytes)
    {
        MskCipher.EnsureMsk(msk);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxChunkBytes);
        var gzip = Compress(utf8Json);
        using var cipher = new MskCipher(msk);

        if (gzip.Length <= maxChunkBytes)
        {
            var (ciphertext, iv) = cipher.Seal(gzip);
            var single = new MskEnvelope
            {
                ContentEncoding = MskEnvelope.GzipEncoding,
                Ciphertext = ciphertext,
                InitializationVector = iv,
                KeyKcv = cipher.Kcv,
            };
            return JsonSerializer.SerializeToNode(single)!.AsObject();
        }

        var chunks = new List<EnvelopeChunk>((gzip.Length + maxChunkBytes - 1) / maxChunkBytes);
        for (var offset = 0; offset < gzip.Length; offset += maxChunkBytes)
        {
            var (ciphertext, iv) = cipher.Seal(gzip.AsSpan(offset, Math.Min(maxChunkBytes, gzip.Length - offset)));
            chunks.Add(new EnvelopeChunk { Index = chunks.Count, Ciphertext = ciphertext, InitializationVector = iv });
        }

        var chunked = new ChunkedEnvelope
        {
            KeyKcv = cipher.Kcv,
            TotalSize = gzip.Length,
            Sha256 = Hex.Encode(SHA256.HashData(gzip)),
            Chunks = chunks,
        };
        return JsonSerializer.SerializeToNode(chunked)!.AsObject();
    }

    /// <summary>
    /// The inverse of <see cref="Encrypt"/> for either form: decrypt the pieces, join them in index order, check
    /// total_size and sha256, gunzip (at most <paramref name="maxDecompressedBytes"/>) and check the result is JSON.
    /// </summary>
    /// <exception cref="ArgumentException">The MSK is not 32 bytes: a server fault, not an envelope fault.</exception>
    public static EnvelopeResult<byte[]> Decrypt(ReadOnlySpan<byte> msk, JsonElement envelope, long maxDecompressedBytes = DefaultMaxDecompressedBytes)
    {
        using var cipher = new MskCipher(msk);
        EnvelopeResult<byte[]> gzip;
        try
        {
            gzip = ReadGzipBytes(cipher, envelope);
        }
        catch (InvalidOperationException)
        {
            // A string value that is not valid UTF-8: JsonElement.GetString refuses to transcode it.
            return EnvelopeFailure.NotAnEnvelope;
        }

        if (!gzip.Succeeded)
        {
            return gzip.Failure;
        }

        var json = Decompress(gzip.Value, maxDecompressedBytes);
        if (!json.Succeeded)
        {
            return json;
        }

        var failure = MskEnvelopeReader.CheckStrictJson(json.Value, requireUtf8: false);
        return failure == EnvelopeFailure.None ? json : failure;
    }

    private static EnvelopeResult<byte[]> ReadGzipBytes(MskCipher cipher, JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !MskEnvelopeReader.TryGetString(root, "format", out var format))
        {
            return EnvelopeFailure.NotAnEnvelope;
        }

        if (!MskEnvelopeReader.TryGetString(root, "content_encoding", out var encoding) || encoding != MskEnvelope.GzipEncoding)
        {
            return EnvelopeFailure.WrongContentEncoding;
        }

        if (format == MskEnvelope.SingleFormat)
        {
            var single = MskEnvelopeReader.Read(root);
            return single.Succeeded
                ? cipher.OpenPiece(single.Value.Mode, single.Value.KeyKcv, single.Value.Ciphertext, single.Value.InitializationVector)
                : single.Failure;
        }

        if (format != ChunkedEnvelope.ChunkedFormat)
        {
            return EnvelopeFailure.WrongFormat;
        }

        if (!MskEnvelopeReader.TryGetString(root, "mode", out var mode) || mode != MskEnvelope.CbcMode)
        {
            return EnvelopeFailure.WrongMode;
        }

        if (!MskEnvelopeReader.TryGetOptionalString(root, "key_kcv", out var kcv))
        {
            return EnvelopeFailure.NotAnEnvelope;
        }

        if (!cipher.KcvMatches(kcv))
        {
            return EnvelopeFailure.KeyCheckMismatch;
        }

        if (!root.TryGetProperty("total_size", out var totalElement) || totalElement.ValueKind != JsonValueKind.Number
            || !totalElement.TryGetInt64(out var totalSize) || totalSize < 0
            || !MskEnvelopeReader.TryGetString(root, "sha256", out var shaHex) || !Hex.TryDecode(shaHex, out var sha) || sha.Length != Sha256Length
            || !root.TryGetProperty("chunks", out var chunksElement) || chunksElement.ValueKind != JsonValueKind.Array
            || chunksElement.GetArrayLength() == 0)
        {
            return EnvelopeFailure.MalformedChunks;
        }

        var pieces = new byte[chunksElement.GetArrayLength()][];
        foreach (var chunk in chunksElement.EnumerateArray())
        {
            // Each index 0..n-1 exactly once: a repeated or missing piece is a broken envelope, not something to guess around.
            if (chunk.ValueKind != JsonValueKind.Object
                || !chunk.TryGetProperty("index", out var indexElement) || indexElement.ValueKind != JsonValueKind.Number
                || !indexElement.TryGetInt32(out var index) || index < 0 || index >= pieces.Length || pieces[index] is not null
                || !MskEnvelopeReader.TryGetString(chunk, "ciphertext", out var ciphertext)
                || !MskEnvelopeReader.TryGetString(chunk, "initialization_vector", out var iv)
                || !MskEnvelopeReader.TryGetString(chunk, "mode", out var chunkMode))
            {
                return EnvelopeFailure.MalformedChunks;
            }

            var piece = cipher.OpenPiece(chunkMode, kcv, ciphertext, iv);
            if (!piece.Succeeded)
            {
                return piece.Failure;
            }

            pieces[index] = piece.Value;
        }

        // Every index in range appeared once and there are as many pieces as indexes, so none is missing.
        var length = pieces.Sum(p => (long)p.Length);
        if (length != totalSize)
        {
            return EnvelopeFailure.SizeMismatch;
        }

        var gzip = new byte[length];
        var offset = 0;
        foreach (var piece in pieces)
        {
            piece.CopyTo(gzip, offset);
            offset += piece.Length;
        }

        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(gzip), sha) ? gzip : EnvelopeFailure.DigestMismatch;
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

    private static EnvelopeResult<byte[]> Decompress(byte[] gzipBytes, long maxBytes)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            using var input = new MemoryStream(gzipBytes, writable: false);
            using var gzip = new GZipStream(input, CompressionMode.Decompress);
            using var output = new MemoryStream();
            int read;
            while ((read = gzip.Read(buffer)) > 0)
            {
                // A few hundred kilobytes of gzip can expand to gigabytes; stop at the limit instead of exhausting memory.
                if (output.Length + read > maxBytes)
                {
                    return EnvelopeFailure.TooLarge;
                }

                output.Write(buffer, 0, read);
            }

            return output.ToArray();
        }
        catch (InvalidDataException)
        {
            return EnvelopeFailure.NotGzip;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
