using System.Globalization;
using System.Text;

namespace VioPay.Crypto;

/// <summary>One optional block of a key block header: a 2-character id and printable ASCII data (not necessarily hex).</summary>
public sealed record Tr31OptionalBlock(string Id, string Data)
{
    /// <summary>The padding block id; version D pads the header to a multiple of 16 characters with it.</summary>
    public const string PaddingId = "PB";
}

/// <summary>
/// The clear header of a TR-31 / ANSI X9.143 key block. Layout: [0] version, [1..4] total block length,
/// [5..6] key usage, [7] algorithm, [8] mode of use, [9..10] key version, [11] exportability,
/// [12..13] number of optional blocks, [14] key context, [15] reserved, then the optional blocks.
/// </summary>
public sealed record Tr31Header(
    string KeyUsage,
    char Algorithm,
    char ModeOfUse,
    string KeyVersion,
    char Exportability,
    IReadOnlyList<Tr31OptionalBlock> OptionalBlocks,
    char VersionId = 'D',
    char KeyContext = '0',
    char Reserved = '0')
{
    internal const int FixedLength = 16;
    internal const int MaxBlockLength = 9999;
    private const int AesBlockChars = 16;
    private const int MaxOptionalBlocks = 99;
    private const int MaxShortBlockLength = 0xFF;
    private const int MaxExtendedBlockLength = 0xFFFF;

    /// <summary>
    /// Parses the header at the start of a key block string (or of a bare header), optional blocks included.
    /// The length field is read but not checked against the string, so a template such as "D0000P0AE00E0000" parses.
    /// </summary>
    public static Tr31Header Parse(string block) => Tr31HeaderParser.Parse(block, out _, out _);

    /// <summary>
    /// Renders the header for a block of <paramref name="totalLength"/> characters, adding a PB block first when
    /// optional blocks leave the header short of a multiple of 16 characters.
    /// </summary>
    public string Render(int totalLength)
    {
        if (totalLength is < 0 or > MaxBlockLength)
        {
            throw new Tr31Exception(Tr31Error.LengthMismatch, "A key block is at most 9999 characters long.");
        }

        var header = WithHeaderPadding();
        var builder = new StringBuilder(header.RenderedLength);
        builder.Append(header.VersionId)
            .Append(totalLength.ToString("D4", CultureInfo.InvariantCulture))
            .Append(header.KeyUsage)
            .Append(header.Algorithm)
            .Append(header.ModeOfUse)
            .Append(header.KeyVersion)
            .Append(header.Exportability)
            .Append(header.OptionalBlocks.Count.ToString("D2", CultureInfo.InvariantCulture))
            .Append(header.KeyContext)
            .Append(header.Reserved);
        foreach (var block in header.OptionalBlocks)
        {
            AppendOptionalBlock(builder, block);
        }

        return builder.ToString();
    }

    /// <summary>The number of characters <see cref="Render"/> produces for this header as it stands (before any PB is added).</summary>
    internal int RenderedLength => FixedLength + OptionalBlocks.Sum(b => EncodedLength(b.Data.Length));

    /// <summary>
    /// Version D MACs the header and encrypts only the payload, but X9.143 still wants the header to fill whole
    /// AES blocks when optional blocks are present; a PB block of '0' characters makes up the difference.
    /// </summary>
    internal Tr31Header WithHeaderPadding()
    {
        // Validation first: a record can be built with any values, and nothing below should meet a null.
        Validate();
        var length = RenderedLength;
        if (OptionalBlocks.Count == 0 || length % AesBlockChars == 0)
        {
            return this;
        }

        var missing = AesBlockChars - (length % AesBlockChars);
        // A PB block needs 4 characters of id and length before any data, so a gap under 4 takes another 16.
        if (missing < 4)
        {
            missing += AesBlockChars;
        }

        if (OptionalBlocks.Count == MaxOptionalBlocks)
        {
            throw new Tr31Exception(Tr31Error.BadOptionalBlock, "No room for the PB block: a header holds at most 99 optional blocks.");
        }

        var padding = new Tr31OptionalBlock(Tr31OptionalBlock.PaddingId, new string('0', missing - 4));
        return this with { OptionalBlocks = [.. OptionalBlocks, padding] };
    }

    public bool Equals(Tr31Header? other) =>
        other is not null
        && KeyUsage == other.KeyUsage
        && Algorithm == other.Algorithm
        && ModeOfUse == other.ModeOfUse
        && KeyVersion == other.KeyVersion
        && Exportability == other.Exportability
        && VersionId == other.VersionId
        && KeyContext == other.KeyContext
        && Reserved == other.Reserved
        && OptionalBlocks.SequenceEqual(other.OptionalBlocks);

    public override int GetHashCode() =>
        HashCode.Combine(KeyUsage, Algorithm, ModeOfUse, KeyVersion, Exportability, VersionId, OptionalBlocks.Count);

    private void Validate()
    {
        if (!IsAlphanumeric(VersionId)
            || KeyUsage is not { Length: 2 } || !KeyUsage.All(IsAlphanumeric)
            || !IsAlphanumeric(Algorithm)
            || !IsAlphanumeric(ModeOfUse)
            || KeyVersion is not { Length: 2 } || !KeyVersion.All(IsAlphanumeric)
            || !IsAlphanumeric(Exportability)
            || !IsAlphanumeric(KeyContext)
            || !IsAlphanumeric(Reserved))
        {
            throw new Tr31Exception(Tr31Error.Malformed, "A key block header field is missing or not ASCII alphanumeric.");
        }

        if (OptionalBlocks is null || OptionalBlocks.Count > MaxOptionalBlocks)
        {
            throw new Tr31Exception(Tr31Error.BadOptionalBlock, "A key block header holds at most 99 optional blocks.");
        }

        foreach (var block in OptionalBlocks)
        {
            if (block?.Id is not { Length: 2 } id || !id.All(IsAlphanumeric)
                || block.Data is null || !block.Data.All(IsPrintable)
                || EncodedLength(block.Data.Length) > MaxExtendedBlockLength)
            {
                throw new Tr31Exception(Tr31Error.BadOptionalBlock, "An optional block needs a 2-character alphanumeric id and printable ASCII data.");
            }
        }
    }

    private static void AppendOptionalBlock(StringBuilder builder, Tr31OptionalBlock block)
    {
        var length = EncodedLength(block.Data.Length);
        builder.Append(block.Id);
        if (length <= MaxShortBlockLength)
        {
            builder.Append(length.ToString("X2", CultureInfo.InvariantCulture));
        }
        else
        {
            // Extended form as in the X9.143:2021 8.5/8.6 examples: "00", then the number of length digits, then the length.
            builder.Append("0004").Append(length.ToString("X4", CultureInfo.InvariantCulture));
        }

        builder.Append(block.Data);
    }

    /// <summary>Characters an optional block takes: id and 2-digit length, or id, "00", "04" and a 4-digit length.</summary>
    private static int EncodedLength(int dataLength) =>
        4 + dataLength <= MaxShortBlockLength ? 4 + dataLength : 10 + dataLength;

    internal static bool IsAlphanumeric(char c) => char.IsAsciiLetterOrDigit(c);

    internal static bool IsPrintable(char c) => c is >= ' ' and <= '~';
}
