using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.OpenApi;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Payments;
using VioPay.Api.Pos;
using VioPay.Api.Sessions;

namespace VioPay.Api.Backoffice;

/// <summary>
/// Refund and cancel from the merchant portal (PROTOCOL §11.8): the terminal's rules (<see cref="RefundOperations"/>,
/// <see cref="ChargeOperations"/>), plain JSON, on the merchant's own charges only (another's is 404). An
/// Idempotency-Key is scoped to the merchant: its record lives in <c>idempotency_records</c> under the scope
/// <c>merchant:{id}</c>, a key space no terminal id can reach.
/// </summary>
public static class ChargeActionsBackofficeApi
{
    private static readonly HeaderDoc IdempotencyKeyDoc = new(PosHeaderNames.IdempotencyKey, false,
        "Optional, 1-255 printable ASCII characters, scoped to the merchant, kept 24 h: the same request replays the first answer " +
        "with Idempotent-Replayed: true; a different one is 422; one still in flight 409.");

    public static string MerchantScope(Guid merchantId) => "merchant:" + merchantId.ToString("N");

    public static IEndpointRouteBuilder MapChargeActionsBackofficeApi(this IEndpointRouteBuilder app)
    {
        var merchant = app.MapGroup("/merchant/charges").WithTags("Backoffice: merchant").RequireSession(SessionScope.Merchant)
            .WithHeaders(new HeaderDoc("Authorization", true, "Bearer {jwt} with an initiated merchant session"));
        merchant.MapPost("/{chargeId}/refund", Refund)
            .WithName("RefundMerchantCharge")
            .WithSummary("Refund one of this merchant's approved charges: {amount {value, currency}, reason?} → 201 {refund_id, charge_id, " +
                "status approved|declined|pending, amount, reason?, decline_code?, created_at}. The terminal's rules: above the refundable " +
                "amount or another currency 422, charge not approved 409, another merchant's 404. Idempotency-Key scoped to the merchant.")
            .WithHeaders(IdempotencyKeyDoc)
            .Accepts<JsonElement>("application/json")
            .Produces<RefundView>(StatusCodes.Status201Created)
            .ProducesErrors(400, 401, 403, 404, 409, 413, 415, 422, 503);
        merchant.MapPost("/{chargeId}/cancel", Cancel)
            .WithName("CancelMerchantCharge")
            .WithSummary("Cancel one of this merchant's approved charges without refunds while its batch is open → 200 with the charge " +
                "(as GET /merchant/charges/{chargeId}); a repeat answers the same. Refunded, declined or in a closed batch 409; another merchant's 404.")
            .Produces<ChargesBackofficeApi.ChargeDetail>()
            .ProducesErrors(401, 403, 404, 409, 503);
        return app;
    }

    private static async Task<ContentHttpResult> Refund(string chargeId, HttpContext http, RefundOperations refunds,
        CancellationToken cancellationToken)
    {
        var merchantId = http.Session().MerchantId!.Value;
        var key = IdempotencyKey(http);
        var body = JsonSerializer.SerializeToElement(BackofficeJson.ReadObject(http));
        var scope = new RefundScope(MerchantScope(merchantId), $"POST /merchant/charges/{chargeId}/refund", null, merchantId);
        var answer = await refunds.RefundAsync(scope, chargeId, body, key, cancellationToken);
        if (answer.Replayed)
        {
            http.Response.Headers[Idempotency.ReplayedHeader] = "true";
        }

        return TypedResults.Content(answer.Json, "application/json", Encoding.UTF8, StatusCodes.Status201Created);
    }

    private static async Task<Ok<ChargesBackofficeApi.ChargeDetail>> Cancel(string chargeId, HttpContext http, CancelOperations charges,
        VioPayDbContext db, CancellationToken cancellationToken)
    {
        var merchantId = http.Session().MerchantId!.Value;
        await charges.CancelForMerchantAsync(merchantId, chargeId, cancellationToken);
        return TypedResults.Ok(await ChargeQueries.DetailAsync(db, merchantId, chargeId, cancellationToken));
    }

    private static string? IdempotencyKey(HttpContext http)
    {
        if (!http.Request.Headers.TryGetValue(PosHeaderNames.IdempotencyKey, out var value))
        {
            return null;
        }

        if (value.Count != 1 || !PaymentValidation.IsIdempotencyKey(value.ToString()))
        {
            throw ApiException.BadRequest("Invalid header values", new Dictionary<string, object?>
            {
                ["invalid_headers"] = new[] { PosHeaderNames.IdempotencyKey },
            });
        }

        return value.ToString();
    }
}
