using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Payments;

namespace VioPay.Api.Tests.Infrastructure;

/// <summary>Pre-authorizations, increments and captures on the test terminal (PROTOCOL §11.2–§11.4).</summary>
public static class HoldRequests
{
    /// <summary>An approved pre-authorization of <paramref name="amount"/> EUR minor units; answers its charge id.</summary>
    public static async Task<string> PreAuthorizedAsync(this TestTerminal t, string amount = "1000", string currency = "EUR")
    {
        var charge = await t.ChargeOkAsync(t.ChargeJson(amount: amount, currency: currency, authorizationType: "pre"));
        Assert.Equal("authorized", charge.Text("status"));
        return charge.Text("charge_id");
    }

    public static HttpRequestMessage IncrementRequest(this TestTerminal t, string chargeId, string amount, string currency = "EUR",
        string? idempotencyKey = null) =>
        t.Signed(HttpMethod.Post, $"/pos/charge/{chargeId}/increment",
            t.EncryptedBody(JsonSerializer.Serialize(new { amount = new { value = amount, currency } })), idempotencyKey);

    public static HttpRequestMessage CaptureRequest(this TestTerminal t, string chargeId, string? amount = null, string? tip = null,
        string currency = "EUR", string? tipCurrency = null, string? idempotencyKey = null)
    {
        var body = new Dictionary<string, object>();
        if (amount is not null)
        {
            body["amount"] = new { value = amount, currency };
        }

        if (tip is not null)
        {
            body["tip"] = new { value = tip, currency = tipCurrency ?? currency };
        }

        return t.Signed(HttpMethod.Post, $"/pos/charge/{chargeId}/capture", t.EncryptedBody(JsonSerializer.Serialize(body)), idempotencyKey);
    }

    public static HttpRequestMessage CancelRequest(this TestTerminal t, string chargeId, string verb = "cancel") =>
        t.Signed(HttpMethod.Post, $"/pos/charge/{chargeId}/{verb}", null);

    public static async Task<JsonElement> GetChargeAsync(this TestTerminal t, string chargeId) =>
        (await t.SendEncryptedOkAsync(t.Signed(HttpMethod.Get, $"/pos/charge/{chargeId}", null))).Body;

    public static string Value(this JsonElement e, string name) => e.GetProperty(name).Text("value");

    /// <summary>The 409 of a refused transition, with the status it names.</summary>
    public static async Task AssertRefusedAsync(this TestTerminal t, HttpRequestMessage request, string chargeStatus)
    {
        var error = await (await t.Http.SendAsync(request)).AssertErrorAsync(System.Net.HttpStatusCode.Conflict, "4009");
        Assert.Equal(chargeStatus, error.GetProperty("details").Text("charge_status"));
    }

    public static async Task<Charge> StoredChargeAsync(this VioPayApp app, string chargeId)
    {
        using var scope = app.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<VioPayDbContext>().Charges.AsNoTracking().SingleAsync(c => c.Id == chargeId);
    }

    public static async Task<List<AcquirerReversal>> DebtsAsync(this VioPayApp app, string chargeId)
    {
        using var scope = app.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<VioPayDbContext>().AcquirerReversals.AsNoTracking()
            .Where(r => r.ChargeId == chargeId).ToListAsync();
    }
}
