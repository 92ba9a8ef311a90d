using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using VioPay.Api.Payments;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Events;

/// <summary>PROTOCOL §13.3: the events a merchant's changes raise, each with the backoffice view as data, and their list.</summary>
public sealed class EventsApiTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    [Fact]
    public async Task ChargesRefundsBatchesAndDevicesRaiseEventsCarryingTheBackofficeView()
    {
        var (terminal, portal, _) = await app.ActivatedTerminalAsync();
        var claimed = await portal.EventAsync("device.claimed");
        var activated = await portal.EventAsync("device.activated");
        Assert.Equal(terminal.DeviceId, claimed.GetProperty("data").Text("device_id"));
        Assert.Equal("claimed", claimed.GetProperty("data").Text("status"));
        Assert.Equal("activated", activated.GetProperty("data").Text("status"));
        Assert.Equal(terminal.TerminalId, activated.GetProperty("data").Text("terminal_id"));

        var approvedId = (await terminal.ChargeOkAsync()).Text("charge_id");
        var approved = await portal.EventAsync("charge.approved", e => e.GetProperty("data").Text("charge_id") == approvedId);
        AssertSameJson(await portal.GetJsonAsync($"/merchant/charges/{approvedId}"), approved.GetProperty("data"));
        Assert.Equal("approved", approved.GetProperty("data").Text("status"));

        var declinedId = (await terminal.ChargeOkAsync(terminal.ChargeJson(pan: AcquirerSimulator.DeclinedCard))).Text("charge_id");
        var declined = await portal.EventAsync("charge.declined", e => e.GetProperty("data").Text("charge_id") == declinedId);
        AssertSameJson(await portal.GetJsonAsync($"/merchant/charges/{declinedId}"), declined.GetProperty("data"));
        Assert.Equal("card_declined", declined.GetProperty("data").Text("decline_code"));

        // An expired card is declined by the server itself, in the charge's first statement (its key claimed in the same
        // one): the event comes with it, and a replay of the key raises nothing more.
        var key = Guid.NewGuid().ToString();
        var expiredJson = terminal.ChargeJson(expiryYear: 2020);
        var expiredId = (await terminal.ChargeOkAsync(expiredJson, key)).Text("charge_id");
        var expired = await portal.EventAsync("charge.declined", e => e.GetProperty("data").Text("charge_id") == expiredId);
        Assert.Equal("expired_card", expired.GetProperty("data").Text("decline_code"));
        Assert.Equal(expiredId, (await terminal.ChargeOkAsync(expiredJson, key)).Text("charge_id"));
        var declinedEvents = (await portal.GetJsonAsync("/merchant/events?type=charge.declined")).GetProperty("data").EnumerateArray();
        Assert.Single(declinedEvents, e => e.GetProperty("data").Text("charge_id") == expiredId);

        var refund = (await terminal.SendEncryptedOkAsync(terminal.RefundRequest(approvedId, "500"))).Body;
        var refunded = await portal.EventAsync("refund.created", e => e.GetProperty("data").Text("refund_id") == refund.Text("refund_id"));
        Assert.Equal(approvedId, refunded.GetProperty("data").Text("charge_id"));
        Assert.Equal("500", refunded.GetProperty("data").GetProperty("amount").Text("value"));

        var batchId = (await terminal.CloseOkAsync()).Text("batch_id");
        var closed = await portal.EventAsync("batch.closed", e => e.GetProperty("data").Text("batch_id") == batchId);
        AssertSameJson(await portal.GetJsonAsync($"/merchant/batches/{batchId}"), closed.GetProperty("data"));

        // No card number anywhere in any event: first six and last four only.
        var all = await portal.GetStringAsync("/merchant/events?limit=100");
        foreach (var pan in new[] { PaymentsTerminal.VisaApproved, AcquirerSimulator.DeclinedCard })
        {
            Assert.DoesNotContain(pan, all, StringComparison.Ordinal);
        }

        Assert.Equal("411111", approved.GetProperty("data").GetProperty("card").Text("first6"));
    }

    [Fact]
    public async Task AHoldRaisesAuthorizedCapturedAndACancelRaisesCancelled()
    {
        var (terminal, portal, _) = await app.ActivatedTerminalAsync();
        var holdId = (await terminal.ChargeOkAsync(terminal.ChargeJson(authorizationType: "pre"))).Text("charge_id");
        await portal.EventAsync("charge.authorized", e => e.GetProperty("data").Text("charge_id") == holdId);
        await terminal.SendEncryptedOkAsync(terminal.CaptureRequest(holdId));
        var captured = await portal.EventAsync("charge.captured", e => e.GetProperty("data").Text("charge_id") == holdId);
        Assert.Equal("approved", captured.GetProperty("data").Text("status"));

        var saleId = (await terminal.ChargeOkAsync()).Text("charge_id");
        Assert.Equal(HttpStatusCode.OK, (await portal.PostAsync($"/merchant/charges/{saleId}/cancel", null)).StatusCode);
        var cancelled = await portal.EventAsync("charge.cancelled", e => e.GetProperty("data").Text("charge_id") == saleId);
        AssertSameJson(await portal.GetJsonAsync($"/merchant/charges/{saleId}"), cancelled.GetProperty("data"));
        // A repeated cancel changes nothing and raises nothing.
        Assert.Equal(HttpStatusCode.OK, (await portal.PostAsync($"/merchant/charges/{saleId}/cancel", null)).StatusCode);
        var page = await portal.GetJsonAsync("/merchant/events?type=charge.cancelled");
        Assert.Single(page.GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task TestPingsAreLimitedPerMerchantAndTheRefusedOneWritesNoEvent()
    {
        var merchant = await app.CreateMerchantAsync();
        var portal = await app.PortalClientAsync(merchant);
        var endpoint = await portal.CreateEndpointAsync("https://192.0.2.12/hooks");
        for (var i = 0; i < 10; i++)
        {
            await portal.PingAsync(endpoint.Id);
        }

        await (await portal.PostAsync($"/merchant/webhook-endpoints/{endpoint.Id}/test", null))
            .AssertErrorAsync(HttpStatusCode.TooManyRequests, "4029");
        var events = await portal.GetFromJsonAsync<JsonElement>("/merchant/events?type=ping&limit=100");
        Assert.Equal(10, events.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task TheListIsNewestFirstPagedByCursorAndFilteredByType()
    {
        var merchant = await app.CreateMerchantAsync();
        var portal = await app.PortalClientAsync(merchant);
        var endpoint = await portal.CreateEndpointAsync("https://192.0.2.10/hooks");
        var pings = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            pings.Add(await portal.PingAsync(endpoint.Id));
        }

        var seen = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var page = await portal.GetJsonAsync("/merchant/events?limit=2" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)));
            Assert.InRange(page.GetProperty("data").GetArrayLength(), 1, 2);
            seen.AddRange(page.GetProperty("data").EnumerateArray());
            cursor = page.GetProperty("next_cursor").ValueKind == JsonValueKind.Null ? null : page.Text("next_cursor");
        }
        while (cursor is not null);

        Assert.Equal(pings.AsEnumerable().Reverse(), seen.Select(e => e.Text("id")));
        Assert.All(seen, e => Assert.Equal(endpoint.Id, e.GetProperty("data").Text("endpoint_id")));
        var created = seen.Select(e => e.GetProperty("created_at").GetDateTimeOffset()).ToList();
        Assert.Equal(created.OrderByDescending(t => t), created);

        Assert.Equal(5, (await portal.GetJsonAsync("/merchant/events?type=ping")).GetProperty("data").GetArrayLength());
        Assert.Empty((await portal.GetJsonAsync("/merchant/events?type=charge.approved")).GetProperty("data").EnumerateArray());
        foreach (var query in new[] { "type=charge.bogus", "limit=0", "limit=101", "cursor=nonsense" })
        {
            await (await portal.GetAsync("/merchant/events?" + query)).AssertErrorAsync(HttpStatusCode.BadRequest, "4000");
        }

        var one = await portal.GetJsonAsync($"/merchant/events/{pings[0]}");
        Assert.Equal("ping", one.Text("type"));
        Assert.Equal(JsonValueKind.Array, one.GetProperty("delivery_attempts").ValueKind);

        // Another merchant's event and endpoint are simply not found.
        var other = await app.PortalClientAsync(await app.CreateMerchantAsync());
        await (await other.GetAsync($"/merchant/events/{pings[0]}")).AssertErrorAsync(HttpStatusCode.NotFound, "4004");
        await (await other.PostAsync($"/merchant/webhook-endpoints/{endpoint.Id}/test", null)).AssertErrorAsync(HttpStatusCode.NotFound, "4004");
        await (await other.DeleteAsync($"/merchant/webhook-endpoints/{endpoint.Id}")).AssertErrorAsync(HttpStatusCode.NotFound, "4004");
        Assert.Empty((await other.GetJsonAsync("/merchant/events")).GetProperty("data").EnumerateArray());
    }

    private static void AssertSameJson(JsonElement expected, JsonElement actual)
    {
        var (left, right) = (JsonNode.Parse(expected.GetRawText()), JsonNode.Parse(actual.GetRawText()));
        Assert.True(JsonNode.DeepEquals(left, right), $"expected {left}\nactual   {right}");
    }
}
