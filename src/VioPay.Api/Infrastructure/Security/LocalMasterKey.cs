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

    /// <summary>Wraps <paramref name="key"/> as what it is: its header, with its purpose and owner bound into the block.</summary>
    public string Protect(StoredKey what, ReadOnlySpan<byte> key) => BoundKeyBlock.Wrap(_key, what.Header, what.Binding, key);

    /// <summary>
    /// Opens a stored block only as what the caller expects it to be; anything else (forged, moved between columns or
    /// owners, unbound) is a <see cref="StoredKeyException"/>, never a key.
    /// </summary>
    public byte[] Unprotect(StoredKey what, string keyBlock)
    {
        try
        {
            return BoundKeyBlock.Unwrap(_key, keyBlock, what.Header, what.Binding);
        }
        catch (Tr31Exception e)
        {
            throw new StoredKeyException(what, e.Error);
        }
    }

    /// <summary>
    /// Opens a block written before bindings existed, for the one-off re-wrap only: it must verify, carry no binding and
    /// have the column's old header.
    /// </summary>
    internal byte[] UnprotectLegacy(StoredKey what, string keyBlock)
    {
        Tr31UnwrapResult result;
        try
        {
            result = Tr31KeyBlock.Unwrap(_key, keyBlock);
        }
        catch (Tr31Exception e)
        {
            throw new StoredKeyException(what, e.Error);
        }

        if (!BoundKeyBlock.Matches(result.Header, what.LegacyHeader))
        {
            CryptographicOperations.ZeroMemory(result.Key);
            throw new StoredKeyException(what, Tr31Error.BindingMismatch);
        }

        return result.Key;
    }

    /// <summary>A 32-byte key derived from the LMK for one named purpose (HMAC-SHA256 as a PRF).</summary>
    public byte[] DeriveKey(string purpose) =>
        HMACSHA256.HashData(_key, System.Text.Encoding.UTF8.GetBytes("viopay/" + purpose));

    public void Dispose() => CryptographicOperations.ZeroMemory(_key);
}
