using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using VioPay.Api.Payments;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Payments;

/// <summary>
/// A refund the acquirer has not answered at close time stays out of the batch and joins the one open when it is approved;
/// a backoffice refund left pending keeps its first answer under the merchant's key and is completed by the sweep. Each test moves its app's clock.
/// </summary>
public sealed class BatchPendingRefundTests : IAsyncLifetime
{
    private readonly RefundLedgerApp app = new();

    public Task InitializeAsync() => app.InitializeAsync();

    public Task DisposeAsync() => app.DisposeAsync();

    [Fact]
    public async Task APendingRefundJoinsTheBatchOpenWhenTheAcquirerApprovesIt()
    {
        var (t, _, _) = await app.ActivatedTerminalAsync();
        var chargeId = await t.ChargeIdAsync(amount: "1500");
        app.Acquirer.LoseNextAnswers(1);
        Assert.Equal("pending", (await t.SendEncryptedOkAsync(t.RefundRequest(chargeId, "500"))).Body.Text("status"));

        var first = await t.CloseOkAsync();
        Assert.Equal((1, "1500", "0", 0, "0", 0, "1500"), first.Total("EUR"));

        app.Time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(1, (await app.RunMaintenanceAsync()).RefundsResolved);
        var second = await t.CloseOkAsync();
        Assert.Equal((0, "0", "0", 1, "500", 0, "-500"), second.Total("EUR"));
    }

    [Fact]
    public async Task ABackofficeRefundLeftPendingIsAnsweredUnderTheMerchantsKeyAndCompletedByTheSweep()
    {
        var (t, portal, _) = await app.ActivatedTerminalAsync();
        var chargeId = await t.ChargeIdAsync(amount: "1500");
        var key = Guid.NewGuid().ToString();
        HttpRequestMessage Refund() => new(HttpMethod.Post, $"/merchant/charges/{chargeId}/refund")
        {
            Content = JsonContent.Create(new { amount = new { value = "500", currency = "EUR" } }),
            Headers = { { "Idempotency-Key", key } },
        };
        app.Acquirer.LoseNextAnswers(1);
        var firstText = await (await portal.SendAsync(Refund())).Content.ReadAsStringAsync();
        var first = JsonSerializer.Deserialize<JsonElement>(firstText);
        Assert.Equal("pending", first.Text("status"));

        // The merchant-scoped key holds the first answer (a key left in flight would be 409 here).
        var retry = await portal.SendAsync(Refund());
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal("true", retry.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(firstText, await retry.Content.ReadAsStringAsync());

        app.Time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(1, (await app.RunMaintenanceAsync()).RefundsResolved);
        var (_, refunds) = await app.StoredAsync(chargeId);
        var refund = Assert.Single(refunds);
        Assert.Equal((first.Text("refund_id"), RefundStatus.Approved), (refund.Id, refund.Status));
        Assert.Equal(500, app.Acquirer.RefundedFor(chargeId));
    }
}
