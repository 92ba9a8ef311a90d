using System.Globalization;
using System.Text.Json;
using VioPay.Api.Infrastructure.Errors;

namespace VioPay.Api.Payments;

/// <summary>The close plaintext (PROTOCOL §11.7): every broken field named by its JSON path (§10.10).</summary>
public static class BatchValidation
{
    private const int MaxChargeIds = 5000;

    public static BatchCloseInput Validate(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw ApiException.InvalidFields(new Dictionary<string, string> { ["$"] = "The close request must be a JSON object." });
        }

        var errors = new Dictionary<string, string>();
        List<TerminalTotal>? totals = null;
        if (root.TryGetProperty("terminal_totals", out var t) && t.ValueKind != JsonValueKind.Null)
        {
            if (t.ValueKind != JsonValueKind.Array)
            {
                errors["terminal_totals"] = "terminal_totals must be an array.";
            }
            else
            {
                totals = [];
                var index = 0;
                foreach (var item in t.EnumerateArray())
                {
                    if (Total(item, $"terminal_totals[{index++}]", errors) is { } total)
                    {
                        if (totals.Any(x => x.Currency == total.Currency))
                        {
                            errors[$"terminal_totals[{index - 1}].currency"] = "Each currency may appear once.";
                        }

                        totals.Add(total);
                    }
                }
            }
        }

        List<string>? ids = null;
        if (root.TryGetProperty("charge_ids", out var c) && c.ValueKind != JsonValueKind.Null)
        {
            if (c.ValueKind != JsonValueKind.Array || c.GetArrayLength() > MaxChargeIds ||
                c.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.String || x.GetString()!.Length is < 1 or > 64))
            {
                errors["charge_ids"] = $"charge_ids must be an array of at most {MaxChargeIds} charge ids (strings of 1 to 64 characters).";
            }
            else
            {
                ids = c.EnumerateArray().Select(x => x.GetString()!).ToList();
            }
        }

        if (errors.Count > 0)
        {
            throw ApiException.InvalidFields(errors);
        }

        return new BatchCloseInput(totals, ids);
    }

    private static TerminalTotal? Total(JsonElement item, string path, Dictionary<string, string> errors)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            errors[path] = $"{path} must be an object.";
            return null;
        }

        string? currency = item.TryGetProperty("currency", out var cur) && cur.ValueKind == JsonValueKind.String ? cur.GetString() : null;
        if (currency is null || !PaymentValidation.Currencies.ContainsKey(currency))
        {
            errors[path + ".currency"] = $"{path}.currency must be an ISO 4217 code the server knows (e.g. EUR).";
        }

        var salesCount = Count(item, "sales_count", path, errors);
        var salesAmount = Amount(item, "sales_amount", path, errors);
        var refundsCount = Count(item, "refunds_count", path, errors);
        var refundsAmount = Amount(item, "refunds_amount", path, errors);
        return currency is null || salesCount is null || salesAmount is null || refundsCount is null || refundsAmount is null
            ? null
            : new TerminalTotal(currency, salesCount.Value, salesAmount.Value, refundsCount.Value, refundsAmount.Value);
    }

    private static long? Count(JsonElement item, string name, string path, Dictionary<string, string> errors)
    {
        if (item.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) && n is >= 0 and <= int.MaxValue)
        {
            return n;
        }

        errors[$"{path}.{name}"] = $"{path}.{name} is required: a non-negative integer.";
        return null;
    }

    private static long? Amount(JsonElement item, string name, string path, Dictionary<string, string> errors)
    {
        if (item.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: >= 1 and <= 15 } s &&
            s.All(char.IsAsciiDigit))
        {
            return long.Parse(s, CultureInfo.InvariantCulture);
        }

        errors[$"{path}.{name}"] = $"{path}.{name} is required: a string of 1 to 15 digits (minor units).";
        return null;
    }
}
