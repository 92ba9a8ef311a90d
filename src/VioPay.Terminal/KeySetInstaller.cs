using System.Security.Cryptography;
using System.Text;
using VioPay.Crypto;

namespace VioPay.Terminal;

/// <summary>The /pos/keys answer as seed 003 shapes it.</summary>
internal sealed record KeysResponse(KeySetInfo KeySet, Dictionary<string, WrappedKey> Keys, KeyVerification Verification);

internal sealed record KeySetInfo(string KeySetId, DateTimeOffset? IssuedAt = null, DateTimeOffset? ExpiresAt = null);

internal sealed record WrappedKey(string KeyBlock, string? KeyId = null, string? Usage = null);

internal sealed record KeyVerification(Dictionary<string, string> Kcv, Dictionary<string, string>? KcvCmac = null);

/// <summary>
/// Installs a key set the way seed 003 orders it: TMK under the ZMK, KEK under the TMK, then MSK, TPK, TDK and MAC
/// under the KEK. Each key must unwrap, carry exactly its PROTOCOL §6 header and match its check values before the
/// next one is opened under it, so a wrong or tampered key stops the install instead of being used.
/// </summary>
internal static class KeySetInstaller
{
    private const int AesKeyLength = 32;

    public static (TerminalKeySet KeySet, KeyInstallResult Result) Install(KeysResponse response, byte[] zmk)
    {
        var checks = new List<KeyCheck>(6);
        var tmk = Open(response, KeySetKey.Tmk, zmk, checks);
        var kek = Open(response, KeySetKey.Kek, tmk, checks);
        var msk = Open(response, KeySetKey.Msk, kek, checks);
        var tpk = Open(response, KeySetKey.Tpk, kek, checks);
        var tdk = Open(response, KeySetKey.Tdk, kek, checks);
        var mac = Open(response, KeySetKey.Mac, kek, checks);

        var macKeyId = response.Keys[Name(KeySetKey.Mac)].KeyId;
        if (string.IsNullOrEmpty(macKeyId))
        {
            throw new KeyInstallException("mac", "keys.mac.key_id is missing; charges cannot name their MAC key in X-Key-Id without it.");
        }

        var keySet = new TerminalKeySet
        {
            KeySetId = response.KeySet.KeySetId,
            IssuedAt = response.KeySet.IssuedAt,
            ExpiresAt = response.KeySet.ExpiresAt,
            Tmk = Hex.Encode(tmk),
            Kek = Hex.Encode(kek),
            Msk = Hex.Encode(msk),
            Tpk = Hex.Encode(tpk),
            Tdk = Hex.Encode(tdk),
            Mac = Hex.Encode(mac),
            MacKeyId = macKeyId,
        };
        foreach (var key in (byte[][])[tmk, kek, msk, tpk, tdk, mac])
        {
            CryptographicOperations.ZeroMemory(key);
        }

        return (keySet, new KeyInstallResult(response.KeySet.KeySetId, response.KeySet.IssuedAt, response.KeySet.ExpiresAt, checks));
    }

    private static byte[] Open(KeysResponse response, KeySetKey kind, byte[] kbpk, List<KeyCheck> checks)
    {
        var name = Name(kind);
        if (!response.Keys.TryGetValue(name, out var wrapped))
        {
            throw new KeyInstallException(name, $"The key set has no {name}.");
        }

        var block = DecodeKeyBlock(name, wrapped.KeyBlock);
        Tr31UnwrapResult opened;
        try
        {
            opened = Tr31KeyBlock.Unwrap(kbpk, block);
        }
        catch (Tr31Exception ex)
        {
            throw new KeyInstallException(name, $"The {name} key block does not open under its parent key ({ex.Error}): {ex.Message}", ex);
        }

        var expected = KeySetHeaders.For(kind);
        // The PB block only pads the header to whole AES blocks and its filler is the sender's choice; every other
        // field, and every other optional block (HM on the MAC key), must be exactly the protocol's.
        if (!WithoutPadding(opened.Header).Equals(WithoutPadding(expected)))
        {
            throw new KeyInstallException(
                name,
                $"The {name} key block is for usage {opened.Header.KeyUsage}, algorithm {opened.Header.Algorithm}, mode {opened.Header.ModeOfUse}, "
                + $"version {opened.Header.KeyVersion}, exportability {opened.Header.Exportability}; PROTOCOL §6 wants "
                + $"{expected.KeyUsage}/{expected.Algorithm}/{expected.ModeOfUse}/{expected.KeyVersion}/{expected.Exportability}"
                + (expected.OptionalBlocks.Any(b => b.Id != Tr31OptionalBlock.PaddingId) ? " with HM=21." : "."));
        }

        var key = opened.Key;
        if (key.Length != AesKeyLength)
        {
            throw new KeyInstallException(name, $"The {name} key is {key.Length} bytes; every key of the set is AES-256.");
        }

        if (!response.Verification.Kcv.TryGetValue(name, out var kcv))
        {
            throw new KeyInstallException(name, $"verification.kcv has no entry for {name}.");
        }

        var actualKcv = KeyCheckValue.Legacy(key);
        if (!string.Equals(kcv, actualKcv, StringComparison.OrdinalIgnoreCase))
        {
            throw new KeyInstallException(name, $"The {name} KCV is {actualKcv}; the server announced {kcv}.");
        }

        string? kcvCmac = null;
        if (response.Verification.KcvCmac is { } cmacKcvs && cmacKcvs.TryGetValue(name, out var announcedCmac))
        {
            kcvCmac = KeyCheckValue.Cmac(key);
            if (!string.Equals(announcedCmac, kcvCmac, StringComparison.OrdinalIgnoreCase))
            {
                throw new KeyInstallException(name, $"The {name} CMAC KCV is {kcvCmac}; the server announced {announcedCmac}.");
            }
        }

        checks.Add(new KeyCheck(name, wrapped.KeyId, actualKcv, kcvCmac));
        return key;
    }

    /// <summary>key_block is base64 of the ASCII TR-31 string (PROTOCOL §6); anything outside printable ASCII is not a key block.</summary>
    private static string DecodeKeyBlock(string name, string base64)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(base64);
        }
        catch (FormatException ex)
        {
            throw new KeyInstallException(name, $"keys.{name}.key_block is not standard base64.", ex);
        }

        if (bytes.Length == 0 || bytes.Any(b => b is < 0x20 or > 0x7E))
        {
            throw new KeyInstallException(name, $"keys.{name}.key_block does not decode to a printable ASCII TR-31 block.");
        }

        return Encoding.ASCII.GetString(bytes);
    }

    private static Tr31Header WithoutPadding(Tr31Header header) =>
        header with { OptionalBlocks = [.. header.OptionalBlocks.Where(b => b.Id != Tr31OptionalBlock.PaddingId)] };

    private static string Name(KeySetKey kind) => kind.ToString().ToLowerInvariant();
}
