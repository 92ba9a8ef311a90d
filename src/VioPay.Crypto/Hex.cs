using System.Buffers;

namespace VioPay.Crypto;

/// <summary>hexBinary as PROTOCOL §1 fixes it: emitted in upper case, accepted in either case.</summary>
public static class Hex
{
    public static string Encode(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes);

    /// <summary>Decodes an even-length string of hex digits (either case); anything else, including whitespace, is refused.</summary>
    public static bool TryDecode(string? s, out byte[] bytes)
    {
        if (s is null)
        {
            bytes = [];
            return false;
        }

        return TryDecode(s.AsSpan(), out bytes);
    }

    internal static bool TryDecode(ReadOnlySpan<char> s, out byte[] bytes)
    {
        bytes = [];
        if (s.Length % 2 != 0)
        {
            return false;
        }

        var buffer = new byte[s.Length / 2];
        // The OperationStatus overload reports bad input without throwing, so a hostile string costs no exception.
        var status = Convert.FromHexString(s, buffer, out var consumed, out var written);
        if (status != OperationStatus.Done || consumed != s.Length || written != buffer.Length)
        {
            return false;
        }

        bytes = buffer;
        return true;
    }
}
