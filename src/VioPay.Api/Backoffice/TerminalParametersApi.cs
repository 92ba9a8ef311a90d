using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using VioPay.Api.Audit;
using VioPay.Api.Infrastructure;
using VioPay.Api.Infrastructure.OpenApi;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Sessions;

namespace VioPay.Api.Backoffice;

/// <summary>
/// <c>PUT /merchant/terminal-parameters</c>: any JSON object, served to the merchant's devices by
/// <c>/pos/terminal-parameters</c> gzip'd and chunked (PROTOCOL §7).
/// </summary>
public static class TerminalParametersApi
{
    public static IEndpointRouteBuilder MapTerminalParametersApi(this IEndpointRouteBuilder app)
    {
        var bearer = new HeaderDoc("Authorization", true, "Bearer {jwt} with an initiated session");
        var merchant = app.MapGroup("/merchant").WithTags("Backoffice: merchant").RequireSession(SessionScope.Merchant).WithHeaders(bearer);
        merchant.MapPut("/terminal-parameters", Put)
            .WithName("PutTerminalParameters")
            .WithSummary("The terminal parameters JSON object /pos/terminal-parameters serves (gzip'd, chunked).")
            .DocumentsJsonBody<JsonObject>()
            .ProducesErrors(400, 401, 403, 413, 415, 503);
        return app;
    }

    private static async Task<Ok<JsonObject>> Put(HttpContext http, VioPayDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var parameters = BackofficeJson.Read<JsonObject>(http);
        var session = http.Session();
        // The body was checked (so it is a JSON object) but the bytes stored are the merchant's own, so terminals receive
        // exactly what was uploaded.
        var json = Encoding.UTF8.GetString(http.RawBody().Bytes);
        await db.Merchants.Where(m => m.Id == session.MerchantId)
            .ExecuteUpdateAsync(u => u.SetProperty(m => m.TerminalParametersJson, json).SetProperty(m => m.UpdatedAt, time.GetUtcNow()), cancellationToken);
        AuditLog.Record(db, time, Actor.User(session.UserId), "merchant.terminal_parameters_updated", merchantId: session.MerchantId,
            data: new { bytes = json.Length });
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(parameters);
    }
}
