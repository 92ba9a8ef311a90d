using System.Globalization;
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
/// The merchant portal's view of its charges (fine point 15). The merchant id is in every WHERE clause, so another
/// merchant's charge is simply not found.
/// </summary>
public static class ChargesBackofficeApi
{
    public sealed record ChargeSummary(string ChargeId, string TerminalId, string DeviceId, string Status, MoneyView Amount,
        MoneyView RefundedAmount, CardView Card, DateTimeOffset CreatedAt);

    public sealed record ChargePage(IReadOnlyList<ChargeSummary> Data, string? NextCursor);

    public sealed record ChargeRefund(string RefundId, string Status, MoneyView Amount, string? Reason, DateTimeOffset CreatedAt);

    public sealed record ChargeDetail(string ChargeId, string TerminalId, string DeviceId, string Status, MoneyView Amount,
        MoneyView RefundedAmount, CardDetail Card, GatewayView GatewayData, string? DeclineCode, string? EntryMode,
        string? CardholderVerificationMethod, string Stan, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
        DateTimeOffset? CancelledAt, IReadOnlyList<ChargeRefund> Refunds);

    /// <summary>First six and last four digits: what PCI DSS allows to be shown.</summary>
    public sealed record CardDetail(string Brand, string First6, string Last4);

    private static readonly IReadOnlyList<string> Statuses = ChargeStatus.All;

    public static IEndpointRouteBuilder MapChargesBackofficeApi(this IEndpointRouteBuilder app)
    {
        var merchant = app.MapGroup("/merchant/charges").WithTags("Backoffice: merchant").RequireSession(SessionScope.Merchant)
            .WithHeaders(new HeaderDoc("Authorization", true, "Bearer {jwt} with an initiated merchant session"));
        merchant.MapGet("", List)
            .WithName("ListMerchantCharges")
            .WithSummary("This merchant's charges, newest first: ?limit=1..100 (50), cursor (next_cursor of the previous page), " +
                "terminal_id, status (pending|approved|declined|authorized|cancelled|expired), from and to (RFC 3339, from inclusive, to exclusive).")
            .ProducesErrors(400, 401, 403, 503);
        merchant.MapGet("/{chargeId}", Get)
            .WithName("GetMerchantCharge")
            .WithSummary("One of this merchant's charges with its refunds; 404 for any other.")
            .ProducesErrors(401, 403, 404, 503);
        return app;
    }

    private static async Task<Ok<ChargePage>> List(HttpContext http, VioPayDbContext db, CancellationToken cancellationToken)
    {
        var merchantId = http.Session().MerchantId!.Value;
        var query = http.Request.Query;
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
        var page = rows.Take(limit).Select(c => new ChargeSummary(c.Id, c.TerminalId, c.DeviceId, c.Status,
            MoneyView.Of(c.AmountMinor, c.Currency), MoneyView.Of(c.RefundedMinor, c.Currency), new CardView(c.CardBrand, c.CardLast4),
            c.CreatedAt)).ToList();
        var next = rows.Count > limit ? Cursor(rows[limit - 1]) : null;
        return TypedResults.Ok(new ChargePage(page, next));
    }

    private static async Task<Ok<ChargeDetail>> Get(string chargeId, HttpContext http, VioPayDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok(await DetailAsync(db, http.Session().MerchantId!.Value, chargeId, cancellationToken));

    /// <summary>One of the merchant's charges with its refunds (also the answer of the backoffice cancel); 404 for any other.</summary>
    internal static async Task<ChargeDetail> DetailAsync(VioPayDbContext db, Guid merchantId, string chargeId, CancellationToken cancellationToken)
    {
        var c = await db.Charges.AsNoTracking().FirstOrDefaultAsync(c => c.Id == chargeId && c.MerchantId == merchantId, cancellationToken)
            ?? throw ChargeOperations.ChargeNotFound();
        return Detail(c, await RefundsAsync(db, c.Id, cancellationToken));
    }

    /// <summary>The refunds of a charge as its detail lists them, oldest first.</summary>
    internal static Task<List<ChargeRefund>> RefundsAsync(VioPayDbContext db, string chargeId, CancellationToken cancellationToken) =>
        db.Refunds.AsNoTracking().Where(r => r.ChargeId == chargeId).OrderBy(r => r.CreatedAt)
            .Select(r => new ChargeRefund(r.Id, r.Status, MoneyView.Of(r.AmountMinor, r.Currency), r.Reason, r.CreatedAt))
            .ToListAsync(cancellationToken);

    /// <summary>The detail of a charge in hand (also the <c>data</c> of its events, PROTOCOL §13.3).</summary>
    internal static ChargeDetail Detail(Charge c, IReadOnlyList<ChargeRefund> refunds) =>
        new(c.Id, c.TerminalId, c.DeviceId, c.Status, MoneyView.Of(c.AmountMinor, c.Currency),
            MoneyView.Of(c.RefundedMinor, c.Currency), new CardDetail(c.CardBrand, c.CardFirst6, c.CardLast4),
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
