using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.OpenApi;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Payments;
using VioPay.Api.Pos;
using VioPay.Api.Sessions;

namespace VioPay.Api.Backoffice;

/// <summary>
/// The merchant's closed batches (PROTOCOL §11.8): the close's answer as the terminal got it (plus its terminal and
/// device ids), and the batch's transactions as CSV. The merchant id is in every WHERE clause: another's batch is 404.
/// </summary>
public static class BatchesBackofficeApi
{
    public const string CsvHeader = "type,id,charge_id,created_at,terminal_id,brand,last4,currency,amount,tip,status,authorization_code,rrn";

    public static IEndpointRouteBuilder MapBatchesBackofficeApi(this IEndpointRouteBuilder app)
    {
        var merchant = app.MapGroup("/merchant/batches").WithTags("Backoffice: merchant").RequireSession(SessionScope.Merchant)
            .WithHeaders(new HeaderDoc("Authorization", true, "Bearer {jwt} with an initiated merchant session"));
        merchant.MapGet("", List)
            .WithName("ListMerchantBatches")
            .WithSummary("This merchant's closed batches, newest first: ?terminal_id, limit=1..100 (50), cursor (next_cursor of the previous " +
                "page) → {data: [batch], next_cursor}; each batch is the close's answer plus terminal_id and device_id.")
            .ProducesErrors(400, 401, 403, 503);
        merchant.MapGet("/{batchId}", Get)
            .WithName("GetMerchantBatch")
            .WithSummary("One closed batch: the object POST /pos/batch/close answered (totals, by_brand, open_authorizations, " +
                "reconciliation) plus terminal_id and device_id; another merchant's 404.")
            .ProducesErrors(401, 403, 404, 503);
        merchant.MapGet("/{batchId}/transactions.csv", Csv)
            .WithName("GetMerchantBatchTransactionsCsv")
            .WithSummary("The batch's charges and refunds as text/csv (RFC 4180), header row " + CsvHeader + "; one row per charge " +
                "(charge_id = its own id) and per refund. Card data is brand and last4 only. Another merchant's batch 404.")
            .Produces<string>(StatusCodes.Status200OK, "text/csv")
            .ProducesErrors(401, 403, 404, 503);
        return app;
    }

    private static async Task<Ok<JsonObject>> List(HttpContext http, VioPayDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok(await BatchQueries.ListAsync(db, http.Session().MerchantId!.Value, http.Request.Query, cancellationToken));

    private static async Task<Ok<JsonObject>> Get(string batchId, HttpContext http, VioPayDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok(BatchQueries.View(await BatchQueries.FindAsync(db, http.Session().MerchantId!.Value, batchId, cancellationToken)));

    private static async Task<ContentHttpResult> Csv(string batchId, HttpContext http, VioPayDbContext db, CancellationToken cancellationToken)
    {
        var (fileName, csv) = await BatchQueries.CsvAsync(db, http.Session().MerchantId!.Value, batchId, cancellationToken);
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}\"";
        return TypedResults.Content(csv, "text/csv", Encoding.UTF8);
    }

    /// <summary>RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled.</summary>
    public static string Quote(string field) => BatchQueries.Quote(field);
}
