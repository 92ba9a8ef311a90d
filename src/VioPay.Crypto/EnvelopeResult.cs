using System.Diagnostics.CodeAnalysis;

namespace VioPay.Crypto;

/// <summary>
/// Why an MSK envelope was refused. The kinds exist for tests and for the code that reads envelopes; nothing outside
/// the server may tell them apart: every kind becomes the one <see cref="EnvelopeException"/> message (PROTOCOL §7,
/// no padding oracle).
/// </summary>
public enum EnvelopeFailure
{
    None = 0,

    /// <summary>The body is not a JSON object with the envelope's fields as strings (or is not JSON at all).</summary>
    NotAnEnvelope,

    /// <summary>format is not the one this reader expects (TR31-DATA, or TR31-DATA-CHUNKED for parameters).</summary>
    WrongFormat,

    /// <summary>content_encoding is present on a JSON envelope, or is not gzip on a parameters one.</summary>
    WrongContentEncoding,

    /// <summary>mode is not CBC.</summary>
    WrongMode,

    /// <summary>key_kcv names another key.</summary>
    KeyCheckMismatch,

    /// <summary>initialization_vector is not 16 bytes of hex.</summary>
    MalformedIv,

    /// <summary>ciphertext is not hex, is empty or is not whole AES blocks.</summary>
    MalformedCiphertext,

    /// <summary>The PKCS#7 padding is wrong (usually: another key, or a tampered ciphertext).</summary>
    BadPadding,

    /// <summary>The decrypted text is not ASCII hex of even length.</summary>
    PlaintextNotHex,

    /// <summary>The decrypted bytes are not well-formed UTF-8.</summary>
    PlaintextNotUtf8,

    /// <summary>The decrypted (or decompressed) bytes are not one strict JSON value.</summary>
    PlaintextNotJson,

    /// <summary>A chunked envelope's total_size, sha256 or chunks field is missing or malformed, or a chunk index is missing, repeated or out of range.</summary>
    MalformedChunks,

    /// <summary>The joined pieces are not total_size bytes long.</summary>
    SizeMismatch,

    /// <summary>The joined pieces do not hash to sha256.</summary>
    DigestMismatch,

    /// <summary>The joined pieces are not a gzip stream.</summary>
    NotGzip,

    /// <summary>The gzip stream expands past the decompression limit.</summary>
    TooLarge,
}

/// <summary>The outcome of reading or opening an envelope: a value, or the <see cref="EnvelopeFailure"/> that stopped it.</summary>
public readonly record struct EnvelopeResult<T>
{
    private EnvelopeResult(T? value, EnvelopeFailure failure)
    {
        Value = value;
        Failure = failure;
        Succeeded = failure == EnvelopeFailure.None;
    }

    public T? Value { get; }

    public EnvelopeFailure Failure { get; }

    /// <summary>False for <c>default</c> too, so an uninitialised result is never taken for a success.</summary>
    [MemberNotNullWhen(true, nameof(Value))]
    public bool Succeeded { get; }

#pragma warning disable CA2225 // The conversions are how a method returns either arm; a named alternate would only add noise.
    public static implicit operator EnvelopeResult<T>(T value) => new(value ?? throw new ArgumentNullException(nameof(value)), EnvelopeFailure.None);

    public static implicit operator EnvelopeResult<T>(EnvelopeFailure failure) =>
        failure == EnvelopeFailure.None
            ? throw new ArgumentOutOfRangeException(nameof(failure), "A failure needs a reason.")
            : new(default, failure);
#pragma warning restore CA2225

    /// <summary>The value, or the constant-message <see cref="EnvelopeException"/> whatever the failure was.</summary>
    public T ValueOrThrow() => Succeeded ? Value : throw new EnvelopeException();
}
