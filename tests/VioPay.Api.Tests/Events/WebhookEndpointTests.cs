using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VioPay.Api.Events;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Infrastructure.Security;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Events;

/// <summary>
/// PROTOCOL §13.1 outside Development (the tests run as "Testing"): https only, no private networks, the secret shown
/// once and kept only under the LMK, and a name that resolves inside at delivery time still reaches nothing.
/// </summary>
public sealed class WebhookEndpointTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    // A public address (TEST-NET-1, documentation only, never routed) as a literal, so creation needs no DNS.
    private const string PublicUrl = "https://192.0.2.10/hooks";

    [Fact]
    public async Task TheSecretIsShownOnceAtCreationAndKeptOnlyUnderTheLmk()
    {
        var merchant = await app.CreateMerchantAsync();
        var portal = await app.PortalClientAsync(merchant);
        var response = await portal.PostAsJsonAsync("/merchant/webhook-endpoints",
            new { url = PublicUrl, events = new[] { "charge.approved", "refund.created", "charge.approved" }, description = "ERP" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var created = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var id = created.Text("id");
        var secret = created.Text("secret");
        Assert.Matches(new Regex("^we_[0-9A-Za-z]{24}$"), id);
        Assert.Matches(new Regex("^whsec_[0-9A-Za-z]{32}$"), secret);
        Assert.Equal(["charge.approved", "refund.created"], created.GetProperty("events").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(PublicUrl, created.Text("url"));

        var list = await portal.GetStringAsync("/merchant/webhook-endpoints");
        Assert.Contains(id, list, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, list, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", list, StringComparison.Ordinal);

        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
        var row = await db.WebhookEndpoints.AsNoTracking().SingleAsync(e => e.Id == id);
        Assert.DoesNotContain(secret, row.SecretBlock, StringComparison.Ordinal);
        var stored = scope.ServiceProvider.GetRequiredService<LocalMasterKey>().Unprotect(StoredKeys.WebhookSecret(id), row.SecretBlock);
        Assert.Equal(secret, Encoding.UTF8.GetString(stored));
        // Bound to its endpoint: the block does not open as another endpoint's secret.
        Assert.ThrowsAny<Exception>(() => scope.ServiceProvider.GetRequiredService<LocalMasterKey>()
            .Unprotect(StoredKeys.WebhookSecret(WebhookEndpoint.NewId()), row.SecretBlock));
    }

    [Theory]
    [InlineData("https://127.0.0.1/hooks")]
    [InlineData("https://localhost:8443/hooks")]
    [InlineData("https://10.20.30.40/hooks")]
    [InlineData("https://172.16.0.1/hooks")]
    [InlineData("https://192.168.1.10/hooks")]
    [InlineData("https://100.64.0.1/hooks")]
    [InlineData("https://169.254.169.254/latest/meta-data")]
    [InlineData("https://[::1]/hooks")]
    [InlineData("https://[fd00:ec2::254]/latest")]
    [InlineData("https://[fe80::1]/hooks")]
    [InlineData("https://[::ffff:10.0.0.1]/hooks")]
    [InlineData("https://0.0.0.0/hooks")]
    public async Task AUrlIntoAPrivateNetworkIsRefusedOutsideDevelopment(string url)
    {
        var portal = await app.PortalClientAsync(await app.CreateMerchantAsync());
        var error = await (await portal.PostAsJsonAsync("/merchant/webhook-endpoints", new { url, events = new[] { "*" } }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "4000");
        Assert.Equal("private_network", error.GetProperty("details").Text("reason"));
        Assert.True(error.GetProperty("details").GetProperty("fields").TryGetProperty("url", out _));
        Assert.Empty((await portal.GetJsonAsync("/merchant/webhook-endpoints")).GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task OnlyHttpsIsAcceptedUnlessPlainHttpIsAllowed()
    {
        var portal = await app.PortalClientAsync(await app.CreateMerchantAsync());
        var error = await (await portal.PostAsJsonAsync("/merchant/webhook-endpoints", new { url = "http://192.0.2.10/hooks", events = new[] { "*" } }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "4000");
        Assert.Equal("https_required", error.GetProperty("details").Text("reason"));
        foreach (var url in new[] { "ftp://192.0.2.10/x", "/relative", "https://user:pw@192.0.2.10/x", "not a url" })
        {
            var refused = await (await portal.PostAsJsonAsync("/merchant/webhook-endpoints", new { url, events = new[] { "*" } }))
                .AssertErrorAsync(HttpStatusCode.BadRequest, "4000");
            Assert.Equal("invalid_url", refused.GetProperty("details").Text("reason"));
        }
    }

    [Fact]
    public async Task EventsMustBeKnownTypesOrTheWildcardAlone()
    {
        var portal = await app.PortalClientAsync(await app.CreateMerchantAsync());
        foreach (var events in new object?[] { null, Array.Empty<string>(), new[] { "charge.nope" }, new[] { "*", "charge.approved" } })
        {
            var error = await (await portal.PostAsJsonAsync("/merchant/webhook-endpoints", new { url = PublicUrl, events }))
                .AssertErrorAsync(HttpStatusCode.BadRequest, "4000");
            Assert.True(error.GetProperty("details").GetProperty("fields").TryGetProperty("events", out _), error.ToString());
        }

        await (await portal.PostAsJsonAsync("/merchant/webhook-endpoints", new { url = PublicUrl, events = new[] { "*" }, description = new string('x', 201) }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "4000");
        await (await portal.PostAsync("/merchant/webhook-endpoints", new StringContent("{\"url\":", Encoding.UTF8, "application/json")))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "4000");
    }

    [Fact]
    public async Task ANameThatResolvesInsideAtDeliveryTimeReachesNothing()
    {
        // As if the host had resolved to a public address when the endpoint was created and to 127.0.0.1 since
        // (DNS rebinding): the row is written directly, past the creation check, and the receiver really listens.
        await using var receiver = await WebhookReceiver.StartAsync();
        var merchant = await app.CreateMerchantAsync();
        var portal = await app.PortalClientAsync(merchant);
        var id = WebhookEndpoint.NewId();
        using (var scope = app.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
            var lmk = scope.ServiceProvider.GetRequiredService<LocalMasterKey>();
            db.WebhookEndpoints.Add(new WebhookEndpoint
            {
                Id = id, MerchantId = merchant.MerchantId, Url = receiver.Url().Replace("127.0.0.1", "localhost", StringComparison.Ordinal),
                Events = ["*"], CreatedAt = DateTimeOffset.UtcNow,
                SecretBlock = lmk.Protect(StoredKeys.WebhookSecret(id), Encoding.UTF8.GetBytes(WebhookEndpoint.NewSecret())),
            });
            await db.SaveChangesAsync();
        }

        var eventId = await portal.PingAsync(id);
        var attempts = await portal.AttemptsAsync(eventId, a => a.Length >= 1);
        Assert.Equal("private_network", attempts[0].Text("error"));
        Assert.Null(attempts[0].StatusCode());
        Assert.Empty(receiver.Received);
    }

    [Fact]
    public void TheDefaultsAreTheProtocols()
    {
        var options = new WebhookOptions();
        Assert.Equal((10, 72), (options.TimeoutSeconds, options.GiveUpAfterHours));
        Assert.Equal([60, 120, 240, 480, 960, 1920, 3600, 3600],
            Enumerable.Range(1, 8).Select(n => (int)options.RetryDelay(n).TotalSeconds));
        var section = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<WebhookOptions>>().Value;
        Assert.Null(section.AllowHttp);
        Assert.False(app.Services.GetRequiredService<WebhookUrls>().AllowsHttp);
        Assert.True(app.Services.GetRequiredService<WebhookUrls>().BlocksPrivateNetworks);
    }
}
