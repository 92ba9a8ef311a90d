using System.Security.Cryptography;
using VioPay.Crypto;

namespace VioPay.Api.Infrastructure.Security;

/// <summary>
/// The local master key (PROTOCOL §9). Every key the server stores is kept as a TR-31 version D
/// block under it, so a copy of the database alone reveals no key. It also derives the keyed
/// hashes the server needs (PAN fingerprints), each under its own label so one never doubles
/// as another.
/// </summary>
public sealed class LocalMasterKey : IDisposable
{
    private readonly byte[] _key;

    public LocalMasterKey(byte[] key)
    {
        if (key.Length != 32)
        {
            throw new ArgumentException("The LMK must be an AES-256 key (32 bytes).", nameof(key));
        }

        _key = (byte[])key.Clone();
        Kcv = KeyCheckValue.Cmac(_key);
    }

    /// <summary>The CMAC KCV of the LMK, safe to log: operators compare it across instances.</summary>
    public string Kcv { get; }

    public string Protect(Tr31Header header, ReadOnlySpan<byte> key) => Tr31KeyBlock.Wrap(_key, header, key);

    public byte[] Unprotect(string keyBlock) => Tr31KeyBlock.Unwrap(_key, keyBlock).Key;

    /// <summary>A 32-byte key derived from the LMK for one named purpose (HMAC-SHA256 as a PRF).</summary>
    public byte[] DeriveKey(string purpose) =>
        HMACSHA256.HashData(_key, System.Text.Encoding.UTF8.GetBytes("viopay/" + purpose));

    public void Dispose() => CryptographicOperations.ZeroMemory(_key);
}

/// <summary>The TR-31 headers the server stores its own keys under.</summary>
public static class AtRestHeaders
{
    /// <summary>A device identity secret: an HMAC-SHA256 key (M7, H, C).</summary>
    public static Tr31Header IdentitySecret { get; } = new("M7", 'H', 'C', "00", 'N', [new Tr31OptionalBlock("HM", "21")]);

    /// <summary>A zone master key: a key-encryption key (K0, A, B).</summary>
    public static Tr31Header Zmk { get; } = new("K0", 'A', 'B', "00", 'N', []);

    /// <summary>The token-signing private key (DER, RSA, signature only).</summary>
    public static Tr31Header TokenSigningKey { get; } = new("S0", 'R', 'S', "00", 'N', []);
}
