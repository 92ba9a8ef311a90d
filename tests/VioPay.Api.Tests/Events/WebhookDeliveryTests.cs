using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Events;

/// <summary>PROTOCOL §13.2: signed deliveries to a real receiver on 127.0.0.1, retried until a 2xx.</summary>
public sealed class WebhookDeliveryTests(WebhookApp app) : IClassFixture<WebhookApp>
{
    [Fact]
    public async Task ADeliveryIsSignedWithTheSecretShownAtCreationAndCarriesTheChargeAsTheBackofficeShowsIt()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (terminal, portal, _) = await app.ActivatedTerminalAsync();
        var endpoint = await portal.CreateEndpointAsync(receiver.Url(), "charge.approved");

        var chargeId = (await terminal.ChargeOkAsync()).Text("charge_id");
        var received = await receiver.WaitForAsync(r => r.Type == "charge.approved");

        Assert.Equal("application/json", received.Headers["Content-Type"]);
        Assert.Equal(received.EventId, received.Headers["VioPay-Event-Id"]);
        Assert.StartsWith("evt_", received.EventId, StringComparison.Ordinal);
        // The signature, checked as a receiver would, from the header and the raw bytes alone.
        var parts = received.Headers["VioPay-Signature"].Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal(["t", "v1"], parts.Keys);
        Assert.InRange(long.Parse(parts["t"], System.Globalization.CultureInfo.InvariantCulture),
            DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        var signed = Encoding.UTF8.GetBytes(parts["t"] + ".").Concat(received.Body).ToArray();
        Assert.Equal(Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(endpoint.Secret), signed)), parts["v1"]);
        Assert.True(VioPay.Crypto.WebhookSignature.Verify(endpoint.Secret, received.Headers["VioPay-Signature"], received.Body,
            DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));
        Assert.False(VioPay.Crypto.WebhookSignature.Verify(endpoint.Secret, received.Headers["VioPay-Signature"],
            [.. received.Body, (byte)' '], DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));

        // The body: {id, type, created_at, data}, data being GET /merchant/charges/{id}.
        var body = JsonNode.Parse(received.Body)!.AsObject();
        Assert.Equal(["id", "type", "created_at", "data"], body.Select(p => p.Key));
        Assert.Equal(chargeId, body["data"]!["charge_id"]!.GetValue<string>());
        var view = JsonNode.Parse((await portal.GetJsonAsync($"/merchant/charges/{chargeId}")).GetRawText());
        Assert.True(JsonNode.DeepEquals(view, body["data"]), $"{view}\n{body["data"]}");
        Assert.DoesNotContain(PaymentsTerminal.VisaApproved, Encoding.UTF8.GetString(received.Body), StringComparison.Ordinal);

        var attempts = await portal.AttemptsAsync(received.EventId, a => a.Length == 1);
        Assert.Equal(endpoint.Id, attempts[0].Text("endpoint_id"));
        Assert.Equal(200, attempts[0].StatusCode());
    }

    [Fact]
    public async Task AReceiverAnswering500IsRetriedUntilItAnswers200()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var answers = new Queue<int>([500, 500]);
        receiver.Answer = () => { lock (answers) { return answers.Count > 0 ? answers.Dequeue() : 200; } };
        var (_, portal, _) = await app.ActivatedTerminalAsync();
        // Subscribed to a type nothing here raises: the receiver gets the ping and nothing else.
        var endpoint = await portal.CreateEndpointAsync(receiver.Url(), "charge.expired");

        var eventId = await portal.PingAsync(endpoint.Id);
        var delivered = await receiver.WaitForEventAsync(eventId);

        Assert.Equal([500, 500, 200], receiver.Received.Where(r => r.EventId == eventId).Select(r => r.AnsweredStatus));
        Assert.Equal("ping", delivered.Type);
        var attempts = await portal.AttemptsAsync(eventId, a => a.Length == 3);
        Assert.Equal([500, 500, 200], attempts.Select(a => a.StatusCode()));
        Assert.All(attempts, a => Assert.Equal(endpoint.Id, a.Text("endpoint_id")));
        // Every attempt is the same event, signed afresh.
        Assert.Single(receiver.Received.Where(r => r.EventId == eventId).Select(r => Encoding.UTF8.GetString(r.Body)).Distinct());
    }

    [Fact]
    public async Task AnOutageOfTheReceiverIsSurvived()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (_, portal, _) = await app.ActivatedTerminalAsync();
        var endpoint = await portal.CreateEndpointAsync(receiver.Url());
        await receiver.StopAsync();

        var eventId = await portal.PingAsync(endpoint.Id);
        // The port is closed: attempts fail without a status, and the delivery stays owed.
        var failed = await portal.AttemptsAsync(eventId, a => a.Length >= 2);
        Assert.All(failed, a => Assert.Null(a.StatusCode()));
        Assert.All(failed, a => Assert.False(string.IsNullOrEmpty(a.Text("error"))));

        await receiver.StartAgainAsync();
        var delivered = await receiver.WaitForEventAsync(eventId);
        Assert.Equal(eventId, delivered.Headers["VioPay-Event-Id"]);
        var attempts = await portal.AttemptsAsync(eventId, a => a.Any(x => x.StatusCode() == 200));
        Assert.Equal(200, attempts[^1].StatusCode());
    }

    [Fact]
    public async Task APingGoesToItsEndpointOnlyAndADeletedEndpointReceivesNothingMore()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (terminal, portal, _) = await app.ActivatedTerminalAsync();
        var first = await portal.CreateEndpointAsync(receiver.Url("/first"));
        var second = await portal.CreateEndpointAsync(receiver.Url("/second"), "charge.approved", "refund.created");

        var ping = await portal.PingAsync(first.Id);
        await receiver.WaitForEventAsync(ping);
        using (var scope = app.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
            Assert.Equal([first.Id], await db.WebhookDeliveries.Where(d => d.EventId == ping).Select(d => d.EndpointId).ToListAsync());
        }

        Assert.Equal(HttpStatusCode.NoContent, (await portal.DeleteAsync($"/merchant/webhook-endpoints/{first.Id}")).StatusCode);
        await (await portal.DeleteAsync($"/merchant/webhook-endpoints/{first.Id}")).AssertErrorAsync(HttpStatusCode.NotFound, "4004");
        await (await portal.PostAsync($"/merchant/webhook-endpoints/{first.Id}/test", null)).AssertErrorAsync(HttpStatusCode.NotFound, "4004");
        var listed = (await portal.GetJsonAsync("/merchant/webhook-endpoints")).GetProperty("data").EnumerateArray().Select(e => e.Text("id"));
        Assert.Equal([second.Id], listed);

        // A charge after the delete: the second endpoint (subscribed) gets it; the deleted one is not even owed it.
        var chargeId = (await terminal.ChargeOkAsync()).Text("charge_id");
        var approved = await receiver.WaitForAsync(r => r.Type == "charge.approved" && r.Json.GetProperty("data").Text("charge_id") == chargeId);
        using (var scope = app.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
            Assert.Equal([second.Id], await db.WebhookDeliveries.Where(d => d.EventId == approved.EventId).Select(d => d.EndpointId).ToListAsync());
        }

        Assert.Equal("/second", approved.Path);
        Assert.DoesNotContain(receiver.Received, r => r.EventId == approved.EventId && r.Path == "/first");
        Assert.DoesNotContain(receiver.Received, r => r.EventId == ping && r.Path == "/second");
    }
}
