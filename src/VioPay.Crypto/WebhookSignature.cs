using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace VioPay.Crypto;

/// <summary>
/// The <c>VioPay-Signature</c> header of a webhook delivery (PROTOCOL §13.2): <c>t=&lt;unix seconds&gt;,v1=&lt;lowercase hex
/// HMAC-SHA256(secret, "&lt;t&gt;.&lt;raw body&gt;")&gt;</c>, keyed with the UTF-8 bytes of the whole secret, <c>whsec_</c> included.
/// The same type verifies, as a receiver would: constant-time, within a tolerance of the signed time.
/// </summary>
public static class WebhookSignature
{
    public const string HeaderName = "VioPay-Signature";

    public static string Header(ReadOnlySpan<byte> secret, long unixSeconds, ReadOnlySpan<byte> body)
    {
        var t = unixSeconds.ToString(CultureInfo.InvariantCulture);
        return "t=" + t + ",v1=" + Convert.ToHexStringLower(Mac(secret, t, body));
    }

    /// <summary>
    /// True when <paramref name="header"/> carries a <c>v1</c> signature of <paramref name="body"/> under
    /// <paramref name="secret"/> and its <c>t</c> is within <paramref name="tolerance"/> of <paramref name="now"/>.
    /// </summary>
    public static bool Verify(string secret, string? header, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan tolerance)
    {
        string? t = null;
        var candidates = new List<byte[]>();
        foreach (var part in (header ?? "").Split(','))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                return false;
            }

            var (name, value) = (part[..eq].Trim(), part[(eq + 1)..].Trim());
            if (name == "t")
            {
                t = value;
            }
            else if (name == "v1" && value.Length == 64 && value.All(char.IsAsciiHexDigitLower))
            {
                candidates.Add(Convert.FromHexString(value));
            }
        }

        if (t is null || !long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ||
            Math.Abs(now.ToUnixTimeSeconds() - seconds) > tolerance.TotalSeconds)
        {
            return false;
        }

        var expected = Mac(Encoding.UTF8.GetBytes(secret), t, body);
        return candidates.Any(c => CryptographicOperations.FixedTimeEquals(c, expected));
    }

    private static byte[] Mac(ReadOnlySpan<byte> secret, string t, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.ASCII.GetBytes(t + ".");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return HMACSHA256.HashData(secret, message);
    }
}
