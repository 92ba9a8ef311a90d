namespace VioPay.Crypto;

/// <summary>The six AES-256 keys of a device key set (PROTOCOL §6).</summary>
public enum KeySetKey
{
    Tmk,
    Kek,
    Msk,
    Tpk,
    Tdk,
    Mac,
}

/// <summary>The TR-31 header each key of a key set is wrapped with, exactly as PROTOCOL §6's table gives it.</summary>
public static class KeySetHeaders
{
    /// <summary>HM = 21: the MAC key is for HMAC with SHA-256.</summary>
    private static readonly Tr31OptionalBlock HmacSha256 = new("HM", "21");

    /// <summary>
    /// "HM0621" leaves the header at 22 characters; this PB block ("PB0A" + 6 zeros) brings it to 32, so the
    /// header renders the same whether or not the caller relies on Wrap to add the padding.
    /// </summary>
    private static readonly Tr31OptionalBlock MacHeaderPadding = new(Tr31OptionalBlock.PaddingId, "000000");

    public static Tr31Header For(KeySetKey key) => key switch
    {
        KeySetKey.Tmk => Plain("K0", 'A', 'B'),
        KeySetKey.Kek => Plain("K0", 'A', 'B'),
        KeySetKey.Msk => Plain("D0", 'A', 'B'),
        KeySetKey.Tpk => Plain("P0", 'A', 'E'),
        KeySetKey.Tdk => Plain("D0", 'A', 'B'),
        KeySetKey.Mac => new Tr31Header("M7", 'H', 'C', "00", 'N', [HmacSha256, MacHeaderPadding]),
        _ => throw new ArgumentOutOfRangeException(nameof(key), key, "Unknown key set key."),
    };

    private static Tr31Header Plain(string usage, char algorithm, char modeOfUse) =>
        new(usage, algorithm, modeOfUse, "00", 'N', []);
}
