using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.OpenApi;
using VioPay.Api.Pos;
using VioPay.Crypto;

namespace VioPay.Api.Payments;

/// <summary>
/// Phase 4 of seed 002: charge, refund, cancel, reverse, status and recovery by key, on the HMAC charge headers with
/// MSK envelopes on request and answer as the seed's table says (PROTOCOL §5, §8).
/// </summary>
public static partial class ChargesApi
{
    [System.Text.RegularExpressions.GeneratedRegex("^ch_[0-9A-Za-z]{24}$")]
    private static partial System.Text.RegularExpressions.Regex ChargeIdPattern();

    public static IEndpointRouteBuilder MapChargesApi(this IEndpointRouteBuilder app)
    {
        var pos = app.MapGroup("/pos/charge").WithTags("POS payments").RequireTerminalSignature();
        int[] errors = [400, 401, 403, 404, 409, 413, 415, 422, 426, 503];

        pos.MapPost("", Charge)
            .WithName("PosCharge")
            .WithSummary("Step 9: a card-present charge. MSK envelope in (seed 002 step 9 plaintext) and out ({charge_id, status " +
                "approved|declined|authorized, authorization_type, amount, authorized_amount? and expires_at? (pre), tip_amount?, refunded_amount, card {brand, last4}, gateway_data {authorization_code, rrn}, decline_code?, " +
                "created_at}). A decline is 200 too. With Idempotency-Key: same request replays the first answer " +
                "(Idempotent-Replayed: true), a different one 422, one still in flight 409, one reversed by key 409.")
            .WithHeaders(PosDocs.ChargeWithIdempotency)
            .DocumentsJsonBody<MskEnvelope>()
            .Produces<MskEnvelope>()
            .ProducesErrors(errors);

        pos.MapGet("", FindByKey)
            .WithName("PosFindChargeByIdempotencyKey")
            .WithSummary("Recovery after a lost answer: ?idempotency_key=K answers the charge that key created (MSK envelope), " +
                "404 when none, 409 while it is in flight. The query string is signed as sent.")
            .WithHeaders(PosDocs.Charge)
            .Produces<MskEnvelope>()
            .ProducesErrors(400, 401, 403, 404, 409, 426, 503);

        pos.MapPost("/reverse", ReverseByKey)
            .WithName("PosReverseByIdempotencyKey")
            .WithSummary("Reverse by key: MSK envelope {idempotency_key}. Cancels the charge that key created ({idempotency_key, " +
                "status: cancelled, charge_id}); when none exists yet, records the reversal ({status: reversal_recorded, charge_id: null}) " +
                "so a late charge with that key is refused 409. Declined or refunded charge 409.")
            .WithHeaders(PosDocs.Charge)
            .DocumentsJsonBody<MskEnvelope>()
            .Produces<MskEnvelope>()
            .ProducesErrors(400, 401, 403, 409, 413, 415, 426, 503);

        pos.MapGet("/{chargeId}", Get)
            .WithName("PosGetCharge")
            .WithSummary("The charge as it is now (status pending, approved, declined, authorized, cancelled or expired; " +
                "authorization_type, refunded_amount, and authorized_amount/expires_at/tip_amount/captured_at when they apply), in an MSK " +
                "envelope. The empty body is signed. Another terminal's charge is 404.")
            .WithHeaders(PosDocs.Charge)
            .Produces<MskEnvelope>()
            .ProducesErrors(400, 401, 403, 404, 426, 503);

        pos.MapPost("/{chargeId}/refund", Refund)
            .WithName("PosRefundCharge")
            .WithSummary("Partial or full refund of an approved charge: MSK envelope {amount {value, currency}, reason?} in, {refund_id, " +
                "charge_id, status: approved|declined|pending, amount, decline_code?, created_at} out; pending when the acquirer has not " +
                "answered yet (the server sends it again under the same refund id until it does, never twice). Above the refundable " +
                "amount or another currency 422; charge not approved 409. Idempotency-Key as for charges.")
            .WithHeaders(PosDocs.ChargeWithIdempotency)
            .DocumentsJsonBody<MskEnvelope>()
            .Produces<MskEnvelope>()
            .ProducesErrors(errors);

        pos.MapPost("/{chargeId}/increment", Increment)
            .WithName("PosIncrementCharge")
            .WithSummary("PROTOCOL §11.3: raise an authorized pre-authorization. MSK envelope {amount {value, currency}} (the increase) " +
                "in; the charge with its new amount and authorized_amount plus increment {status approved|declined, amount, " +
                "decline_code?} out (a declined increment leaves the charge as it was). Not authorized (or expired) 409, another " +
                "currency 422, an increment or capture in flight 409; 503 when the acquirer did not answer (it is sent again until it " +
                "does; a retry with the same Idempotency-Key then replays the outcome). Idempotency-Key as for charges.")
            .WithHeaders(PosDocs.ChargeWithIdempotency)
            .DocumentsJsonBody<MskEnvelope>()
            .Produces<MskEnvelope>()
            .ProducesErrors(errors);

        pos.MapPost("/{chargeId}/capture", Capture)
            .WithName("PosCaptureCharge")
            .WithSummary("PROTOCOL §11.4: capture an authorized pre-authorization. MSK envelope {amount? {value, currency}, tip? {value, " +
                "currency}} in (amount defaults to the whole authorized amount, tip to none); the charge with status approved, amount = " +
                "captured total, authorized_amount, tip_amount, captured_at out. The rest is released. Not authorized (captured, " +
                "voided, expired) 409; amount above authorized_amount, tip above Payments:MaxTipPercent % of it, or another currency " +
                "422; 503 when the acquirer did not answer (sent again until it does). Idempotency-Key as for charges.")
            .WithHeaders(PosDocs.ChargeWithIdempotency)
            .DocumentsJsonBody<MskEnvelope>()
            .Produces<MskEnvelope>()
            .ProducesErrors(errors);

        pos.MapPost("/{chargeId}/cancel", Cancel)
            .WithName("PosCancelCharge")
            .WithSummary("Cancel an approved charge that has no refund (reversed), or void an authorized pre-authorization (§11.5); no " +
                "body (the empty body is signed). Answers {charge_id, status: cancelled, cancelled_at} in an MSK envelope, the same " +
                "again for a repeat. Declined, refunded, expired charge, or a capture/increment in flight, 409 with details.charge_status.")
            .WithHeaders(PosDocs.Charge)
            .Produces<MskEnvelope>()
            .ProducesErrors(400, 401, 403, 404, 409, 413, 415, 426, 503);

        pos.MapPost("/{chargeId}/reverse", Reverse)
            .WithName("PosReverseCharge")
            .WithSummary("Reverse is cancel (fine point 5): same rules, same answer.")
            .WithHeaders(PosDocs.Charge)
            .Produces<MskEnvelope>()
            .ProducesErrors(400, 401, 403, 404, 409, 413, 415, 426, 503);
        return app;
    }

    private static async Task<Ok<MskEnvelope>> Charge(HttpContext http, ChargeOperations charges, PosEnvelopes envelopes,
        CancellationToken cancellationToken)
    {
        var terminal = http.Terminal();
        using var plaintext = envelopes.OpenRequest(http, terminal.KeySet);
        var answer = await charges.ChargeAsync(terminal, plaintext.RootElement, PosAnswer.IdempotencyKey(http), cancellationToken);
        return answer.Seal(http, envelopes, terminal);
    }

    private static async Task<Ok<MskEnvelope>> Refund(string chargeId, HttpContext http, RefundOperations refunds, PosEnvelopes envelopes,
        CancellationToken cancellationToken)
    {
        var terminal = http.Terminal();
        RequireChargeId(chargeId);
        using var plaintext = envelopes.OpenRequest(http, terminal.KeySet);
        var answer = await refunds.RefundAsync(terminal, chargeId, plaintext.RootElement, PosAnswer.IdempotencyKey(http),
            cancellationToken);
        return answer.Seal(http, envelopes, terminal);
    }

    private static async Task<Ok<MskEnvelope>> Increment(string chargeId, HttpContext http, HoldOperations holds,
        PosEnvelopes envelopes, CancellationToken cancellationToken)
    {
        var terminal = http.Terminal();
        RequireChargeId(chargeId);
        using var plaintext = envelopes.OpenRequest(http, terminal.KeySet);
        var answer = await holds.IncrementAsync(terminal, chargeId, plaintext.RootElement, PosAnswer.IdempotencyKey(http),
            cancellationToken);
        return answer.Seal(http, envelopes, terminal);
    }

    private static async Task<Ok<MskEnvelope>> Capture(string chargeId, HttpContext http, HoldOperations holds,
        PosEnvelopes envelopes, CancellationToken cancellationToken)
    {
        var terminal = http.Terminal();
        RequireChargeId(chargeId);
        using var plaintext = envelopes.OpenRequest(http, terminal.KeySet);
        var answer = await holds.CaptureAsync(terminal, chargeId, plaintext.RootElement, PosAnswer.IdempotencyKey(http),
            cancellationToken);
        return answer.Seal(http, envelopes, terminal);
    }

    private static Task<Ok<MskEnvelope>> Cancel(string chargeId, HttpContext http, CancelOperations charges, PosEnvelopes envelopes,
        CancellationToken cancellationToken) => CancelOrReverse(chargeId, http, charges, envelopes, cancellationToken);

    private static Task<Ok<MskEnvelope>> Reverse(string chargeId, HttpContext http, CancelOperations charges, PosEnvelopes envelopes,
        CancellationToken cancellationToken) => CancelOrReverse(chargeId, http, charges, envelopes, cancellationToken);

    private static async Task<Ok<MskEnvelope>> CancelOrReverse(string chargeId, HttpContext http, CancelOperations charges,
        PosEnvelopes envelopes, CancellationToken cancellationToken)
    {
        var terminal = http.Terminal();
        RequireChargeId(chargeId);
        return (await charges.CancelAsync(terminal, chargeId, cancellationToken)).Seal(http, envelopes, terminal);
    }

    private static async Task<Ok<MskEnvelope>> ReverseByKey(HttpContext http, CancelOperations charges, PosEnvelopes envelopes,
        CancellationToken cancellationToken)
    {
        var terminal = http.Terminal();
        using var plaintext = envelopes.OpenRequest(http, terminal.KeySet);
        return (await charges.ReverseByKeyAsync(terminal, plaintext.RootElement, cancellationToken)).Seal(http, envelopes, terminal);
    }

    private static async Task<Ok<MskEnvelope>> Get(string chargeId, HttpContext http, ChargeOperations charges, PosEnvelopes envelopes,
        CancellationToken cancellationToken)
    {
        var terminal = http.Terminal();
        RequireChargeId(chargeId);
        return (await charges.GetAsync(terminal, chargeId, cancellationToken)).Seal(http, envelopes, terminal);
    }

    private static async Task<Ok<MskEnvelope>> FindByKey(HttpContext http, ChargeOperations charges, PosEnvelopes envelopes,
        CancellationToken cancellationToken)
    {
        var terminal = http.Terminal();
        var query = http.Request.Query;
        var key = query["idempotency_key"];
        if (key.Count != 1 || !PaymentValidation.IsIdempotencyKey(key.ToString()))
        {
            throw ApiException.BadRequest("Invalid query", new Dictionary<string, object?>
            {
                ["fields"] = new Dictionary<string, string>
                {
                    ["idempotency_key"] = "idempotency_key is required once: 1 to 255 printable ASCII characters.",
                },
            });
        }

        return (await charges.FindByKeyAsync(terminal, key.ToString(), cancellationToken)).Seal(http, envelopes, terminal);
    }

    /// <summary>A malformed charge id cannot name any charge: 404, like an unknown one.</summary>
    private static void RequireChargeId(string chargeId)
    {
        if (!ChargeIdPattern().IsMatch(chargeId))
        {
            throw ChargeOperations.ChargeNotFound();
        }
    }

}
