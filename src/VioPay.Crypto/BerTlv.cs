using System.Diagnostics.CodeAnalysis;

namespace VioPay.Crypto;

/// <summary>One BER-TLV data object (EMV Book 3, annex B): its tag as uppercase hex and its value bytes.</summary>
public sealed record TlvObject(string Tag, bool Constructed, ReadOnlyMemory<byte> Value, IReadOnlyList<TlvObject> Children);

/// <summary>
/// A strict BER-TLV parser for the <c>emv_data</c> a terminal sends (PROTOCOL §8). It never throws on bad input: it
/// answers false, so a hostile blob is a validation error and not a crash. Nesting and object counts are bounded,
/// so no input can make it recurse deeply or build an unbounded tree.
/// </summary>
public static class BerTlv
{
    public const int MaxDepth = 8;
    public const int MaxObjects = 512;

    /// <summary>
    /// Tags that carry the PAN, track-2 equivalent data or the cardholder's name (PROTOCOL §8): never stored, never logged.
    /// </summary>
    public static readonly IReadOnlySet<string> SensitiveTags = new HashSet<string>(StringComparer.Ordinal)
    {
        "57", "5A", "5F20", "9F1F", "9F20", "9F6B",
    };

    /// <summary>Parses hex-encoded BER-TLV (either case). False for odd length, bad hex, truncation, bad lengths, or too deep/many.</summary>
    public static bool TryParseHex(string? hex, [NotNullWhen(true)] out IReadOnlyList<TlvObject>? objects)
    {
        objects = null;
        if (string.IsNullOrEmpty(hex) || hex.Length % 2 != 0 || !Hex.TryDecode(hex, out var bytes))
        {
            return false;
        }

        return TryParse(bytes, out objects);
    }

    public static bool TryParse(ReadOnlyMemory<byte> data, [NotNullWhen(true)] out IReadOnlyList<TlvObject>? objects)
    {
        var count = 0;
        objects = null;
        if (data.IsEmpty || !TryParseLevel(data, 0, ref count, out var parsed))
        {
            return false;
        }

        objects = parsed;
        return true;
    }

    /// <summary>Every tag in the tree, depth first, constructed ones included.</summary>
    public static IEnumerable<TlvObject> Flatten(IEnumerable<TlvObject> objects)
    {
        foreach (var o in objects)
        {
            yield return o;
            foreach (var child in Flatten(o.Children))
            {
                yield return child;
            }
        }
    }

    private static bool TryParseLevel(ReadOnlyMemory<byte> data, int depth, ref int count, [NotNullWhen(true)] out List<TlvObject>? objects)
    {
        objects = null;
        if (depth >= MaxDepth)
        {
            return false;
        }

        var result = new List<TlvObject>();
        var span = data.Span;
        var position = 0;
        while (position < span.Length)
        {
            // 0x00 and 0xFF between objects are padding (EMV Book 3, B1).
            if (span[position] is 0x00 or 0xFF)
            {
                position++;
                continue;
            }

            if (++count > MaxObjects)
            {
                return false;
            }

            var tagStart = position;
            var first = span[position++];
            var constructed = (first & 0x20) != 0;
            if ((first & 0x1F) == 0x1F)
            {
                // Subsequent tag bytes: bit 8 set means another follows. EMV tags are at most 3 bytes.
                var tagLength = 1;
                while (true)
                {
                    if (position >= span.Length || ++tagLength > 3)
                    {
                        return false;
                    }

                    if ((span[position++] & 0x80) == 0)
                    {
                        break;
                    }
                }
            }

            if (position >= span.Length)
            {
                return false;
            }

            var tag = Convert.ToHexString(span[tagStart..position]);
            int length = span[position++];
            if (length > 0x80)
            {
                // Long form: the low bits count the length bytes that follow; more than 2 is never needed in EMV.
                var lengthBytes = length & 0x7F;
                if (lengthBytes > 2 || position + lengthBytes > span.Length)
                {
                    return false;
                }

                length = 0;
                for (var i = 0; i < lengthBytes; i++)
                {
                    length = (length << 8) | span[position++];
                }
            }
            else if (length == 0x80)
            {
                // Indefinite length is not allowed in EMV data.
                return false;
            }

            if (length > span.Length - position)
            {
                return false;
            }

            var value = data.Slice(position, length);
            position += length;
            IReadOnlyList<TlvObject> children = [];
            if (constructed)
            {
                if (!value.IsEmpty)
                {
                    if (!TryParseLevel(value, depth + 1, ref count, out var nested))
                    {
                        return false;
                    }

                    children = nested;
                }
            }

            result.Add(new TlvObject(tag, constructed, value, children));
        }

        objects = result;
        return true;
    }
}
