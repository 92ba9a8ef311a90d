using System.Text.Json.Serialization;

namespace VioPay.Crypto;

/// <summary>A TR31-DATA envelope (PROTOCOL §7): JSON encrypted under the MSK, as it travels on the wire.</summary>
public sealed record MskEnvelope
{
    public const string SingleFormat = "TR31-DATA";
    public const string CbcMode = "CBC";
    public const string GzipEncoding = "gzip";

    [JsonPropertyName("format")]
    public string Format { get; init; } = SingleFormat;

    /// <summary>Present ("gzip") only on terminal parameters; absent on ordinary JSON envelopes.</summary>
    [JsonPropertyName("content_encoding")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ContentEncoding { get; init; }

    [JsonPropertyName("ciphertext")]
    public required string Ciphertext { get; init; }

    [JsonPropertyName("initialization_vector")]
    public required string InitializationVector { get; init; }

    [JsonPropertyName("mode")]
    public string Mode { get; init; } = CbcMode;

    /// <summary>Legacy KCV of the MSK; always set on responses, optional on requests.</summary>
    [JsonPropertyName("key_kcv")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? KeyKcv { get; init; }
}

/// <summary>Terminal parameters too large for one piece: TR31-DATA-CHUNKED (PROTOCOL §7).</summary>
public sealed record ChunkedEnvelope
{
    public const string ChunkedFormat = "TR31-DATA-CHUNKED";

    [JsonPropertyName("format")]
    public string Format { get; init; } = ChunkedFormat;

    [JsonPropertyName("content_encoding")]
    public string ContentEncoding { get; init; } = MskEnvelope.GzipEncoding;

    [JsonPropertyName("mode")]
    public string Mode { get; init; } = MskEnvelope.CbcMode;

    [JsonPropertyName("key_kcv")]
    public required string KeyKcv { get; init; }

    /// <summary>Byte count of the whole gzip stream, before it is cut into pieces.</summary>
    [JsonPropertyName("total_size")]
    public required long TotalSize { get; init; }

    /// <summary>Uppercase hex SHA-256 of the whole gzip stream.</summary>
    [JsonPropertyName("sha256")]
    public required string Sha256 { get; init; }

    [JsonPropertyName("chunks")]
    public required IReadOnlyList<EnvelopeChunk> Chunks { get; init; }
}

/// <summary>One encrypted piece of a chunked envelope, with its own IV.</summary>
public sealed record EnvelopeChunk
{
    [JsonPropertyName("index")]
    public required int Index { get; init; }

    [JsonPropertyName("ciphertext")]
    public required string Ciphertext { get; init; }

    [JsonPropertyName("initialization_vector")]
    public required string InitializationVector { get; init; }

    [JsonPropertyName("mode")]
    public string Mode { get; init; } = MskEnvelope.CbcMode;
}

/// <summary>
/// Any envelope failure. The message is one constant whatever step failed (hex, IV, padding, UTF-8, JSON, KCV),
/// so an attacker cannot tell a padding error from any other: no padding oracle.
/// </summary>
public sealed class EnvelopeException : Exception
{
    public const string StandardMessage = "Encrypted payload could not be decrypted";

    public EnvelopeException()
        : base(StandardMessage)
    {
    }
}
