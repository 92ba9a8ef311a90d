using System.Security.Cryptography;
using System.Text;
using VioPay.Api.Infrastructure.Security;

namespace VioPay.Api.Payments;

/// <summary>What the server may know of a card number: its brand, first six and last four digits (PROTOCOL §8).</summary>
public static class CardRules
{
    public static bool IsLuhnValid(string digits)
    {
        var sum = 0;
        var doubled = false;
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            var d = digits[i] - '0';
            if (doubled)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
            doubled = !doubled;
        }

        return sum % 10 == 0;
    }

    /// <summary>
    /// The brand from the BIN ranges the schemes publish. Discover's and UnionPay's 62/64/65 ranges are tested before
    /// Maestro's catch-all 6 prefix, and Mastercard's 2-series (222100–272099) beside 51–55.
    /// </summary>
    public static string Brand(string pan)
    {
        int Prefix(int length) => pan.Length >= length ? int.Parse(pan.AsSpan(0, length), provider: System.Globalization.CultureInfo.InvariantCulture) : -1;

        var p2 = Prefix(2);
        var p3 = Prefix(3);
        var p4 = Prefix(4);
        var p6 = Prefix(6);
        return pan[0] switch
        {
            '4' => "visa",
            _ when p2 is >= 51 and <= 55 || p6 is >= 222100 and <= 272099 => "mastercard",
            _ when p2 is 34 or 37 => "amex",
            _ when p4 == 6011 || p3 is >= 644 and <= 649 || p2 == 65 || p6 is >= 622126 and <= 622925 => "discover",
            _ when p4 is >= 3528 and <= 3589 => "jcb",
            _ when p3 is >= 300 and <= 305 || p2 is 36 or 38 or 39 => "diners",
            _ when p2 == 62 => "unionpay",
            _ when p2 is 50 or (>= 56 and <= 58) || pan[0] == '6' => "maestro",
            _ => "unknown",
        };
    }
}

/// <summary>
/// The keyed PAN fingerprint (PROTOCOL §8, §9): HMAC-SHA256 under a key derived from the LMK. It lets the same card be
/// recognised across charges, and without the LMK it cannot be reversed by enumerating the small space of PANs.
/// </summary>
public sealed class CardFingerprints(LocalMasterKey lmk)
{
    private readonly byte[] _key = lmk.DeriveKey("pan-fingerprint");
    private readonly byte[] _requestKey = lmk.DeriveKey("idempotency-request-fingerprint");

    public byte[] Pan(string pan) => HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(pan));

    /// <summary>
    /// The Idempotency-Key request fingerprint. Keyed, because the canonical plaintext holds the PAN: a bare SHA-256 of
    /// it would be a PAN hash anyone could brute-force.
    /// </summary>
    public byte[] Request(string route, string canonicalPlaintext) =>
        HMACSHA256.HashData(_requestKey, Encoding.UTF8.GetBytes(route + "\n" + canonicalPlaintext));
}
