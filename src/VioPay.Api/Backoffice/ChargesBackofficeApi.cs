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

    private static async Task<Ok<ChargePage>> List(HttpContext http, VioPayDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok(await ChargeQueries.ListAsync(db, http.Session().MerchantId!.Value, http.Request.Query, cancellationToken));

    private static async Task<Ok<ChargeDetail>> Get(string chargeId, HttpContext http, VioPayDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok(await ChargeQueries.DetailAsync(db, http.Session().MerchantId!.Value, chargeId, cancellationToken));
}
