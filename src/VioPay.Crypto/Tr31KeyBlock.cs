using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace VioPay.Crypto;

/// <summary>The header and clear key of an opened key block.</summary>
public sealed record Tr31UnwrapResult(Tr31Header Header, byte[] Key);

/// <summary>
/// TR-31 / ANSI X9.143 key blocks, version D only (AES, CMAC key derivation binding), exactly as PROTOCOL §6 describes:
/// block = header ‖ HEX(AES-CBC(KBEK, IV = MAC, clear payload)) ‖ HEX(MAC), MAC = AES-CMAC(KBMK, header ‖ clear payload).
/// </summary>
public static class Tr31KeyBlock
{
    private const int BlockSize = 16;
    private const int MacHexLength = AesCmac.TagLength * 2;
    private const int KeyLengthFieldSize = 2;
    private const int MaxKeyBits = ushort.MaxValue;

    /// <summary>Wraps <paramref name="key"/> with fresh random padding up to a whole number of AES blocks.</summary>
    public static string Wrap(ReadOnlySpan<byte> kbpk, Tr31Header header, ReadOnlySpan<byte> key)
    {
        var paddingLength = RoundUpToBlock(KeyLengthFieldSize + key.Length) - KeyLengthFieldSize - key.Length;
        Span<byte> padding = stackalloc byte[paddingLength];
        RandomNumberGenerator.Fill(padding);
        return Wrap(kbpk, header, key, padding);
    }

    /// <summary>
    /// Wraps <paramref name="key"/> with caller-chosen padding; 2 + key + padding must fill whole AES blocks. Longer
    /// padding hides the key length (X9.143 key length obfuscation). Exists for known-answer tests and HSM parity;
    /// production callers want the overload that draws the padding from a CSPRNG.
    /// </summary>
    public static string Wrap(ReadOnlySpan<byte> kbpk, Tr31Header header, ReadOnlySpan<byte> key, ReadOnlySpan<byte> padding)
    {
        EnsureKbpkLength(kbpk);
        ArgumentNullException.ThrowIfNull(header);
        if (header.VersionId != 'D')
        {
            throw new Tr31Exception(Tr31Error.UnsupportedVersion, "Only key block version D is supported.");
        }

        if (key.IsEmpty || key.Length * 8 > MaxKeyBits)
        {
            throw new Tr31Exception(Tr31Error.BadKeyLength, "The key to wrap must be 1 to 8191 bytes long.");
        }

        var payloadLength = KeyLengthFieldSize + key.Length + padding.Length;
        if (payloadLength % BlockSize != 0)
        {
            throw new Tr31Exception(Tr31Error.Malformed, "Key length field, key and padding must fill whole AES blocks.");
        }

        var padded = header.WithHeaderPadding();
        var totalLength = padded.RenderedLength + (payloadLength * 2) + MacHexLength;
        var headerText = padded.Render(totalLength);

        var clear = new byte[payloadLength];
        var (kbek, kbmk) = DeriveKeys(kbpk);
        try
        {
            BinaryPrimitives.WriteUInt16BigEndian(clear, (ushort)(key.Length * 8));
            key.CopyTo(clear.AsSpan(KeyLengthFieldSize));
            padding.CopyTo(clear.AsSpan(KeyLengthFieldSize + key.Length));

            var mac = AesCmac.Compute(kbmk, Encoding.ASCII.GetBytes(headerText), clear);
            using var aes = Aes.Create();
            aes.SetKey(kbek);
            var encrypted = aes.EncryptCbc(clear, mac, PaddingMode.None);
            return string.Concat(headerText, Hex.Encode(encrypted), Hex.Encode(mac));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(clear);
            CryptographicOperations.ZeroMemory(kbek);
            CryptographicOperations.ZeroMemory(kbmk);
        }
    }

    /// <summary>
    /// Opens a version D key block. Every failure, whatever the input, is a <see cref="Tr31Exception"/>; the key is
    /// returned only after the block's CMAC has verified.
    /// </summary>
    public static Tr31UnwrapResult Unwrap(ReadOnlySpan<byte> kbpk, string keyBlock)
    {
        EnsureKbpkLength(kbpk);
        if (string.IsNullOrEmpty(keyBlock))
        {
            throw new Tr31Exception(Tr31Error.Malformed, "The key block is empty.");
        }

        if (keyBlock.Length > Tr31Header.MaxBlockLength)
        {
            throw new Tr31Exception(Tr31Error.LengthMismatch, "A key block is at most 9999 characters long.");
        }

        if (keyBlock[0] != 'D')
        {
            throw new Tr31Exception(Tr31Error.UnsupportedVersion, "Only key block version D is supported.");
        }

        var header = Tr31HeaderParser.Parse(keyBlock, out var headerLength, out var declaredLength);
        if (declaredLength != keyBlock.Length)
        {
            throw new Tr31Exception(Tr31Error.LengthMismatch, "The key block length field does not match the block.");
        }

        if (header.OptionalBlocks.Count > 0 && headerLength % BlockSize != 0)
        {
            throw new Tr31Exception(Tr31Error.BadOptionalBlock, "Optional blocks must pad the header to a multiple of 16 characters.");
        }

        var bodyLength = keyBlock.Length - headerLength;
        if (bodyLength < MacHexLength + (BlockSize * 2) || (bodyLength - MacHexLength) % (BlockSize * 2) != 0)
        {
            throw new Tr31Exception(Tr31Error.Malformed, "The encrypted payload is not a whole number of AES blocks followed by a 16-byte MAC.");
        }

        var encryptedHex = keyBlock.AsSpan(headerLength, bodyLength - MacHexLength);
        var macHex = keyBlock.AsSpan(keyBlock.Length - MacHexLength);
        if (!Hex.TryDecode(encryptedHex, out var encrypted) || !Hex.TryDecode(macHex, out var mac))
        {
            throw new Tr31Exception(Tr31Error.Malformed, "The encrypted payload or MAC is not hex.");
        }

        var (kbek, kbmk) = DeriveKeys(kbpk);
        byte[]? clear = null;
        try
        {
            using (var aes = Aes.Create())
            {
                aes.SetKey(kbek);
                clear = aes.DecryptCbc(encrypted, mac, PaddingMode.None);
            }

            // The MAC covers the header exactly as received, so nothing in it can be altered without detection.
            var expected = AesCmac.Compute(kbmk, Encoding.ASCII.GetBytes(keyBlock, 0, headerLength), clear);
            // The MAC is checked, in constant time, before the key length is read, so a forged block leaks nothing.
            if (!CryptographicOperations.FixedTimeEquals(expected, mac))
            {
                throw new Tr31Exception(Tr31Error.MacMismatch, "The key block MAC does not verify.");
            }

            var keyBits = BinaryPrimitives.ReadUInt16BigEndian(clear);
            if (keyBits == 0 || keyBits % 8 != 0 || keyBits / 8 > clear.Length - KeyLengthFieldSize)
            {
                throw new Tr31Exception(Tr31Error.BadKeyLength, "The key length field does not fit the payload.");
            }

            var key = clear.AsSpan(KeyLengthFieldSize, keyBits / 8).ToArray();
            return new Tr31UnwrapResult(header, key);
        }
        finally
        {
            if (clear is not null)
            {
                CryptographicOperations.ZeroMemory(clear);
            }

            CryptographicOperations.ZeroMemory(kbek);
            CryptographicOperations.ZeroMemory(kbmk);
        }
    }

    /// <summary>
    /// KBEK and KBMK from the KBPK by AES-CMAC in counter mode (NIST SP 800-108), per X9.143 / PROTOCOL §6:
    /// CMAC(KBPK, i ‖ usage ‖ 0x00 ‖ algorithm ‖ length in bits) for i = 1..n, concatenated and cut to the KBPK length.
    /// </summary>
    internal static (byte[] Kbek, byte[] Kbmk) DeriveKeys(ReadOnlySpan<byte> kbpk)
    {
        EnsureKbpkLength(kbpk);
        var (algorithm, bits) = kbpk.Length switch
        {
            16 => ((ushort)0x0002, (ushort)0x0080),
            24 => ((ushort)0x0003, (ushort)0x00C0),
            _ => ((ushort)0x0004, (ushort)0x0100),
        };

        return (Derive(kbpk, 0x0000, algorithm, bits), Derive(kbpk, 0x0001, algorithm, bits));
    }

    private static byte[] Derive(ReadOnlySpan<byte> kbpk, ushort usage, ushort algorithm, ushort bits)
    {
        var blocks = (kbpk.Length + BlockSize - 1) / BlockSize;
        var output = new byte[blocks * BlockSize];
        Span<byte> input = stackalloc byte[8];
        var mac = AesCmac.Create(kbpk);
        for (var i = 1; i <= blocks; i++)
        {
            input[0] = (byte)i;
            BinaryPrimitives.WriteUInt16BigEndian(input[1..], usage);
            input[3] = 0x00;
            BinaryPrimitives.WriteUInt16BigEndian(input[4..], algorithm);
            BinaryPrimitives.WriteUInt16BigEndian(input[6..], bits);
            mac.BlockUpdate(input);
            mac.DoFinal(output.AsSpan((i - 1) * BlockSize, BlockSize));
        }

        var key = output.AsSpan(0, kbpk.Length).ToArray();
        CryptographicOperations.ZeroMemory(output);
        return key;
    }

    private static void EnsureKbpkLength(ReadOnlySpan<byte> kbpk)
    {
        if (kbpk.Length is not (16 or 24 or 32))
        {
            throw new Tr31Exception(Tr31Error.BadKbpkLength, "The KBPK must be an AES-128, AES-192 or AES-256 key.");
        }
    }

    private static int RoundUpToBlock(int length) => (length + BlockSize - 1) / BlockSize * BlockSize;
}
