using Microsoft.EntityFrameworkCore;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Payments;
using VioPay.Api.Pos;

namespace VioPay.Api.Backoffice;

/// <summary>
/// The merchant's charges as the backoffice API and the portal read them. The merchant id is in every WHERE clause, so
/// another merchant's charge is simply not found.
/// </summary>
public static class ChargeQueries
{
    private static readonly IReadOnlyList<string> Statuses = ChargeStatus.All;

    /// <summary>
    /// A page of the merchant's charges, newest first, filtered by the query's terminal_id, status, from, to, limit and cursor;
    /// a malformed parameter is 400 with the field named.
    /// </summary>
    public static async Task<ChargesBackofficeApi.ChargePage> ListAsync(VioPayDbContext db, Guid merchantId, IQueryCollection query,
        CancellationToken cancellationToken)
    {
        var fields = new Dictionary<string, string>();
        var limit = PageQuery.Limit(query, fields);

        var charges = db.Charges.AsNoTracking().Where(c => c.MerchantId == merchantId);
        if (query.TryGetValue("terminal_id", out var terminal))
        {
            var terminalId = terminal.ToString();
            charges = charges.Where(c => c.TerminalId == terminalId);
        }

        if (query.TryGetValue("status", out var status))
        {
            var value = status.ToString();
            if (!Statuses.Contains(value))
            {
                fields["status"] = "status must be one of: " + string.Join(", ", Statuses) + ".";
            }

            charges = charges.Where(c => c.Status == value);
        }

        if (Instant(query, "from", fields) is { } from)
        {
            charges = charges.Where(c => c.CreatedAt >= from);
        }

        if (Instant(query, "to", fields) is { } to)
        {
            charges = charges.Where(c => c.CreatedAt < to);
        }

        if (query.TryGetValue("cursor", out var cursor))
        {
            if (PageQuery.TryParseCursor(cursor.ToString(), out var at, out var id))
            {
                charges = charges.Where(c => c.CreatedAt < at || (c.CreatedAt == at && string.Compare(c.Id, id) < 0));
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

        var rows = await charges.OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id).Take(limit + 1)
            .ToListAsync(cancellationToken);
        var page = rows.Take(limit).Select(c => new ChargesBackofficeApi.ChargeSummary(c.Id, c.TerminalId, c.DeviceId, c.Status,
            MoneyView.Of(c.AmountMinor, c.Currency), MoneyView.Of(c.RefundedMinor, c.Currency), new CardView(c.CardBrand, c.CardLast4),
            c.CreatedAt)).ToList();
        var next = rows.Count > limit ? Cursor(rows[limit - 1]) : null;
        return new ChargesBackofficeApi.ChargePage(page, next);
    }

    /// <summary>One of the merchant's charges with its refunds (also the answer of the backoffice cancel); 404 for any other.</summary>
    public static async Task<ChargesBackofficeApi.ChargeDetail> DetailAsync(VioPayDbContext db, Guid merchantId, string chargeId, CancellationToken cancellationToken)
    {
        var c = await db.Charges.AsNoTracking().FirstOrDefaultAsync(c => c.Id == chargeId && c.MerchantId == merchantId, cancellationToken)
            ?? throw ChargeOperations.ChargeNotFound();
        return Detail(c, await RefundsAsync(db, c.Id, cancellationToken));
    }

    /// <summary>The refunds of a charge as its detail lists them, oldest first.</summary>
    public static Task<List<ChargesBackofficeApi.ChargeRefund>> RefundsAsync(VioPayDbContext db, string chargeId, CancellationToken cancellationToken) =>
        db.Refunds.AsNoTracking().Where(r => r.ChargeId == chargeId).OrderBy(r => r.CreatedAt)
            .Select(r => new ChargesBackofficeApi.ChargeRefund(r.Id, r.Status, MoneyView.Of(r.AmountMinor, r.Currency), r.Reason, r.CreatedAt))
            .ToListAsync(cancellationToken);

    /// <summary>The detail of a charge in hand (also the <c>data</c> of its events, PROTOCOL §13.3).</summary>
    public static ChargesBackofficeApi.ChargeDetail Detail(Charge c, IReadOnlyList<ChargesBackofficeApi.ChargeRefund> refunds) =>
        new(c.Id, c.TerminalId, c.DeviceId, c.Status, MoneyView.Of(c.AmountMinor, c.Currency),
            MoneyView.Of(c.RefundedMinor, c.Currency), new ChargesBackofficeApi.CardDetail(c.CardBrand, c.CardFirst6, c.CardLast4),
            new GatewayView(c.AuthorizationCode, c.Rrn), c.DeclineCode, c.EntryMode, c.CardholderVerificationMethod, c.Stan,
            c.CreatedAt, c.UpdatedAt, c.CancelledAt, refunds);

    private static DateTimeOffset? Instant(IQueryCollection query, string name, Dictionary<string, string> fields)
    {
        if (!query.TryGetValue(name, out var value))
        {
            return null;
        }

        if (PosHeaderValidator.TryParseTimestamp(value.ToString(), out var instant))
        {
            return instant.ToUniversalTime();
        }

        fields[name] = $"{name} must be an RFC 3339 instant, e.g. 2025-12-13T14:25:30Z.";
        return null;
    }

    /// <summary>An opaque cursor: the last row's creation instant in microseconds and its id (PostgreSQL keeps microseconds).</summary>
    private static string Cursor(Charge last) => PageQuery.Cursor(last.CreatedAt, last.Id);
}
