using System.Net;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Tests.Events;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Portal;

/// <summary>
/// Issue 13, the merchant portal, driven by a real headless Chromium against the app on a real Kestrel listener: a
/// merchant signs in, claims the device a test terminal shows the code of, sees the terminal's charge and refunds it. Every
/// page visited is screenshot to TestResults/portal/ and checked with axe-core for serious or critical violations.
/// </summary>
public sealed class PortalBrowserTests(PortalApp app) : IClassFixture<PortalApp>
{
    [BrowserFact]
    public async Task MerchantSignsInClaimsADeviceSeesItsChargeAndRefundsIt()
    {
        var merchant = await app.CreateMerchantAsync();
        var api = await app.PortalClientAsync(merchant);
        var terminal = await app.ProvisionAsync(api);
        var code = await terminal.PairingCodeAsync();
        using var browser = new Browser(app.BaseAddress);

        browser.Open("/portal");
        Assert.Contains("/portal/signin", browser.Url, StringComparison.Ordinal);
        Check(browser, "signin");
        browser.Type("#client_id", merchant.ClientId);
        browser.Type("#client_secret", merchant.ClientSecret);
        browser.ClickAndWait("main button[type=submit]");
        Assert.EndsWith("/portal/devices", browser.Url, StringComparison.Ordinal);
        Assert.Contains(terminal.DeviceId, browser.Text, StringComparison.Ordinal);

        browser.Open("/portal/devices/claim");
        Check(browser, "claim");
        browser.Type("#device_id", terminal.DeviceId);
        browser.Type("#pairing_code", code);
        browser.ClickAndWait("main button[type=submit]");
        Assert.Contains($"Device {terminal.DeviceId} is claimed as terminal TID-", browser.Find("#message").Text, StringComparison.Ordinal);
        Assert.Equal("status", browser.Find("#message").GetAttribute("role"));

        await terminal.ActivateFullyAsync();
        var chargeId = (await terminal.ChargeOkAsync(terminal.ChargeJson(amount: "1500"))).Text("charge_id");
        browser.Open($"/portal/devices/{terminal.DeviceId}");
        Assert.Contains("activated", browser.Text, StringComparison.Ordinal);
        Check(browser, "device");
        browser.Open("/portal/devices");
        Check(browser, "devices");

        browser.Open("/portal/charges");
        Assert.Contains(chargeId, browser.Text, StringComparison.Ordinal);
        Assert.Contains("EUR 15.00", browser.Text, StringComparison.Ordinal);
        Check(browser, "charges");
        browser.ClickAndWait($"a[href='/portal/charges/{chargeId}']");
        Check(browser, "charge");
        browser.Type("#amount", "4.25");
        browser.Type("#reason", "customer_request");
        browser.ClickAndWait("#refund");
        Assert.Contains("EUR 4.25: approved", browser.Find("#message").Text, StringComparison.Ordinal);
        Assert.Equal("EUR 4.25", browser.Find("#refunded").Text);
        browser.Screenshot("charge-refunded");

        using (var scope = app.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
            var refund = await db.Refunds.AsNoTracking().SingleAsync(r => r.ChargeId == chargeId);
            Assert.Equal(("approved", 425L, "EUR", "customer_request"), (refund.Status, refund.AmountMinor, refund.Currency, refund.Reason));
        }

        // More than what is left is refused with the API's words, and nothing changes.
        browser.Type("#amount", "20");
        browser.ClickAndWait("#refund");
        Assert.Equal("alert", browser.Find("#message").GetAttribute("role"));
        Assert.Contains("Refund exceeds the refundable amount. At most EUR 10.75 can be refunded.", browser.Find("#message").Text,
            StringComparison.Ordinal);

        await terminal.CloseOkAsync();
        browser.Open("/portal/batches");
        Assert.Contains("EUR 10.75 net (1 sale, 1 refund)", browser.Text, StringComparison.Ordinal);
        Check(browser, "batches");
        browser.Open("/portal/webhooks");
        Check(browser, "webhooks");

        browser.ClickAndWait("header button[type=submit]");
        Assert.Contains("/portal/signin", browser.Url, StringComparison.Ordinal);
        browser.Open("/portal/charges");
        Assert.Contains("/portal/signin", browser.Url, StringComparison.Ordinal);
    }

    [BrowserFact]
    public async Task AWrongSecretIsRefusedWithAPlainMessage()
    {
        var merchant = await app.CreateMerchantAsync();
        using var browser = new Browser(app.BaseAddress);

        browser.Open("/portal/signin");
        browser.Type("#client_id", merchant.ClientId);
        browser.Type("#client_secret", "not-the-secret");
        browser.ClickAndWait("main button[type=submit]");

        Assert.Contains("/portal/signin", browser.Url, StringComparison.Ordinal);
        Assert.Equal("alert", browser.Find("#message").GetAttribute("role"));
        Assert.Equal("Sign-in failed: the client id or secret is not right.", browser.Find("#message").Text);
        Assert.Equal("message", browser.Find("#client_secret").GetAttribute("aria-describedby"));
        Assert.Equal("", browser.Find("#client_secret").GetAttribute("value"));
        Check(browser, "signin-failed");
        browser.Open("/portal/devices");
        Assert.Contains("/portal/signin", browser.Url, StringComparison.Ordinal);
    }

    [BrowserFact]
    public async Task SuspendAndResumeWorkWithJavaScriptDisabled()
    {
        var (terminal, _, merchant) = await app.ActivatedTerminalAsync();
        using var browser = new Browser(app.BaseAddress, javaScript: false);
        browser.Open("/portal/signin");
        browser.Type("#client_id", merchant.ClientId);
        browser.Type("#client_secret", merchant.ClientSecret);
        browser.ClickAndWait("main button[type=submit]");

        browser.Open($"/portal/devices/{terminal.DeviceId}");
        browser.ClickAndWait("#suspend");
        Assert.Equal("yes", browser.Find("#suspended").Text);
        Assert.StartsWith("Device suspended", browser.Find("#message").Text, StringComparison.Ordinal);
        Assert.True(await SuspendedAsync(terminal.DeviceId));
        // The suspended device is refused at once by the POS API.
        var attest = await terminal.Http.SendAsync(terminal.Attest());
        Assert.Equal(HttpStatusCode.Forbidden, attest.StatusCode);

        browser.ClickAndWait("#resume");
        Assert.Equal("no", browser.Find("#suspended").Text);
        Assert.False(await SuspendedAsync(terminal.DeviceId));
        browser.ClickAndWait("#new-key-button");
        Assert.Matches("^[A-Za-z0-9+/=]{20,}$", browser.Find("#new-key-secret").Text);
        browser.Screenshot("device-new-key");
    }

    [BrowserFact]
    public async Task MerchantAddsAWebhookEndpointSeesItsSecretOncePingsItAndDeletesIt()
    {
        var merchant = await app.CreateMerchantAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        using var browser = new Browser(app.BaseAddress);
        browser.Open("/portal/signin");
        browser.Type("#client_id", merchant.ClientId);
        browser.Type("#client_secret", merchant.ClientSecret);
        browser.ClickAndWait("main button[type=submit]");

        // Refusals are form messages tied to their inputs, not error pages: first no event chosen, then a URL that is not http(s).
        browser.Open("/portal/webhooks");
        Assert.Contains("No webhook endpoint yet.", browser.Text, StringComparison.Ordinal);
        browser.Type("#url", receiver.Url());
        browser.ClickAndWait("#create-endpoint");
        Assert.Equal("alert", browser.Find("#message").GetAttribute("role"));
        Assert.Contains("events must be a non-empty array", browser.Find("#events-error").Text, StringComparison.Ordinal);
        Assert.Equal("events-error message", browser.Find("#events-all").GetAttribute("aria-describedby"));
        Assert.Equal(receiver.Url(), browser.Find("#url").GetAttribute("value"));
        browser.Type("#url", "ftp://example.com/hooks");
        browser.Find("#events-all").Click();
        browser.ClickAndWait("#create-endpoint");
        Assert.Contains("url must be an absolute https:// URL", browser.Find("#url-error").Text, StringComparison.Ordinal);
        Assert.Equal("url-hint url-error message", browser.Find("#url").GetAttribute("aria-describedby"));
        Assert.Equal("true", browser.Find("#url").GetAttribute("aria-invalid"));
        Check(browser, "webhooks-refused");

        browser.Type("#url", receiver.Url());
        Assert.True(browser.Find("#events-all").Selected);
        browser.Type("#description", "Till receiver");
        browser.ClickAndWait("#create-endpoint");
        var secret = browser.Find("#new-endpoint-secret").Text;
        Assert.Matches("^whsec_[0-9A-Za-z]{32}$", secret);
        Assert.StartsWith("Webhook endpoint we_", browser.Find("#message").Text, StringComparison.Ordinal);
        Check(browser, "webhook-created");
        var row = Assert.Single(browser.FindAll("tr[id^='endpoint-']"));
        var endpointId = row.GetAttribute("id")!["endpoint-".Length..];
        Assert.Contains("All events", row.Text, StringComparison.Ordinal);
        Assert.Contains("Till receiver", row.Text, StringComparison.Ordinal);

        // Shown once: the list page never carries it again.
        browser.Open("/portal/webhooks");
        Assert.Empty(browser.FindAll("#new-endpoint-secret"));
        Assert.DoesNotContain(secret, browser.Driver.PageSource, StringComparison.Ordinal);

        browser.ClickAndWait($"#ping-{endpointId}");
        var eventId = Regex.Match(browser.Find("#message").Text, "evt_[0-9A-Za-z]{24}").Value;
        Assert.NotEmpty(eventId);
        Assert.Equal(VioPay.Api.Events.EventTypes.Ping, (await receiver.WaitForEventAsync(eventId)).Type);
        // The dispatcher records the attempt after the receiver answered: reload until the page shows it (bounded).
        var attempts = "";
        for (var i = 0; i < 120 && !attempts.Contains("HTTP 200", StringComparison.Ordinal); i++)
        {
            if (i > 0)
            {
                await Task.Delay(250);
            }

            browser.Open("/portal/webhooks");
            attempts = browser.Find($"#event-{eventId}").Text;
        }

        Assert.Contains($"{endpointId} at ", attempts, StringComparison.Ordinal);
        Assert.Contains("HTTP 200", attempts, StringComparison.Ordinal);
        Check(browser, "webhooks");

        browser.ClickAndWait($"#delete-{endpointId}");
        Assert.Equal($"Webhook endpoint {endpointId} deleted: nothing more is sent to it.", browser.Find("#message").Text);
        Assert.Empty(browser.FindAll("tr[id^='endpoint-']"));
        using var scope = app.Services.CreateScope();
        var endpoint = await scope.ServiceProvider.GetRequiredService<VioPayDbContext>().WebhookEndpoints.AsNoTracking()
            .SingleAsync(e => e.Id == endpointId);
        Assert.NotNull(endpoint.DeletedAt);
    }

    [Fact]
    public async Task TheSecretAnswerIsNotCachedAndAnotherMerchantsEndpointIsA404Page()
    {
        var owner = await app.FormClient().SignedInAsync(await app.CreateMerchantAsync());
        var page = await owner.GetStringAsync("/portal/webhooks");
        var created = await owner.PostAsync("/portal/webhooks?handler=Create", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__af"] = PortalForms.AntiforgeryToken(page), ["url"] = "https://192.0.2.20/hooks", ["events"] = "charge.approved",
        }));
        var html = await created.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.Matches("id=\"new-endpoint-secret\">whsec_[0-9A-Za-z]{32}<", html);
        Assert.True(created.Headers.CacheControl?.NoStore);
        var endpointId = Regex.Match(html, "we_[0-9A-Za-z]{24}").Value;

        var attacker = await app.FormClient().SignedInAsync(await app.CreateMerchantAsync());
        var token = PortalForms.AntiforgeryToken(await attacker.GetStringAsync("/portal/webhooks"));
        foreach (var handler in new[] { "Test", "Delete" })
        {
            var response = await attacker.PostAsync($"/portal/webhooks?handler={handler}",
                new FormUrlEncodedContent(new Dictionary<string, string> { ["__af"] = token, ["endpoint_id"] = endpointId }));
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Contains("Webhook endpoint not found.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Contains(endpointId, await owner.GetStringAsync("/portal/webhooks"), StringComparison.Ordinal);
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
        Assert.Null((await db.WebhookEndpoints.AsNoTracking().SingleAsync(e => e.Id == endpointId)).DeletedAt);
        Assert.False(await db.WebhookDeliveries.AnyAsync(d => d.EndpointId == endpointId));
    }

    [Fact]
    public async Task APostWithoutTheAntiforgeryTokenIsRefusedAndChangesNothing()
    {
        var (terminal, _, merchant) = await app.ActivatedTerminalAsync();
        var client = await app.FormClient().SignedInAsync(merchant);

        var response = await client.PostAsync($"/portal/devices/{terminal.DeviceId}?handler=Suspend", new FormUrlEncodedContent([]));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Nothing was changed.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", string.Join(' ', response.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
        Assert.False(await SuspendedAsync(terminal.DeviceId));
        // The same form with the page's token works, so the refusal was the token's.
        var page = await client.GetStringAsync($"/portal/devices/{terminal.DeviceId}");
        var done = await client.PostAsync($"/portal/devices/{terminal.DeviceId}?handler=Suspend",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["__af"] = PortalForms.AntiforgeryToken(page) }));
        Assert.Equal(HttpStatusCode.Redirect, done.StatusCode);
        Assert.True(await SuspendedAsync(terminal.DeviceId));
    }

    [Fact]
    public async Task AMerchantCannotOpenAnotherMerchantsChargeDeviceOrBatch()
    {
        var (victim, _, _) = await app.ActivatedTerminalAsync();
        var chargeId = (await victim.ChargeOkAsync()).Text("charge_id");
        var batchId = (await victim.CloseOkAsync()).Text("batch_id");
        var attacker = await app.FormClient().SignedInAsync(await app.CreateMerchantAsync());

        foreach (var path in new[] { $"/portal/charges/{chargeId}", $"/portal/devices/{victim.DeviceId}", $"/portal/batches/{batchId}/transactions.csv" })
        {
            var response = await attacker.GetAsync(path);
            var html = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{path}: {(int)response.StatusCode}");
            Assert.DoesNotContain(chargeId, html, StringComparison.Ordinal);
            Assert.DoesNotContain(victim.TerminalId!, html, StringComparison.Ordinal);
        }

        // Nor act on them: a refund and a suspend with a valid token of the attacker's own session are 404 and change nothing.
        var token = PortalForms.AntiforgeryToken(await attacker.GetStringAsync("/portal/devices/claim"));
        var refund = await attacker.PostAsync($"/portal/charges/{chargeId}?handler=Refund",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["__af"] = token, ["amount"] = "1.00" }));
        var suspend = await attacker.PostAsync($"/portal/devices/{victim.DeviceId}?handler=Suspend",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["__af"] = token }));
        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (refund.StatusCode, suspend.StatusCode));
        Assert.False(await SuspendedAsync(victim.DeviceId));
        using var scope = app.Services.CreateScope();
        Assert.False(await scope.ServiceProvider.GetRequiredService<VioPayDbContext>().Refunds.AnyAsync(r => r.ChargeId == chargeId));
    }

    [Fact]
    public async Task PortalPagesCarryTheSecurityHeadersAndAreNotCached()
    {
        var client = await app.FormClient().SignedInAsync(await app.CreateMerchantAsync());

        foreach (var path in new[] { "/portal/signin", "/portal/devices", "/portal/charges", "/portal/batches", "/portal/webhooks" })
        {
            var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var csp = string.Join(' ', response.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
            Assert.DoesNotContain("script-src", csp, StringComparison.Ordinal);
            Assert.StartsWith("default-src 'none'", csp, StringComparison.Ordinal);
            Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
            Assert.Equal("same-origin", response.Headers.GetValues("Referrer-Policy").Single());
            Assert.True(response.Headers.CacheControl?.NoStore, path);
        }

        // Portal pages are not API: the OpenAPI document does not list them.
        Assert.DoesNotContain("/portal", await app.CreateClient().GetStringAsync("/openapi/v1.json"), StringComparison.Ordinal);
    }

    private static void Check(Browser browser, string page)
    {
        browser.Screenshot(page);
        Assert.Equal("en", browser.Find("html").GetAttribute("lang"));
        Assert.EndsWith("· VioPay merchant portal", browser.Title, StringComparison.Ordinal);
        var violations = browser.SeriousAccessibilityViolations();
        Assert.True(violations.Count == 0, $"{page}: " + string.Join('\n', violations));
    }

    private async Task<bool> SuspendedAsync(string deviceId)
    {
        using var scope = app.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<VioPayDbContext>().Devices.Where(d => d.Id == deviceId)
            .Select(d => d.Suspended).SingleAsync();
    }
}
