using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace VioPay.Crypto;

/// <summary>
/// One MSK, keyed once: the AES-256-CBC of PROTOCOL §7, ciphertext = AES-256-CBC(MSK, fresh IV, PKCS#7(ascii(UPPERCASE
/// HEX(payload)))). Create one per operation (or per request) and dispose it, which wipes the key; an instance is not
/// meant to be shared between threads.
/// </summary>
public sealed class MskCipher : IDisposable
{
    public const int KeyLength = 32;

    private const int IvLength = 16;
    private const int AesBlockSize = 16;

    // Invalid UTF-16 (a lone surrogate) in an answer is a server bug: fail, rather than encrypt U+FFFD.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly Aes _aes;
    private string? _kcv;

    /// <exception cref="ArgumentException">The MSK is not 32 bytes: a server fault, not an envelope fault.</exception>
    public MskCipher(ReadOnlySpan<byte> msk)
    {
        EnsureMsk(msk);
        _aes = Aes.Create();
        _aes.SetKey(msk);
    }

    /// <summary>The legacy KCV of the MSK (6 uppercase hex characters), computed once.</summary>
    public string Kcv => _kcv ??= KeyCheckValue.Legacy(_aes);

    /// <summary>A TR31-DATA envelope of <paramref name="json"/>, with a fresh IV from the CSPRNG and the KCV.</summary>
    public MskEnvelope Encrypt(string json)
    {
        Span<byte> iv = stackalloc byte[IvLength];
        RandomNumberGenerator.Fill(iv);
        return Encrypt(json, iv);
    }

    /// <summary>The encryption with a chosen IV, for known-answer tests only: on the wire every IV is fresh.</summary>
    internal MskEnvelope Encrypt(string json, ReadOnlySpan<byte> iv)
    {
        ArgumentNullException.ThrowIfNull(json);
        var maxLength = StrictUtf8.GetMaxByteCount(json.Length);
        var utf8 = ArrayPool<byte>.Shared.Rent(maxLength);
        try
        {
            var length = StrictUtf8.GetBytes(json, utf8);
            return new MskEnvelope { Ciphertext = SealHex(utf8.AsSpan(0, length), iv), InitializationVector = Convert.ToHexString(iv), KeyKcv = Kcv };
        }
        finally
        {
            // All of it: a lone surrogate stops GetBytes half-way, after it has written part of the plaintext.
            CryptographicOperations.ZeroMemory(utf8.AsSpan(0, maxLength));
            ArrayPool<byte>.Shared.Return(utf8);
        }
    }

    /// <summary>Encrypts ascii(HEX(<paramref name="payload"/>)) under a fresh IV; both as uppercase hex.</summary>
    public SealedPiece Seal(ReadOnlySpan<byte> payload)
    {
        Span<byte> iv = stackalloc byte[IvLength];
        RandomNumberGenerator.Fill(iv);
        return new SealedPiece(SealHex(payload, iv), Convert.ToHexString(iv));
    }

    /// <summary>
    /// Decrypts a TR31-DATA envelope to its JSON text, checked to be well-formed UTF-8 and one strict JSON value (no
    /// duplicate properties, nothing after it). A gzip envelope carries compressed bytes, not JSON: it is refused here.
    /// </summary>
    public EnvelopeResult<string> Decrypt(MskEnvelope? envelope)
    {
        var failure = OpenJson(envelope, out var rented, out var length);
        if (failure != EnvelopeFailure.None)
        {
            return failure;
        }

        try
        {
            var utf8 = rented.AsMemory(0, length);
            failure = MskEnvelopeReader.CheckStrictJson(utf8, requireUtf8: true);
            return failure == EnvelopeFailure.None ? Encoding.UTF8.GetString(utf8.Span) : failure;
        }
        finally
        {
            Release(rented, length);
        }
    }

    /// <summary>
    /// The same checks as <see cref="Decrypt"/>, but the answer is the parsed document itself, so a request's plaintext
    /// is parsed once rather than checked, turned into a string and parsed again. The caller disposes it.
    /// </summary>
    public EnvelopeResult<JsonDocument> DecryptDocument(MskEnvelope? envelope)
    {
        var failure = OpenJson(envelope, out var rented, out var length);
        if (failure != EnvelopeFailure.None)
        {
            return failure;
        }

        try
        {
            if (!Utf8.IsValid(rented.AsSpan(0, length)))
            {
                return EnvelopeFailure.PlaintextNotUtf8;
            }

            // The document keeps the memory it parses, so it gets its own copy rather than the pooled buffer.
            return MskEnvelopeReader.TryParseStrict(rented.AsSpan(0, length).ToArray(), out var document)
                ? document
                : EnvelopeFailure.PlaintextNotJson;
        }
        finally
        {
            Release(rented, length);
        }
    }

    /// <summary>The payload under one piece (a TR31-DATA envelope's or one chunk's), as bytes; its content is not examined.</summary>
    public EnvelopeResult<byte[]> OpenPiece(string? mode, string? kcv, string? ciphertextHex, string? ivHex)
    {
        var failure = Open(mode, kcv, ciphertextHex, ivHex, out var rented, out var length);
        if (failure != EnvelopeFailure.None)
        {
            return failure;
        }

        try
        {
            return rented.AsSpan(0, length).ToArray();
        }
        finally
        {
            Release(rented, length);
        }
    }

    /// <summary>A KCV on the envelope must name this MSK (PROTOCOL §7); an absent one is fine on requests.</summary>
    public bool KcvMatches(string? kcv) => kcv is null || string.Equals(kcv, Kcv, StringComparison.OrdinalIgnoreCase);

    public void Dispose() => _aes.Dispose();

    internal static void EnsureMsk(ReadOnlySpan<byte> msk)
    {
        if (msk.Length != KeyLength)
        {
            throw new ArgumentException("The MSK is an AES-256 key of 32 bytes.", nameof(msk));
        }
    }

    /// <summary>The checks of a JSON envelope's own fields, then <see cref="Open"/>.</summary>
    private EnvelopeFailure OpenJson(MskEnvelope? envelope, out byte[] payload, out int payloadLength)
    {
        payload = [];
        payloadLength = 0;
        if (envelope is null)
        {
            return EnvelopeFailure.NotAnEnvelope;
        }

        if (envelope.Format != MskEnvelope.SingleFormat)
        {
            return EnvelopeFailure.WrongFormat;
        }

        // A gzip envelope carries compressed bytes, not JSON text; it belongs to ChunkedGzipEnvelope.
        if (envelope.ContentEncoding is not null)
        {
            return EnvelopeFailure.WrongContentEncoding;
        }

        return Open(envelope.Mode, envelope.KeyKcv, envelope.Ciphertext, envelope.InitializationVector, out payload, out payloadLength);
    }

    private string SealHex(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> iv)
    {
        var hexLength = checked(payload.Length * 2);
        var hex = ArrayPool<byte>.Shared.Rent(hexLength);
        var ciphertext = ArrayPool<byte>.Shared.Rent(_aes.GetCiphertextLengthCbc(hexLength, PaddingMode.PKCS7));
        try
        {
            // Convert's UTF-8 overload writes the uppercase ASCII hex straight into bytes, vectorised, with no string.
            if (!Convert.TryToHexString(payload, hex.AsSpan(0, hexLength), out var hexWritten) || hexWritten != hexLength)
            {
                throw new InvalidOperationException("The hex buffer is not twice the payload's length.");
            }

            var written = _aes.EncryptCbc(hex.AsSpan(0, hexLength), iv, ciphertext, PaddingMode.PKCS7);
            return Convert.ToHexString(ciphertext.AsSpan(0, written));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(hex.AsSpan(0, hexLength));
            ArrayPool<byte>.Shared.Return(hex);
            ArrayPool<byte>.Shared.Return(ciphertext);
        }
    }

    /// <summary>
    /// Checks, decrypts and hex-decodes one piece into a pooled buffer that the caller must hand to <see cref="Release"/>.
    /// The checks run in the order of the old single method, and every one of them fails without an exception except
    /// the padding, which only the platform can judge.
    /// </summary>
    private EnvelopeFailure Open(string? mode, string? kcv, string? ciphertextHex, string? ivHex, out byte[] payload, out int payloadLength)
    {
        payload = [];
        payloadLength = 0;
        if (mode != MskEnvelope.CbcMode)
        {
            return EnvelopeFailure.WrongMode;
        }

        if (!KcvMatches(kcv))
        {
            return EnvelopeFailure.KeyCheckMismatch;
        }

        Span<byte> iv = stackalloc byte[IvLength];
        if (ivHex is null || ivHex.Length != IvLength * 2 || !TryDecodeHex(ivHex, iv))
        {
            return EnvelopeFailure.MalformedIv;
        }

        if (ciphertextHex is null || ciphertextHex.Length == 0 || ciphertextHex.Length % (AesBlockSize * 2) != 0)
        {
            return EnvelopeFailure.MalformedCiphertext;
        }

        var ciphertextLength = ciphertextHex.Length / 2;
        var ciphertext = ArrayPool<byte>.Shared.Rent(ciphertextLength);
        var plaintext = ArrayPool<byte>.Shared.Rent(ciphertextLength);
        try
        {
            if (!TryDecodeHex(ciphertextHex, ciphertext.AsSpan(0, ciphertextLength)))
            {
                return EnvelopeFailure.MalformedCiphertext;
            }

            int plaintextLength;
            try
            {
                plaintextLength = _aes.DecryptCbc(ciphertext.AsSpan(0, ciphertextLength), iv, plaintext, PaddingMode.PKCS7);
            }
            catch (CryptographicException)
            {
                return EnvelopeFailure.BadPadding;
            }

            var hex = plaintext.AsSpan(0, plaintextLength);
            if (hex.Length % 2 != 0)
            {
                return EnvelopeFailure.PlaintextNotHex;
            }

            var decoded = ArrayPool<byte>.Shared.Rent(hex.Length / 2);
            if (Convert.FromHexString(hex, decoded.AsSpan(0, hex.Length / 2), out var consumed, out var written) != OperationStatus.Done
                || consumed != hex.Length || written != hex.Length / 2)
            {
                Release(decoded, hex.Length / 2);
                return EnvelopeFailure.PlaintextNotHex;
            }

            payload = decoded;
            payloadLength = written;
            return EnvelopeFailure.None;
        }
        finally
        {
            // The platform may have written plaintext before it refused the padding: wipe the whole span it was given.
            CryptographicOperations.ZeroMemory(plaintext.AsSpan(0, ciphertextLength));
            ArrayPool<byte>.Shared.Return(plaintext);
            ArrayPool<byte>.Shared.Return(ciphertext);
        }
    }

    /// <summary>Hex of either case into exactly <paramref name="destination"/>; the OperationStatus overload never throws.</summary>
    private static bool TryDecodeHex(ReadOnlySpan<char> hex, Span<byte> destination) =>
        Convert.FromHexString(hex, destination, out var consumed, out var written) == OperationStatus.Done
        && consumed == hex.Length && written == destination.Length;

    private static void Release(byte[] rented, int length)
    {
        if (rented.Length == 0)
        {
            return;
        }

        CryptographicOperations.ZeroMemory(rented.AsSpan(0, length));
        ArrayPool<byte>.Shared.Return(rented);
    }
}
