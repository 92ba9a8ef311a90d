using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using VioPay.Api.Backoffice;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Payments;
using VioPay.Crypto;

namespace VioPay.Api.Portal.Pages.Charges;

/// <summary>
/// One of the merchant's charges with its refunds (404 for any other), and the refund and cancel of
/// <c>POST /merchant/charges/{id}/refund|cancel</c>: the same <see cref="RefundOperations"/> and
/// <see cref="CancelOperations"/>, in the merchant's idempotency scope. Each refund form carries its own
/// Idempotency-Key, so a form sent twice refunds once.
/// </summary>
public sealed class DetailModel(VioPayDbContext db, RefundOperations refunds, CancelOperations cancels) : PortalPage
{
    public ChargesBackofficeApi.ChargeDetail? Charge { get; private set; }

    [BindProperty(Name = "amount")]
    public string? Amount { get; set; }

    [BindProperty(Name = "reason")]
    public string? Reason { get; set; }

    /// <summary>A fresh key per rendered form (1-255 printable ASCII, PROTOCOL §8).</summary>
    [BindProperty(Name = "idempotency_key")]
    public string? IdempotencyKey { get; set; }

    public long Refundable => Charge is { } c ? long.Parse(c.Amount.Value, CultureInfo.InvariantCulture) -
        long.Parse(c.RefundedAmount.Value, CultureInfo.InvariantCulture) : 0;

    public async Task<IActionResult> OnGetAsync(string chargeId, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(chargeId, cancellationToken))
        {
            return NotFoundPage("Charge not found.");
        }

        Amount = PortalFormat.Major(Refundable, Charge!.Amount.Currency);
        IdempotencyKey = "portal-" + SecureIds.Base62(24);
        return Page();
    }

    public async Task<IActionResult> OnPostRefundAsync(string chargeId, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(chargeId, cancellationToken))
        {
            return NotFoundPage("Charge not found.");
        }

        var currency = Charge!.Amount.Currency;
        if (PortalFormat.ParseMajor(Amount, currency) is not { } minor)
        {
            FieldErrors["amount"] = $"Enter a positive amount in {currency}, e.g. {PortalFormat.Major(Refundable, currency)}.";
            return Refused("The refund was not made.");
        }

        if (Reason is { Length: > 200 })
        {
            FieldErrors["reason"] = "The reason must be at most 200 characters.";
            return Refused("The refund was not made.");
        }

        var merchantId = Merchant.MerchantId!.Value;
        var body = Json(new Dictionary<string, object?>
        {
            ["amount"] = new Dictionary<string, string> { ["value"] = minor.ToString(CultureInfo.InvariantCulture), ["currency"] = currency },
            ["reason"] = string.IsNullOrWhiteSpace(Reason) ? null : Reason.Trim(),
        });
        var scope = new RefundScope(ChargeActionsBackofficeApi.MerchantScope(merchantId), $"POST /merchant/charges/{chargeId}/refund", null,
            merchantId);
        var key = PaymentValidation.IsIdempotencyKey(IdempotencyKey) ? IdempotencyKey : null;
        try
        {
            var answer = await refunds.RefundAsync(scope, chargeId, body, key, cancellationToken);
            using var refund = JsonDocument.Parse(answer.Json);
            var status = refund.RootElement.GetProperty("status").GetString();
            var id = refund.RootElement.GetProperty("refund_id").GetString();
            if (status == "declined")
            {
                await LoadAsync(chargeId, cancellationToken);
                return Refused($"Refund {id} was declined by the acquirer" +
                    (refund.RootElement.TryGetProperty("decline_code", out var code) ? $" (code {code.GetString()})." : "."));
            }

            Flash = $"Refund {id} of {PortalFormat.Money(minor, currency)}: {status}.";
            return Redirect($"{PortalExtensions.BasePath}/charges/{chargeId}");
        }
        catch (ApiException e) when (e.StatusCode < 500)
        {
            Show(e);
            if (e.Details is IReadOnlyDictionary<string, object?> details && details.TryGetValue("refundable_amount", out var r) && r is MoneyView left)
            {
                Message = $"{Message?.TrimEnd('.')}. At most {PortalFormat.Money(left)} can be refunded.";
            }

            FieldErrors.Remove("amount.value");
            await LoadAsync(chargeId, cancellationToken);
            return Page();
        }
    }

    public async Task<IActionResult> OnPostCancelAsync(string chargeId, CancellationToken cancellationToken)
    {
        var merchantId = Merchant.MerchantId!.Value;
        try
        {
            await cancels.CancelForMerchantAsync(merchantId, chargeId, cancellationToken);
        }
        catch (ApiException e) when (e.StatusCode < 500)
        {
            if (!await LoadAsync(chargeId, cancellationToken))
            {
                return NotFoundPage("Charge not found.");
            }

            Show(e);
            IdempotencyKey = "portal-" + SecureIds.Base62(24);
            Amount = PortalFormat.Major(Refundable, Charge!.Amount.Currency);
            return Page();
        }

        Flash = $"Charge {chargeId} is cancelled.";
        return Redirect($"{PortalExtensions.BasePath}/charges/{chargeId}");
    }

    private IActionResult Refused(string message)
    {
        IsError = true;
        Message = message;
        return Page();
    }

    private async Task<bool> LoadAsync(string chargeId, CancellationToken cancellationToken)
    {
        try
        {
            Charge = await ChargeQueries.DetailAsync(db, Merchant.MerchantId!.Value, chargeId, cancellationToken);
            return true;
        }
        catch (ApiException e) when (e.StatusCode == StatusCodes.Status404NotFound)
        {
            return false;
        }
    }
}
