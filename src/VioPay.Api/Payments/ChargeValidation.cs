using System.Text.Json;
using VioPay.Crypto;

namespace VioPay.Api.Payments;

/// <summary>An amount in minor units and its currency, as PROTOCOL §1 writes it on the wire.</summary>
public sealed record MoneyView(string Value, string Currency)
{
    public static MoneyView Of(long minor, string currency) =>
        new(minor.ToString(System.Globalization.CultureInfo.InvariantCulture), currency);
}

/// <summary>A charge plaintext that passed every rule of PROTOCOL §8. The PAN and PIN block live only in this object.</summary>
public sealed record ChargeInput(
    string Pan,
    int ExpiryYear,
    int ExpiryMonth,
    long AmountMinor,
    string Currency,
    string TerminalId,
    string? EntryMode,
    string CardholderVerificationMethod,
    bool HasPinBlock,
    string Stan,
    string AuthorizationType,
    long? TipMinor = null);

public sealed record RefundInput(long AmountMinor, string Currency, string? Reason);

/// <summary>
/// Field-level validation of the decrypted POS bodies (PROTOCOL §8, §10.10): every broken field is named by its JSON
/// path, with a sentence that never repeats the value (a card number must not echo back or reach a log).
/// </summary>
public static class PaymentValidation
{
    /// <summary>ISO 4217 codes the server knows, with their minor-unit exponents (PROTOCOL §1 names the minimum set).</summary>
    public static readonly IReadOnlyDictionary<string, int> Currencies = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["EUR"] = 2, ["USD"] = 2, ["GBP"] = 2, ["CHF"] = 2, ["SEK"] = 2, ["NOK"] = 2, ["DKK"] = 2, ["PLN"] = 2,
        ["CZK"] = 2, ["HUF"] = 2, ["JPY"] = 0, ["RON"] = 2, ["BGN"] = 2, ["ISK"] = 0, ["CAD"] = 2, ["AUD"] = 2,
    };

    public static readonly IReadOnlySet<string> CardholderVerificationMethods =
        new HashSet<string>(StringComparer.Ordinal) { "pin", "signature", "none", "cdcvm" };

    public static readonly IReadOnlySet<string> EntryModes =
        new HashSet<string>(StringComparer.Ordinal) { "chip", "contactless", "magstripe", "swipe", "manual", "fallback" };

    public static readonly IReadOnlySet<string> AuthorizationTypes =
        new HashSet<string>(StringComparer.Ordinal) { "final", "pre" };

    public static ChargeInput ValidateCharge(JsonElement root, string headerTerminalId)
    {
        var errors = new Dictionary<string, string>();
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Infrastructure.Errors.ApiException.InvalidFields(new Dictionary<string, string> { ["$"] = "The charge must be a JSON object." });
        }

        var card = Object(root, "card", errors);
        var pan = card is { } c ? DigitString(c, "number", "card.number", 12, 19, errors) : null;
        if (pan is not null && !CardRules.IsLuhnValid(pan))
        {
            errors["card.number"] = "card.number fails the Luhn check.";
            pan = null;
        }

        var expiryYear = card is { } c2 ? Integer(c2, "expiry_year", "card.expiry_year", 2000, 2099, errors) : null;
        var expiryMonth = card is { } c3 ? Integer(c3, "expiry_month", "card.expiry_month", 1, 12, errors) : null;

        var (amount, currency) = Amount(root, "amount", errors);

        var terminal = Object(root, "terminal", errors);
        string? terminalId = null;
        string? entryMode = null;
        if (terminal is { } t)
        {
            terminalId = String(t, "id", "terminal.id", errors, required: true);
            if (terminalId is not null && !string.Equals(terminalId, headerTerminalId, StringComparison.Ordinal))
            {
                errors["terminal.id"] = "terminal.id must equal the X-Terminal-Id header.";
            }

            entryMode = Enum(t, "terminal_entry_mode", "terminal.terminal_entry_mode", EntryModes, errors);
            if (t.TryGetProperty("attended", out var attended) && attended.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                errors["terminal.attended"] = "terminal.attended must be true or false.";
            }
        }

        if (root.TryGetProperty("emv_data", out var emv) && emv.ValueKind != JsonValueKind.Null &&
            (emv.ValueKind != JsonValueKind.String || !BerTlv.TryParseHex(emv.GetString(), out _)))
        {
            errors["emv_data"] = "emv_data must be hex-encoded BER-TLV.";
        }

        var cvm = Enum(root, "cardholder_verification_method", "cardholder_verification_method", CardholderVerificationMethods, errors) ?? "none";
        var hasPinBlock = false;
        if (root.TryGetProperty("pin_block", out var pinBlock) && pinBlock.ValueKind != JsonValueKind.Null)
        {
            var block = pinBlock.ValueKind == JsonValueKind.Object && pinBlock.TryGetProperty("block", out var b) && b.ValueKind == JsonValueKind.String
                ? b.GetString()
                : null;
            if (block is null || block.Length is not (16 or 32) || !Hex.TryDecode(block, out _))
            {
                errors["pin_block.block"] = "pin_block.block must be an ISO 9564 PIN block: 16 or 32 hex characters.";
            }
            else
            {
                hasPinBlock = true;
            }
        }

        if (cvm == "pin" && !hasPinBlock && !errors.ContainsKey("pin_block.block"))
        {
            errors["pin_block.block"] = "pin_block.block is required when cardholder_verification_method is pin.";
        }

        var stan = DigitString(root, "stan", "stan", 6, 6, errors);
        var authorizationType = Enum(root, "authorization_type", "authorization_type", AuthorizationTypes, errors) ?? "final";
        var tip = HoldValidation.ChargeTip(root, amount, currency, authorizationType, errors);

        if (errors.Count > 0)
        {
            throw Infrastructure.Errors.ApiException.InvalidFields(errors);
        }

        return new ChargeInput(pan!, expiryYear!.Value, expiryMonth!.Value, amount!.Value, currency!, terminalId!, entryMode, cvm,
            hasPinBlock, stan!, authorizationType, tip);
    }

    public static RefundInput ValidateRefund(JsonElement root)
    {
        var errors = new Dictionary<string, string>();
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Infrastructure.Errors.ApiException.InvalidFields(new Dictionary<string, string> { ["$"] = "The refund must be a JSON object." });
        }

        var (amount, currency) = Amount(root, "amount", errors);
        string? reason = null;
        if (root.TryGetProperty("reason", out var r) && r.ValueKind != JsonValueKind.Null)
        {
            reason = r.ValueKind == JsonValueKind.String ? r.GetString() : null;
            if (reason is null || reason.Length > 200)
            {
                errors["reason"] = "reason must be a string of at most 200 characters.";
            }
        }

        if (errors.Count > 0)
        {
            throw Infrastructure.Errors.ApiException.InvalidFields(errors);
        }

        return new RefundInput(amount!.Value, currency!, reason);
    }

    /// <summary>An Idempotency-Key: 1..255 printable ASCII characters (PROTOCOL §8); the same rule for the header and reverse-by-key.</summary>
    public static bool IsIdempotencyKey(string? value) =>
        value is { Length: >= 1 and <= 255 } && value.All(ch => ch is >= ' ' and <= '~');

    public static bool IsExpired(int year, int month, DateTimeOffset now) =>
        year < now.UtcDateTime.Year || (year == now.UtcDateTime.Year && month < now.UtcDateTime.Month);

    internal static (long? Amount, string? Currency) Amount(JsonElement parent, string name, Dictionary<string, string> errors,
        bool allowZero = false)
    {
        var amount = Object(parent, name, errors);
        if (amount is not { } a)
        {
            return (null, null);
        }

        var value = DigitString(a, "value", name + ".value", 1, 12, errors);
        long? minor = value is null ? null : long.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
        if (minor == 0 && !allowZero)
        {
            errors[name + ".value"] = name + ".value must be at least 1 (minor units).";
            minor = null;
        }

        var currency = String(a, "currency", name + ".currency", errors, required: true);
        if (currency is not null && !Currencies.ContainsKey(currency))
        {
            errors[name + ".currency"] = name + ".currency must be an ISO 4217 code the server knows (e.g. EUR, USD, GBP).";
            currency = null;
        }

        return (minor, currency);
    }

    private static JsonElement? Object(JsonElement parent, string name, Dictionary<string, string> errors)
    {
        if (parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object)
        {
            return value;
        }

        errors[name] = $"{name} is required and must be an object.";
        return null;
    }

    private static string? String(JsonElement parent, string name, string path, Dictionary<string, string> errors, bool required)
    {
        if (parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String)
        {
            return value.GetString();
        }

        if (required || (parent.TryGetProperty(name, out var present) && present.ValueKind != JsonValueKind.Null))
        {
            errors[path] = $"{path} is required and must be a string.";
        }

        return null;
    }

    private static string? DigitString(JsonElement parent, string name, string path, int min, int max, Dictionary<string, string> errors)
    {
        var value = parent.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        if (value is not null && value.Length >= min && value.Length <= max && value.All(char.IsAsciiDigit))
        {
            return value;
        }

        errors[path] = min == max
            ? $"{path} must be a string of exactly {min} digits."
            : $"{path} must be a string of {min} to {max} digits.";
        return null;
    }

    private static int? Integer(JsonElement parent, string name, string path, int min, int max, Dictionary<string, string> errors)
    {
        if (parent.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) && n >= min && n <= max)
        {
            return n;
        }

        errors[path] = $"{path} must be an integer from {min} to {max}.";
        return null;
    }

    private static string? Enum(JsonElement parent, string name, string path, IReadOnlySet<string> allowed, Dictionary<string, string> errors)
    {
        if (!parent.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (v.ValueKind == JsonValueKind.String && allowed.Contains(v.GetString()!))
        {
            return v.GetString();
        }

        errors[path] = $"{path} must be one of: {string.Join(", ", allowed)}.";
        return null;
    }
}
