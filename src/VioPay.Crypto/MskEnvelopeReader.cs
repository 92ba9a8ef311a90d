using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Unicode;

namespace VioPay.Crypto;

/// <summary>
/// Strict JSON reading for MSK envelopes: a request body into an <see cref="MskEnvelope"/> (a JSON object whose
/// format, ciphertext, initialization_vector and mode are strings, key_kcv and content_encoding strings or absent), and
/// the check that a decrypted plaintext is one strict JSON value. Strict means no duplicate property anywhere, nothing
/// after the value, and well-formed UTF-8.
/// </summary>
public static class MskEnvelopeReader
{
    private static readonly JsonDocumentOptions StrictJson = new() { AllowDuplicateProperties = false };

    /// <summary>Reads a request body as an envelope (the bytes are copied once, for the parser).</summary>
    public static EnvelopeResult<MskEnvelope> Read(ReadOnlySpan<byte> utf8Body) => Read(utf8Body.ToArray().AsMemory());

    /// <summary>Reads a request body as an envelope, parsing the caller's memory in place.</summary>
    public static EnvelopeResult<MskEnvelope> Read(ReadOnlyMemory<byte> utf8Body)
    {
        try
        {
            using var document = JsonDocument.Parse(utf8Body, StrictJson);
            return Read(document.RootElement);
        }
        catch (JsonException)
        {
            return EnvelopeFailure.NotAnEnvelope;
        }
    }

    /// <summary>Reads an envelope already parsed (a parameters answer, whose format decides how to read the rest).</summary>
    public static EnvelopeResult<MskEnvelope> Read(JsonElement root)
    {
        try
        {
            if (root.ValueKind != JsonValueKind.Object
                || !TryGetString(root, "format", out var format)
                || !TryGetString(root, "ciphertext", out var ciphertext)
                || !TryGetString(root, "initialization_vector", out var iv)
                || !TryGetString(root, "mode", out var mode)
                || !TryGetOptionalString(root, "key_kcv", out var kcv)
                || !TryGetOptionalString(root, "content_encoding", out var encoding))
            {
                return EnvelopeFailure.NotAnEnvelope;
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
        catch (InvalidOperationException)
        {
            // A string value that is not valid UTF-8: JsonElement.GetString refuses to transcode it. Found by
            // FuzzTests; without this it escaped as a 500.
            return EnvelopeFailure.NotAnEnvelope;
        }
    }

    /// <summary>
    /// Whether <paramref name="utf8"/> is one strict JSON value: <see cref="EnvelopeFailure.PlaintextNotUtf8"/> first
    /// when <paramref name="requireUtf8"/> (the text becomes a string, so every byte must be well-formed), then
    /// <see cref="EnvelopeFailure.PlaintextNotJson"/>.
    /// </summary>
    public static EnvelopeFailure CheckStrictJson(ReadOnlyMemory<byte> utf8, bool requireUtf8)
    {
        if (requireUtf8 && !Utf8.IsValid(utf8.Span))
        {
            return EnvelopeFailure.PlaintextNotUtf8;
        }

        // The document rents its token table from the pool and parses the caller's memory without copying it.
        if (!TryParseStrict(utf8, out var document))
        {
            return EnvelopeFailure.PlaintextNotJson;
        }

        document.Dispose();
        return EnvelopeFailure.None;
    }

    /// <summary>One strict JSON value over <paramref name="utf8"/>, which the document keeps using until it is disposed.</summary>
    internal static bool TryParseStrict(ReadOnlyMemory<byte> utf8, [NotNullWhen(true)] out JsonDocument? document)
    {
        try
        {
            document = JsonDocument.Parse(utf8, StrictJson);
            return true;
        }
        catch (JsonException)
        {
            document = null;
            return false;
        }
    }

    internal static bool TryGetString(JsonElement element, string name, [NotNullWhen(true)] out string? value)
    {
        value = element.TryGetProperty(name, out var property) && property.ValueKind == JsonValueKind.String
            ? property.GetString()
            : null;
        return value is not null;
    }

    /// <summary>Absent or null gives null; a string gives the string; any other JSON type is a malformed envelope.</summary>
    internal static bool TryGetOptionalString(JsonElement element, string name, out string? value)
    {
        value = null;
        if (!element.TryGetProperty(name, out var property) || property.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        return TryGetString(element, name, out value);
    }
}
