using System.Text.Json;
using VioPay.Api.Infrastructure.Errors;

namespace VioPay.Api.Payments;

/// <summary>An increment's plaintext: the increase (PROTOCOL §11.3).</summary>
public sealed record IncrementInput(long AmountMinor, string Currency);

/// <summary>A capture's plaintext: the amount to capture (null: the whole hold) and the tip (null: none) (PROTOCOL §11.4).</summary>
public sealed record CaptureInput(long? AmountMinor, string? Currency, long? TipMinor, string? TipCurrency);

/// <summary>
/// Field-level validation of tips, increments and captures (PROTOCOL §11.3, §11.4, §11.6; §10.10 for the 400s). Rules
/// that depend on the charge (its currency, its authorized amount) are the 422s of <see cref="HoldOperations"/>.
/// </summary>
public static class HoldValidation
{
    /// <summary>
    /// The optional <c>tip</c> of a charge (§11.6): same currency as the amount and at most the amount, which includes it;
    /// a pre-authorization takes its tip at capture, so a tip on one is refused. Zero is accepted and means no tip.
    /// </summary>
    public static long? ChargeTip(JsonElement root, long? amount, string? currency, string authorizationType,
        Dictionary<string, string> errors)
    {
        if (!root.TryGetProperty("tip", out var tip) || tip.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (authorizationType == AuthorizationType.Pre)
        {
            errors["tip"] = "tip is given at capture for a pre-authorization, not on the charge.";
            return null;
        }

        var (value, tipCurrency) = PaymentValidation.Amount(root, "tip", errors, allowZero: true);
        if (value is null || tipCurrency is null)
        {
            return null;
        }

        if (currency is not null && tipCurrency != currency)
        {
            errors["tip.currency"] = "tip.currency must be the amount's currency.";
        }
        else if (amount is not null && value > amount)
        {
            errors["tip.value"] = "tip.value must not exceed amount.value, which includes the tip.";
        }

        return value == 0 ? null : value;
    }

    public static IncrementInput ValidateIncrement(JsonElement root)
    {
        var errors = new Dictionary<string, string>();
        RequireObject(root, "increment");
        var (amount, currency) = PaymentValidation.Amount(root, "amount", errors);
        ThrowIfAny(errors);
        return new IncrementInput(amount!.Value, currency!);
    }

    public static CaptureInput ValidateCapture(JsonElement root)
    {
        var errors = new Dictionary<string, string>();
        RequireObject(root, "capture");
        long? amount = null, tip = null;
        string? currency = null, tipCurrency = null;
        if (root.TryGetProperty("amount", out var a) && a.ValueKind != JsonValueKind.Null)
        {
            (amount, currency) = PaymentValidation.Amount(root, "amount", errors);
        }

        if (root.TryGetProperty("tip", out var t) && t.ValueKind != JsonValueKind.Null)
        {
            (tip, tipCurrency) = PaymentValidation.Amount(root, "tip", errors, allowZero: true);
        }

        ThrowIfAny(errors);
        return new CaptureInput(amount, currency, tip, tipCurrency);
    }

    private static void RequireObject(JsonElement root, string what)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw ApiException.InvalidFields(new Dictionary<string, string> { ["$"] = $"The {what} must be a JSON object." });
        }
    }

    private static void ThrowIfAny(Dictionary<string, string> errors)
    {
        if (errors.Count > 0)
        {
            throw ApiException.InvalidFields(errors);
        }
    }
}
