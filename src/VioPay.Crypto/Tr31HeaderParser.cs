namespace VioPay.Crypto;

/// <summary>Reads a key block header strictly: every structural fault is a typed <see cref="Tr31Exception"/>.</summary>
internal static class Tr31HeaderParser
{
    /// <param name="text">A whole key block, or a header on its own.</param>
    /// <param name="headerLength">Characters the header takes, optional blocks included.</param>
    /// <param name="declaredLength">The value of the 4-digit length field.</param>
    public static Tr31Header Parse(string? text, out int headerLength, out int declaredLength)
    {
        if (text is null || text.Length < Tr31Header.FixedLength)
        {
            throw Malformed("A key block header is at least 16 characters long.");
        }

        for (var i = 0; i < Tr31Header.FixedLength; i++)
        {
            if (!Tr31Header.IsPrintable(text[i]))
            {
                throw Malformed("A key block header is printable ASCII.");
            }
        }

        if (!TryReadDecimal(text.AsSpan(1, 4), out declaredLength))
        {
            throw Malformed("The key block length field is not 4 decimal digits.");
        }

        if (!TryReadDecimal(text.AsSpan(12, 2), out var blockCount))
        {
            throw Malformed("The optional block count is not 2 decimal digits.");
        }

        if (!AllAlphanumeric(text.AsSpan(0, 1)) || !AllAlphanumeric(text.AsSpan(5, 7)) || !AllAlphanumeric(text.AsSpan(14, 2)))
        {
            throw Malformed("A key block header field is not ASCII alphanumeric.");
        }

        var position = Tr31Header.FixedLength;
        var blocks = new List<Tr31OptionalBlock>(blockCount);
        for (var i = 0; i < blockCount; i++)
        {
            blocks.Add(ReadOptionalBlock(text, ref position));
        }

        headerLength = position;
        return new Tr31Header(
            KeyUsage: text.Substring(5, 2),
            Algorithm: text[7],
            ModeOfUse: text[8],
            KeyVersion: text.Substring(9, 2),
            Exportability: text[11],
            OptionalBlocks: blocks.AsReadOnly(),
            VersionId: text[0],
            KeyContext: text[14],
            Reserved: text[15]);
    }

    private static Tr31OptionalBlock ReadOptionalBlock(string text, ref int position)
    {
        var start = position;
        if (start + 4 > text.Length || !AllAlphanumeric(text.AsSpan(start, 2)))
        {
            throw BadBlock("An optional block id is missing or not 2 alphanumeric characters.");
        }

        if (!TryReadHex(text.AsSpan(start + 2, 2), out var length))
        {
            throw BadBlock("An optional block length is not 2 hex digits.");
        }

        var dataStart = start + 4;
        if (length == 0)
        {
            // Extended form: "00", a 2-hex-digit count of length digits, then the length itself in that many hex digits.
            if (start + 6 > text.Length || !TryReadHex(text.AsSpan(start + 4, 2), out var digits) || digits is < 1 or > 4)
            {
                throw BadBlock("An extended optional block length-of-length is missing or out of range.");
            }

            if (start + 6 + digits > text.Length || !TryReadHex(text.AsSpan(start + 6, digits), out length))
            {
                throw BadBlock("An extended optional block length is not hex.");
            }

            dataStart = start + 6 + digits;
        }

        var end = start + length;
        if (end < dataStart || end > text.Length)
        {
            throw BadBlock("An optional block length does not fit the header.");
        }

        for (var i = dataStart; i < end; i++)
        {
            if (!Tr31Header.IsPrintable(text[i]))
            {
                throw BadBlock("Optional block data is printable ASCII.");
            }
        }

        position = end;
        return new Tr31OptionalBlock(text.Substring(start, 2), text[dataStart..end]);
    }

    private static bool AllAlphanumeric(ReadOnlySpan<char> chars)
    {
        foreach (var c in chars)
        {
            if (!Tr31Header.IsAlphanumeric(c))
            {
                return false;
            }
        }

        return true;
    }

    // Hand-rolled so that only ASCII digits count: int.Parse would accept signs, spaces or other scripts' digits.
    private static bool TryReadDecimal(ReadOnlySpan<char> chars, out int value)
    {
        value = 0;
        foreach (var c in chars)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return true;
    }

    private static bool TryReadHex(ReadOnlySpan<char> chars, out int value)
    {
        value = 0;
        foreach (var c in chars)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }

            value = (value * 16) + (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
        }

        return true;
    }

    private static Tr31Exception Malformed(string message) => new(Tr31Error.Malformed, message);

    private static Tr31Exception BadBlock(string message) => new(Tr31Error.BadOptionalBlock, message);
}
