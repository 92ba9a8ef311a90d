using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;

namespace VioPay.Crypto;

/// <summary>AES-CMAC (NIST SP 800-38B, RFC 4493) with a full 16-byte tag.</summary>
public static class AesCmac
{
    public const int TagLength = 16;

    public static byte[] Compute(ReadOnlySpan<byte> key, ReadOnlySpan<byte> message) => Compute(key, message, []);

    /// <summary>CMAC over the concatenation of two parts, so callers need not copy key-bearing data into one buffer.</summary>
    internal static byte[] Compute(ReadOnlySpan<byte> key, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        var mac = Create(key);
        mac.BlockUpdate(first);
        mac.BlockUpdate(second);
        var tag = new byte[TagLength];
        mac.DoFinal(tag);
        return tag;
    }

    internal static CMac Create(ReadOnlySpan<byte> key)
    {
        EnsureAesKeyLength(key.Length, nameof(key));
        var mac = new CMac(new AesEngine());
        mac.Init(new KeyParameter(key));
        return mac;
    }

    internal static void EnsureAesKeyLength(int length, string parameterName)
    {
        if (length is not (16 or 24 or 32))
        {
            throw new ArgumentException("An AES key is 16, 24 or 32 bytes long.", parameterName);
        }
    }
}
