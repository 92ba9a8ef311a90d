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

    private static async Task<Ok<JsonObject>> List(HttpContext http, VioPayDbContext db, CancellationToken cancellationToken)
    {
        var merchantId = http.Session().MerchantId!.Value;
        var query = http.Request.Query;
        var fields = new Dictionary<string, string>();
        var limit = PageQuery.Limit(query, fields);

        var batches = db.Batches.AsNoTracking().Where(b => b.MerchantId == merchantId);
        if (query.TryGetValue("terminal_id", out var terminal))
        {
            var terminalId = terminal.ToString();
            batches = batches.Where(b => b.TerminalId == terminalId);
        }

        if (query.TryGetValue("cursor", out var cursor))
        {
            if (PageQuery.TryParseCursor(cursor.ToString(), out var at, out var id))
            {
                batches = batches.Where(b => b.ClosedAt < at || (b.ClosedAt == at && string.Compare(b.Id, id) < 0));
            }
            else
            {
                fields["cursor"] = "cursor must be a next_cursor value from a previous page.";
            }
        }

        if (fields.Count > 0)
        {
            throw ApiException.InvalidFields(fields);
        }

        var rows = await batches.OrderByDescending(b => b.ClosedAt).ThenByDescending(b => b.Id).Take(limit + 1).ToListAsync(cancellationToken);
        var data = new JsonArray(rows.Take(limit).Select(b => (JsonNode)View(b)).ToArray());
        var next = rows.Count > limit
            ? PageQuery.Cursor(rows[limit - 1].ClosedAt, rows[limit - 1].Id)
            : null;
        return TypedResults.Ok(new JsonObject { ["data"] = data, ["next_cursor"] = next });
    }

    private static async Task<Ok<JsonObject>> Get(string batchId, HttpContext http, VioPayDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok(View(await FindAsync(db, http.Session().MerchantId!.Value, batchId, cancellationToken)));

    private static async Task<ContentHttpResult> Csv(string batchId, HttpContext http, VioPayDbContext db, CancellationToken cancellationToken)
    {
        var merchantId = http.Session().MerchantId!.Value;
        var batch = await FindAsync(db, merchantId, batchId, cancellationToken);
        var charges = await db.Charges.AsNoTracking().Where(c => c.BatchId == batch.Id && c.MerchantId == merchantId)
            .OrderBy(c => c.CreatedAt).ThenBy(c => c.Id).ToListAsync(cancellationToken);
        var refunds = await (from r in db.Refunds.AsNoTracking()
                             join c in db.Charges.AsNoTracking() on r.ChargeId equals c.Id
                             where r.BatchId == batch.Id && c.MerchantId == merchantId
                             orderby r.CreatedAt, r.Id
                             select new { Refund = r, c.TerminalId, c.CardBrand, c.CardLast4 }).ToListAsync(cancellationToken);
        var csv = new StringBuilder(CsvHeader).Append("\r\n");
        foreach (var c in charges)
        {
            Row(csv, "charge", c.Id, c.Id, c.CreatedAt, c.TerminalId, c.CardBrand, c.CardLast4, c.Currency, c.AmountMinor,
                (c.TipMinor ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture), c.Status,
                c.AuthorizationCode, c.Rrn);
        }

        foreach (var r in refunds)
        {
            Row(csv, "refund", r.Refund.Id, r.Refund.ChargeId, r.Refund.CreatedAt, r.TerminalId, r.CardBrand, r.CardLast4, r.Refund.Currency,
                r.Refund.AmountMinor, "", r.Refund.Status, null, null);
        }

        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{batch.Id}.csv\"";
        return TypedResults.Content(csv.ToString(), "text/csv", Encoding.UTF8);
    }

    private static async Task<Batch> FindAsync(VioPayDbContext db, Guid merchantId, string batchId, CancellationToken cancellationToken) =>
        await db.Batches.AsNoTracking().FirstOrDefaultAsync(b => b.Id == batchId && b.MerchantId == merchantId, cancellationToken)
        ?? throw ApiException.NotFound("Batch not found");

    /// <summary>A closed batch as the backoffice shows it (also the <c>data</c> of <c>batch.closed</c>, PROTOCOL §13.3).</summary>
    internal static JsonObject View(Batch batch)
    {
        var view = JsonNode.Parse(batch.ReportJson)!.AsObject();
        view["terminal_id"] = batch.TerminalId;
        view["device_id"] = batch.DeviceId;
        return view;
    }

    private static void Row(StringBuilder csv, string type, string id, string chargeId, DateTimeOffset createdAt, string terminalId,
        string brand, string last4, string currency, long amount, string tip, string status, string? authorizationCode, string? rrn)
    {
        string[] cells = [type, id, chargeId, PosTime.Format(createdAt), terminalId, brand, last4, currency,
            amount.ToString(CultureInfo.InvariantCulture), tip, status, authorizationCode ?? "", rrn ?? ""];
        csv.AppendJoin(',', cells.Select(Quote)).Append("\r\n");
    }

    /// <summary>RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled.</summary>
    public static string Quote(string field) => field.AsSpan().IndexOfAny(",\"\r\n") < 0 ? field : "\"" + field.Replace("\"", "\"\"") + "\"";

}
