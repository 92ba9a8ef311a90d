using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using VioPay.Api.Infrastructure;
using VioPay.Api.Infrastructure.OpenApi;
using VioPay.Api.Infrastructure.Security;
using VioPay.Api.Keys;
using VioPay.Api.Pos;
using VioPay.Crypto;

namespace VioPay.Api.Payments;

/// <summary>Day close on the terminal (PROTOCOL §11.7): the charge family's HMAC headers, MSK envelopes both ways.</summary>
public static class BatchesApi
{
    public static IEndpointRouteBuilder MapBatchesApi(this IEndpointRouteBuilder app)
    {
        var pos = app.MapGroup("/pos/batch").WithTags("POS payments").RequireTerminalSignature();
        pos.MapPost("/close", Close)
            .WithName("PosCloseBatch")
            .WithSummary("Day close: closes the terminal's open batch and opens the next. MSK envelope in ({terminal_totals?: [{currency, " +
                "sales_count, sales_amount, refunds_count, refunds_amount}], charge_ids?: [...]}; an empty body is {}) and out ({batch_id, " +
                "status: closed, opened_at, closed_at, totals [{currency, sales_count, sales_amount, tips_amount, refunds_count, " +
                "refunds_amount, cancelled_count, net_amount}], by_brand [{brand, currency, count, amount}], open_authorizations, " +
                "reconciliation {status matched|mismatched|not_provided, differences [{currency, field, terminal, server}], " +
                "missing_on_server, missing_on_terminal}}). Idempotency-Key as for charges.")
            .WithHeaders(PosDocs.ChargeWithIdempotency)
            .DocumentsJsonBody<MskEnvelope>()
            .Produces<MskEnvelope>()
            .ProducesErrors(400, 401, 403, 409, 413, 415, 422, 426, 503);
        return app;
    }

    private static async Task<Ok<MskEnvelope>> Close(HttpContext http, BatchOperations batches, PosEnvelopes envelopes,
        CancellationToken cancellationToken)
    {
        var terminal = http.Terminal();
        using var plaintext = http.RawBody().IsEmpty ? JsonDocument.Parse("{}") : envelopes.OpenRequest(http, terminal.KeySet);
        var answer = await batches.CloseAsync(terminal, plaintext.RootElement, PosAnswer.IdempotencyKey(http), cancellationToken);
        return answer.Seal(http, envelopes, terminal);
    }
}
