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
    private byte[]? _derivationRoot;
    private bool _derived;

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

    /// <summary>
    /// A 32-byte key for one named purpose (HMAC-SHA256 as a PRF), derived from the LMK, or, once the LMK has been rotated,
    /// from the derivation root kept under it (<see cref="UseDerivationRoot"/>): keyed hashes already stored (API client
    /// secret verifiers, PAN fingerprints) cannot be re-wrapped, so their key outlives the LMK they were first derived from.
    /// </summary>
    public byte[] DeriveKey(string purpose)
    {
        _derived = true;
        return HMACSHA256.HashData(_derivationRoot ?? _key, System.Text.Encoding.UTF8.GetBytes("viopay/" + purpose));
    }

    /// <summary>
    /// Derives keys from <paramref name="root"/> instead of the LMK (see <see cref="LmkRotation"/>). Refused once a key has
    /// been derived, so no service can be left holding a key from the wrong root.
    /// </summary>
    internal void UseDerivationRoot(ReadOnlySpan<byte> root)
    {
        if (_derived)
        {
            throw new InvalidOperationException("The derivation root must be set before any key is derived from the LMK.");
        }

        _derivationRoot = root.ToArray();
    }

    /// <summary>The root keys are derived from now: the stored one, else the LMK itself (what rotation must keep).</summary>
    internal byte[] ExportDerivationRoot() => (byte[])(_derivationRoot ?? _key).Clone();

    /// <summary>Whether <paramref name="keyBlock"/> verifies under this LMK (its MAC; purpose and owner are not judged).</summary>
    internal bool Opens(string keyBlock)
    {
        try
        {
            CryptographicOperations.ZeroMemory(Tr31KeyBlock.Unwrap(_key, keyBlock).Key);
            return true;
        }
        catch (Tr31Exception)
        {
            return false;
        }
    }

    /// <summary>
    /// Opens a block under this LMK and wraps it again, header, purpose and owner unchanged, under <paramref name="next"/>.
    /// Works for bound and legacy blocks alike: rotation changes the wrapping key, never what a block says it is.
    /// </summary>
    internal string RewrapUnder(LocalMasterKey next, string keyBlock)
    {
        var opened = Tr31KeyBlock.Unwrap(_key, keyBlock);
        try
        {
            // The padding block is dropped: Wrap pads again for the new block.
            var header = opened.Header with { OptionalBlocks = [.. opened.Header.OptionalBlocks.Where(b => b.Id != "PB")] };
            return Tr31KeyBlock.Wrap(next._key, header, opened.Key);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(opened.Key);
        }
    }

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_key);
        if (_derivationRoot is not null)
        {
            CryptographicOperations.ZeroMemory(_derivationRoot);
        }
    }
}
