using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Payments;
using VioPay.Api.Pos;

namespace VioPay.Api.Backoffice;

/// <summary>
/// The merchant's closed batches as the backoffice API and the portal read them (PROTOCOL §11.8). The merchant id is in
/// every WHERE clause: another's batch is not found.
/// </summary>
public static class BatchQueries
{
    /// <summary>A page of the merchant's closed batches, newest first (?terminal_id, limit, cursor), each as <see cref="View"/> shows it.</summary>
    public static async Task<JsonObject> ListAsync(VioPayDbContext db, Guid merchantId, IQueryCollection query, CancellationToken cancellationToken)
    {
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
        return new JsonObject { ["data"] = data, ["next_cursor"] = next };
    }

    /// <summary>The batch's charges and refunds as RFC 4180 CSV (header <see cref="BatchesBackofficeApi.CsvHeader"/>) and its file name.</summary>
    public static async Task<(string FileName, string Csv)> CsvAsync(VioPayDbContext db, Guid merchantId, string batchId,
        CancellationToken cancellationToken)
    {
        var batch = await FindAsync(db, merchantId, batchId, cancellationToken);
        var charges = await db.Charges.AsNoTracking().Where(c => c.BatchId == batch.Id && c.MerchantId == merchantId)
            .OrderBy(c => c.CreatedAt).ThenBy(c => c.Id).ToListAsync(cancellationToken);
        var refunds = await (from r in db.Refunds.AsNoTracking()
                             join c in db.Charges.AsNoTracking() on r.ChargeId equals c.Id
                             where r.BatchId == batch.Id && c.MerchantId == merchantId
                             orderby r.CreatedAt, r.Id
                             select new { Refund = r, c.TerminalId, c.CardBrand, c.CardLast4 }).ToListAsync(cancellationToken);
        var csv = new StringBuilder(BatchesBackofficeApi.CsvHeader).Append("\r\n");
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

        return ($"{batch.Id}.csv", csv.ToString());
    }

    public static async Task<Batch> FindAsync(VioPayDbContext db, Guid merchantId, string batchId, CancellationToken cancellationToken) =>
        await db.Batches.AsNoTracking().FirstOrDefaultAsync(b => b.Id == batchId && b.MerchantId == merchantId, cancellationToken)
        ?? throw ApiException.NotFound("Batch not found");

    public static JsonObject View(Batch batch)
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
