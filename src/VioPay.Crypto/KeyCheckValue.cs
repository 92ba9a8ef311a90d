using System.Security.Cryptography;

namespace VioPay.Crypto;

/// <summary>Key check values for AES keys (PROTOCOL §6): the legacy zero-block method of seed 003 and the X9.24-1 CMAC method.</summary>
public static class KeyCheckValue
{
    /// <summary>AES-ECB encryption of 16 zero bytes under the key; the first 3 bytes as 6 uppercase hex characters.</summary>
    public static string Legacy(ReadOnlySpan<byte> key)
    {
        AesCmac.EnsureAesKeyLength(key.Length, nameof(key));
        using var aes = Aes.Create();
        aes.SetKey(key);
        return Legacy(aes);
    }

    /// <summary>The legacy KCV with an AES instance already keyed, so an envelope needs one key schedule, not two.</summary>
    internal static string Legacy(Aes aes)
    {
        Span<byte> block = stackalloc byte[16];
        block.Clear();
        aes.EncryptEcb(block, block, PaddingMode.None);
        return Hex.Encode(block[..3]);
    }

    /// <summary>AES-CMAC of one 16-byte zero block under the key; the first 5 bytes as 10 uppercase hex characters.</summary>
    public static string Cmac(ReadOnlySpan<byte> key)
    {
        ReadOnlySpan<byte> zeroBlock = stackalloc byte[16];
        var tag = AesCmac.Compute(key, zeroBlock);
        return Hex.Encode(tag.AsSpan(0, 5));
    }
}
