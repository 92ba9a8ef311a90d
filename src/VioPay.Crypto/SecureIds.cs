using System.Security.Cryptography;

namespace VioPay.Crypto;

/// <summary>
/// Identifiers and secrets from the CSPRNG (PROTOCOL §2). RandomNumberGenerator.GetString draws each character
/// uniformly (rejection sampling), so there is no modulo bias towards the start of the alphabet.
/// </summary>
public static class SecureIds
{
    public const string Base62Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>No 0/O, 1/I/L: a pairing code is read off a screen and typed by a person.</summary>
    public const string PairingAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

    /// <summary>"att_" + 43 base62 characters: about 256 bits, above the 190 the protocol asks for.</summary>
    public static string NewAttestationToken() => "att_" + Base62(43);

    public static string NewChargeId() => "ch_" + Base62(24);

    public static string NewRefundId() => "rf_" + Base62(24);

    /// <summary>A closed day batch of one terminal (PROTOCOL §11.7).</summary>
    public static string NewBatchId() => "bt_" + Base62(24);

    public static string NewPairingCode() => RandomNumberGenerator.GetString(PairingAlphabet, 6);

    public static string Base62(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        return RandomNumberGenerator.GetString(Base62Alphabet, length);
    }
}
