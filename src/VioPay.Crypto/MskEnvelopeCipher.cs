using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace VioPay.Crypto;

/// <summary>
/// MSK envelopes (PROTOCOL §7) in one call each, for callers that hold the raw MSK for one operation: a thin front to
/// <see cref="MskCipher"/> (the AES), <see cref="MskEnvelopeReader"/> (strict JSON) and <see cref="ChunkedGzipEnvelope"/>
/// (terminal parameters). Every decryption failure is an <see cref="EnvelopeException"/> with one constant message;
/// the typed <see cref="EnvelopeResult{T}"/> of those types says which step failed.
/// </summary>
public static class MskEnvelopeCipher
{
    public const int DefaultMaxChunkBytes = ChunkedGzipEnvelope.DefaultMaxChunkBytes;
    public const long DefaultMaxDecompressedBytes = ChunkedGzipEnvelope.DefaultMaxDecompressedBytes;

    public static MskEnvelope Encrypt(ReadOnlySpan<byte> msk, string json)
    {
        using var cipher = new MskCipher(msk);
        return cipher.Encrypt(json);
    }

    /// <summary>Decrypts a TR31-DATA envelope to its JSON text, which is checked to be well-formed UTF-8 JSON.</summary>
    /// <exception cref="EnvelopeException">Whatever went wrong with the envelope.</exception>
    /// <exception cref="ArgumentException">The MSK is not 32 bytes: a server fault, not an envelope fault.</exception>
    public static string Decrypt(ReadOnlySpan<byte> msk, MskEnvelope envelope)
    {
        using var cipher = new MskCipher(msk);
        return cipher.Decrypt(envelope).ValueOrThrow();
    }

    /// <summary>As <see cref="Decrypt"/>, but the plaintext comes back parsed, once; the caller disposes the document.</summary>
    /// <exception cref="EnvelopeException">Whatever went wrong with the envelope.</exception>
    public static JsonDocument DecryptDocument(ReadOnlySpan<byte> msk, MskEnvelope envelope)
    {
        using var cipher = new MskCipher(msk);
        return cipher.DecryptDocument(envelope).ValueOrThrow();
    }

    public static bool TryDecrypt(ReadOnlySpan<byte> msk, MskEnvelope? envelope, [NotNullWhen(true)] out string? json)
    {
        using var cipher = new MskCipher(msk);
        json = cipher.Decrypt(envelope).Value;
        return json is not null;
    }

    /// <summary>Reads a request body as an envelope: a JSON object with string format, ciphertext, initialization_vector and mode.</summary>
    public static MskEnvelope ParseJson(ReadOnlySpan<byte> utf8Body) => MskEnvelopeReader.Read(utf8Body).ValueOrThrow();

    /// <inheritdoc cref="ChunkedGzipEnvelope.Encrypt"/>
    public static JsonObject EncryptGzip(ReadOnlySpan<byte> msk, ReadOnlySpan<byte> utf8Json, int maxChunkBytes = DefaultMaxChunkBytes) =>
        ChunkedGzipEnvelope.Encrypt(msk, utf8Json, maxChunkBytes);

    /// <inheritdoc cref="ChunkedGzipEnvelope.Decrypt"/>
    public static byte[] DecryptGzip(ReadOnlySpan<byte> msk, JsonElement envelopeJson, long maxDecompressedBytes = DefaultMaxDecompressedBytes) =>
        ChunkedGzipEnvelope.Decrypt(msk, envelopeJson, maxDecompressedBytes).ValueOrThrow();
}
