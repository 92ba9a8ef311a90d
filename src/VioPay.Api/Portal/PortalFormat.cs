using System.Globalization;
using VioPay.Api.Payments;

namespace VioPay.Api.Portal;

/// <summary>How the portal writes money and instants, and reads amounts typed in major units.</summary>
public static class PortalFormat
{
    /// <summary>"EUR 15.00" from 1500 minor units: the currency's own number of decimals (ISO 4217), invariant digits.</summary>
    public static string Money(long minor, string currency)
    {
        var exponent = PaymentValidation.Currencies.TryGetValue(currency, out var e) ? e : 2;
        var sign = minor < 0 ? "-" : "";
        var abs = Math.Abs(minor);
        if (exponent == 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{currency} {sign}{abs:N0}");
        }

        var scale = (long)Math.Pow(10, exponent);
        var fraction = (abs % scale).ToString(CultureInfo.InvariantCulture).PadLeft(exponent, '0');
        return string.Create(CultureInfo.InvariantCulture, $"{currency} {sign}{abs / scale:N0}.{fraction}");
    }

    public static string Money(MoneyView money) =>
        long.TryParse(money.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var minor)
            ? Money(minor, money.Currency)
            : $"{money.Currency} {money.Value}";

    /// <summary>
    /// "12.5" or "12.50" in <paramref name="currency"/> → 1250 minor units; null when it is not a positive amount with at
    /// most the currency's decimals.
    /// </summary>
    public static long? ParseMajor(string? text, string currency)
    {
        var exponent = PaymentValidation.Currencies.TryGetValue(currency, out var e) ? e : 2;
        text = text?.Trim();
        if (string.IsNullOrEmpty(text) || text.Length > 16)
        {
            return null;
        }

        var parts = text.Split('.');
        if (parts.Length > 2 || parts[0].Length == 0 || !parts[0].All(char.IsAsciiDigit) ||
            (parts.Length == 2 && (parts[1].Length == 0 || parts[1].Length > exponent || !parts[1].All(char.IsAsciiDigit))))
        {
            return null;
        }

        var fraction = (parts.Length == 2 ? parts[1] : "").PadRight(exponent, '0');
        var minor = long.Parse(parts[0] + fraction, CultureInfo.InvariantCulture);
        return minor > 0 ? minor : null;
    }

    /// <summary>The major-unit text of an amount, for a form's default value ("15.00").</summary>
    public static string Major(long minor, string currency) => Money(minor, currency)[(currency.Length + 1)..].Replace(",", "", StringComparison.Ordinal);

    public static string Instant(DateTimeOffset? at) =>
        at is { } value ? value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) : "—";
}
