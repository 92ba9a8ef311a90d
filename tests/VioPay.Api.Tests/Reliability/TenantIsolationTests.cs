using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Tests.Infrastructure;
using VioPay.Api.Tests.Portal;

namespace VioPay.Api.Tests.Reliability;

/// <summary>
/// Issue 6, broken object-level authorization: for every route of the API (read from its own endpoint table, so a
/// new route without a case here fails this test), merchant B, its terminal and its reseller reach for merchant A's
/// devices, keys, charges, refunds and settings, and get 401, 403 or 404, with A's data unchanged.
/// </summary>
public sealed class TenantIsolationTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    [Fact]
    public async Task NoRouteLetsOneTenantReachAnothersData()
    {
        // Victim A: an activated terminal with a charge, a refund and an Idempotency-Key; an unclaimed device with a live code.
        var (victim, portalA, merchantA) = await app.ActivatedTerminalAsync();
        var keyA = Guid.NewGuid().ToString();
        var chargeA = (await victim.ChargeOkAsync(idempotencyKey: keyA)).Text("charge_id");
        await victim.SendEncryptedOkAsync(victim.RefundRequest(chargeA, "100"));
        var unclaimedA = await app.ProvisionAsync(portalA);
        var codeA = await unclaimedA.PairingCodeAsync();
        var inventoryA = await app.InventoryAssignedToAsync(merchantA);
        var inventoryCodeA = await inventoryA.PairingCodeAsync();
        // A closed batch of A (with a charge in it), and an approved charge of A's open batch.
        var batchA = (await victim.CloseOkAsync()).Text("batch_id");
        var openChargeA = (await victim.ChargeOkAsync()).Text("charge_id");
        var settingsA = await portalA.PutAsJsonAsync("/merchant/settings", new { tip_info = new { enabled = true } });
        Assert.Equal(HttpStatusCode.OK, settingsA.StatusCode);

        // A webhook endpoint of A (TEST-NET-1: never routed) and one of A's events.
        var endpointA = await portalA.PostAsJsonAsync("/merchant/webhook-endpoints", new { url = "https://192.0.2.10/hooks", events = new[] { "*" } });
        Assert.Equal(HttpStatusCode.Created, endpointA.StatusCode);
        var endpointIdA = JsonDocument.Parse(await endpointA.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        var eventA = JsonDocument.Parse(await portalA.GetStringAsync("/merchant/events?limit=1")).RootElement.GetProperty("data")[0]
            .GetProperty("id").GetString()!;

        // Attacker B: another merchant of another reseller, with its own activated terminal and a reseller user.
        var (attacker, portalB, merchantB) = await app.ActivatedTerminalAsync();
        await attacker.AttestAsync();
        var resellerB = await app.ResellerClientAsync(merchantB.ResellerId);

        HttpClient? portalCookieB = null;
        async Task<HttpClient> PortalB() => portalCookieB ??= await app.CreateClient(PortalForms.ClientOptions).SignedInAsync(merchantB);
        async Task Expect(HttpResponseMessage response, HttpStatusCode status, string code) => await response.AssertErrorAsync(status, code);
        HttpRequestMessage AsVictimDevice(HttpRequestMessage request)
        {
            request.Headers.Remove("X-Device-Id");
            request.Headers.TryAddWithoutValidation("X-Device-Id", victim.DeviceId);
            return request;
        }

        var cases = new Dictionary<string, Func<Task>>
        {
            // No tenant's data behind these.
            ["GET /health/live"] = () => Task.CompletedTask,
            ["GET /health/ready"] = () => Task.CompletedTask,
            ["GET /openapi/{documentName}.json"] = () => Task.CompletedTask,
            // The API reference (Scalar): a page and its static scripts, the same for everyone.
            ["GET /docs/{documentName?}"] = () => Task.CompletedTask,
            ["GET /docs/scalar.js"] = () => Task.CompletedTask,
            ["GET /docs/scalar.aspnetcore.js"] = () => Task.CompletedTask,
            ["GET /docs/favicon.svg"] = () => Task.CompletedTask,
            // Counts by status, brand and reason; no id is ever a label (MetricsTests, DevelopmentInstanceTests).
            ["GET /metrics"] = () => Task.CompletedTask,
            ["POST /session/initiate"] = () => Task.CompletedTask,

            // Client credentials: B's client id with A's secret, and the reverse, are refused.
            ["POST /client/session"] = async () => await Expect(await app.CreateClient().PostAsJsonAsync("/client/session",
                new { client_id = merchantB.ClientId, client_secret = merchantA.ClientSecret, grant_type = "client_credentials" }),
                HttpStatusCode.Unauthorized, "4001"),
            ["POST /auth/token"] = async () => await Expect(await app.CreateClient().PostAsJsonAsync("/auth/token",
                new { client_id = merchantA.ClientId, client_secret = merchantB.ClientSecret, grant_type = "client_credentials" }),
                HttpStatusCode.Unauthorized, "4001"),

            // Activation headers name a device and carry no secret (seed 001): what they reveal is the device's own
            // status, and on a claimed device nothing can be changed.
            ["POST /pos/bootstrap"] = async () => Assert.Equal(HttpStatusCode.OK, (await app.CreateClient().SendAsync(victim.Activation(HttpMethod.Post, "/pos/bootstrap"))).StatusCode),
            ["GET /pos/status"] = async () =>
            {
                var status = await victim.SendOkAsync(victim.Activation(HttpMethod.Get, "/pos/status"));
                Assert.Equal(["device_status", "is_claimed", "pairing_code_status"], status.EnumerateObject().Select(p => p.Name));
            },
            ["POST /pos/pairing-code"] = async () => await Expect(await app.CreateClient().SendAsync(victim.Activation(HttpMethod.Post, "/pos/pairing-code")),
                HttpStatusCode.Conflict, "4009"),

            // B claims A's device with its real code: 403 (PROTOCOL §3), and the device stays A's, unclaimed.
            // The same for inventory A's reseller assigned to A (PROTOCOL §12.1).
            ["POST /pos/claim"] = async () =>
            {
                await Expect(await portalB.ClaimAsync(unclaimedA.DeviceId, codeA), HttpStatusCode.Forbidden, "4003");
                await Expect(await portalB.ClaimAsync(inventoryA.DeviceId, inventoryCodeA), HttpStatusCode.Forbidden, "4003");
            },

            // B's identity key presented for A's device: not a key of that device (fine point 8: 404).
            ["POST /pos/attest"] = async () =>
            {
                var request = attacker.Attest();
                AsVictimDevice(request);
                await Expect(await attacker.Http.SendAsync(request), HttpStatusCode.NotFound, "4004");
            },

            // B's attestation token with A's device id.
            ["POST /pos/keys"] = async () => await Expect(await attacker.Http.SendAsync(AsVictimDevice(attacker.WithToken("/pos/keys"))), HttpStatusCode.Unauthorized, "4001"),
            ["POST /pos/config"] = async () => await Expect(await attacker.Http.SendAsync(AsVictimDevice(attacker.WithToken("/pos/config"))), HttpStatusCode.Unauthorized, "4001"),
            ["POST /pos/terminal-parameters"] = async () => await Expect(await attacker.Http.SendAsync(AsVictimDevice(attacker.WithToken("/pos/terminal-parameters"))), HttpStatusCode.Unauthorized, "4001"),
            ["POST /pos/activate"] = async () => await Expect(await attacker.Http.SendAsync(AsVictimDevice(attacker.WithToken("/pos/activate", attacker.EncryptedBody("{}")))), HttpStatusCode.Unauthorized, "4001"),

            // Terminal B and A's charge, refund and key.
            ["GET /pos/charge/{chargeId}"] = async () => await Expect(await attacker.Http.SendAsync(attacker.Signed(HttpMethod.Get, $"/pos/charge/{chargeA}", null)), HttpStatusCode.NotFound, "4004"),
            ["POST /pos/charge/{chargeId}/refund"] = async () => await Expect(await attacker.Http.SendAsync(attacker.RefundRequest(chargeA, "100")), HttpStatusCode.NotFound, "4004"),
            ["POST /pos/charge/{chargeId}/increment"] = async () => await Expect(await attacker.Http.SendAsync(attacker.IncrementRequest(chargeA, "100")), HttpStatusCode.NotFound, "4004"),
            ["POST /pos/charge/{chargeId}/capture"] = async () => await Expect(await attacker.Http.SendAsync(attacker.CaptureRequest(chargeA)), HttpStatusCode.NotFound, "4004"),
            ["POST /pos/charge/{chargeId}/cancel"] = async () => await Expect(await attacker.Http.SendAsync(attacker.Signed(HttpMethod.Post, $"/pos/charge/{chargeA}/cancel", null)), HttpStatusCode.NotFound, "4004"),
            ["POST /pos/charge/{chargeId}/reverse"] = async () => await Expect(await attacker.Http.SendAsync(attacker.Signed(HttpMethod.Post, $"/pos/charge/{chargeA}/reverse", null)), HttpStatusCode.NotFound, "4004"),
            ["GET /pos/charge"] = async () => await Expect(await attacker.Http.SendAsync(attacker.Signed(HttpMethod.Get, "/pos/charge?idempotency_key=" + keyA, null)), HttpStatusCode.NotFound, "4004"),
            ["POST /pos/charge/reverse"] = async () =>
            {
                // Keys are the terminal's own: B's reversal of A's key is recorded for B and touches nothing of A.
                var answer = (await attacker.SendEncryptedOkAsync(attacker.Signed(HttpMethod.Post, "/pos/charge/reverse",
                    attacker.EncryptedBody(JsonSerializer.Serialize(new { idempotency_key = keyA }))))).Body;
                Assert.Equal("reversal_recorded", answer.Text("status"));
            },
            // A close by B closes B's own open batch only: A's charges stay in their batches (checked at the end).
            ["POST /pos/batch/close"] = async () =>
            {
                var closed = (await attacker.SendEncryptedOkAsync(attacker.CloseRequest(new { charge_ids = new[] { chargeA, openChargeA } }))).Body;
                Assert.Equal([chargeA, openChargeA], closed.GetProperty("reconciliation").GetProperty("missing_on_server").EnumerateArray().Select(x => x.GetString()));
            },
            // A heartbeat is the signing terminal's own: B's MAC key under A's terminal id is refused, and A's device stays never_seen.
            ["POST /pos/heartbeat"] = async () =>
            {
                var request = attacker.Signed(HttpMethod.Post, "/pos/heartbeat", attacker.EncryptedBody("""{"battery_percent":1}"""),
                    signedTerminalId: victim.TerminalId);
                request.Headers.Remove("X-Terminal-Id");
                request.Headers.TryAddWithoutValidation("X-Terminal-Id", victim.TerminalId);
                await Expect(await attacker.Http.SendAsync(request), HttpStatusCode.Unauthorized, "4001");
                Assert.Equal("never_seen", (await portalA.DeviceViewAsync(victim.DeviceId)).Text("connectivity"));
            },
            ["POST /pos/charge"] = async () =>
            {
                // Charging as A's terminal needs A's MAC key: B's signature under A's terminal id is refused.
                var request = attacker.Signed(HttpMethod.Post, "/pos/charge", attacker.EncryptedBody(attacker.ChargeJson(terminalId: victim.TerminalId)),
                    signedTerminalId: victim.TerminalId);
                request.Headers.Remove("X-Terminal-Id");
                request.Headers.TryAddWithoutValidation("X-Terminal-Id", victim.TerminalId);
                await Expect(await attacker.Http.SendAsync(request), HttpStatusCode.Unauthorized, "4001");
            },

            // Merchant B's portal and A's devices, keys and charges.
            ["GET /merchant/devices/{deviceId}"] = async () => await Expect(await portalB.GetAsync($"/merchant/devices/{victim.DeviceId}"), HttpStatusCode.NotFound, "4004"),
            ["POST /merchant/devices/{deviceId}/identity-keys"] = async () => await Expect(await portalB.PostAsync($"/merchant/devices/{victim.DeviceId}/identity-keys", null), HttpStatusCode.NotFound, "4004"),
            ["DELETE /merchant/devices/{deviceId}/identity-keys/{keyId}"] = async () => await Expect(await portalB.DeleteAsync($"/merchant/devices/{victim.DeviceId}/identity-keys/{victim.IdentityKeyId}"), HttpStatusCode.NotFound, "4004"),
            ["POST /merchant/devices/{deviceId}/suspend"] = async () => await Expect(await portalB.PostAsync($"/merchant/devices/{victim.DeviceId}/suspend", null), HttpStatusCode.NotFound, "4004"),
            ["POST /merchant/devices/{deviceId}/resume"] = async () => await Expect(await portalB.PostAsync($"/merchant/devices/{victim.DeviceId}/resume", null), HttpStatusCode.NotFound, "4004"),
            ["GET /merchant/charges/{chargeId}"] = async () => await Expect(await portalB.GetAsync($"/merchant/charges/{chargeA}"), HttpStatusCode.NotFound, "4004"),
            ["POST /merchant/charges/{chargeId}/refund"] = async () => await Expect(await portalB.PostAsJsonAsync($"/merchant/charges/{chargeA}/refund", new { amount = new { value = "100", currency = "EUR" } }), HttpStatusCode.NotFound, "4004"),
            ["POST /merchant/charges/{chargeId}/cancel"] = async () => await Expect(await portalB.PostAsync($"/merchant/charges/{openChargeA}/cancel", null), HttpStatusCode.NotFound, "4004"),
            ["GET /merchant/batches/{batchId}"] = async () => await Expect(await portalB.GetAsync($"/merchant/batches/{batchA}"), HttpStatusCode.NotFound, "4004"),
            ["GET /merchant/batches/{batchId}/transactions.csv"] = async () => await Expect(await portalB.GetAsync($"/merchant/batches/{batchA}/transactions.csv"), HttpStatusCode.NotFound, "4004"),
            ["GET /merchant/batches"] = async () => Assert.DoesNotContain(batchA, await portalB.GetStringAsync($"/merchant/batches?terminal_id={victim.TerminalId}"), StringComparison.Ordinal),
            ["GET /merchant/devices"] = async () =>
            {
                // B's own heartbeating terminal is listed online; A's device is in no page and no filter of B's list.
                await attacker.HeartbeatOkAsync();
                foreach (var query in new[] { "", "?connectivity=online", "?connectivity=never_seen", "?status=activated", "?limit=1" })
                {
                    Assert.DoesNotContain(victim.DeviceId, await portalB.GetStringAsync("/merchant/devices" + query), StringComparison.Ordinal);
                }
            },
            ["GET /merchant/charges"] = async () => Assert.DoesNotContain(chargeA, await portalB.GetStringAsync($"/merchant/charges?terminal_id={victim.TerminalId}"), StringComparison.Ordinal),
            ["POST /merchant/devices"] = async () =>
            {
                var created = await portalB.PostAsJsonAsync("/merchant/devices", new { label = "B's till" });
                using var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
                Assert.Equal(merchantB.MerchantId.ToString(), body.RootElement.GetProperty("merchant_id").GetString());
            },
            ["PUT /merchant/settings"] = async () => Assert.Equal(HttpStatusCode.OK, (await portalB.PutAsJsonAsync("/merchant/settings", new { tip_info = new { enabled = false } })).StatusCode),
            ["PUT /merchant/terminal-parameters"] = async () => Assert.Equal(HttpStatusCode.OK, (await portalB.PutAsJsonAsync("/merchant/terminal-parameters", new { b = 1 })).StatusCode),

            // Webhooks (PROTOCOL §13): B neither sees nor touches A's endpoints and events; what B creates is B's own.
            ["POST /merchant/webhook-endpoints"] = async () =>
            {
                var created = await portalB.PostAsJsonAsync("/merchant/webhook-endpoints", new { url = "https://192.0.2.11/b", events = new[] { "*" } });
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
                Assert.DoesNotContain("192.0.2.11", await portalA.GetStringAsync("/merchant/webhook-endpoints"), StringComparison.Ordinal);
            },
            ["GET /merchant/webhook-endpoints"] = async () => Assert.DoesNotContain(endpointIdA, await portalB.GetStringAsync("/merchant/webhook-endpoints"), StringComparison.Ordinal),
            ["DELETE /merchant/webhook-endpoints/{endpointId}"] = async () => await Expect(await portalB.DeleteAsync($"/merchant/webhook-endpoints/{endpointIdA}"), HttpStatusCode.NotFound, "4004"),
            ["POST /merchant/webhook-endpoints/{endpointId}/test"] = async () => await Expect(await portalB.PostAsync($"/merchant/webhook-endpoints/{endpointIdA}/test", null), HttpStatusCode.NotFound, "4004"),
            ["GET /merchant/events"] = async () => Assert.DoesNotContain(eventA, await portalB.GetStringAsync("/merchant/events?limit=100"), StringComparison.Ordinal),
            ["GET /merchant/events/{eventId}"] = async () => await Expect(await portalB.GetAsync($"/merchant/events/{eventA}"), HttpStatusCode.NotFound, "4004"),
            // The merchant portal (issue 13): B signed in with its own API client reaches none of A's pages or actions.
            ["ANY /portal"] = () => Task.CompletedTask,
            ["ANY /portal/signout"] = () => Task.CompletedTask,
            ["ANY /portal/webhooks"] = async () =>
            {
                var client = await PortalB();
                var page = await client.GetStringAsync("/portal/webhooks");
                Assert.DoesNotContain(endpointIdA, page, StringComparison.Ordinal);
                Assert.DoesNotContain(eventA, page, StringComparison.Ordinal);
                foreach (var handler in new[] { "Test", "Delete" })
                {
                    var refused = await client.PostAsync($"/portal/webhooks?handler={handler}", new FormUrlEncodedContent(new Dictionary<string, string>
                    {
                        ["__af"] = PortalForms.AntiforgeryToken(page), ["endpoint_id"] = endpointIdA,
                    }));
                    Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
                    Assert.DoesNotContain(endpointIdA, await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
                }

                Assert.Contains(endpointIdA, await portalA.GetStringAsync("/merchant/webhook-endpoints"), StringComparison.Ordinal);
            },
            ["GET /portal/portal.css"] = () => Task.CompletedTask,
            ["ANY /portal/signin"] = async () =>
            {
                var form = app.CreateClient(PortalForms.ClientOptions);
                var token = PortalForms.AntiforgeryToken(await form.GetStringAsync("/portal/signin"));
                var refused = await form.PostAsync("/portal/signin", new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["__af"] = token, ["client_id"] = merchantB.ClientId, ["client_secret"] = merchantA.ClientSecret,
                }));
                Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
                Assert.Contains(VioPay.Api.Portal.Pages.SignInModel.FailedMessage, await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            },
            ["ANY /portal/devices"] = async () =>
                Assert.DoesNotContain(victim.DeviceId, await (await PortalB()).GetStringAsync("/portal/devices"), StringComparison.Ordinal),
            ["ANY /portal/devices/claim"] = async () =>
            {
                var client = await PortalB();
                var token = PortalForms.AntiforgeryToken(await client.GetStringAsync("/portal/devices/claim"));
                var refused = await client.PostAsync("/portal/devices/claim", new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["__af"] = token, ["device_id"] = unclaimedA.DeviceId, ["pairing_code"] = codeA,
                }));
                Assert.Contains("This device belongs to another merchant", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            },
            ["ANY /portal/devices/{deviceId}"] = async () =>
            {
                var client = await PortalB();
                Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/portal/devices/{victim.DeviceId}")).StatusCode);
                var token = PortalForms.AntiforgeryToken(await client.GetStringAsync("/portal/devices/claim"));
                foreach (var handler in new[] { "Suspend", "Resume", "NewKey", "Revoke" })
                {
                    var refused = await client.PostAsync($"/portal/devices/{victim.DeviceId}?handler={handler}",
                        new FormUrlEncodedContent(new Dictionary<string, string> { ["__af"] = token, ["key_id"] = victim.IdentityKeyId }));
                    Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
                }
            },
            ["ANY /portal/charges"] = async () =>
            {
                var client = await PortalB();
                Assert.DoesNotContain(chargeA, await client.GetStringAsync("/portal/charges"), StringComparison.Ordinal);
                Assert.DoesNotContain(chargeA, await client.GetStringAsync($"/portal/charges?terminal_id={victim.TerminalId}"), StringComparison.Ordinal);
            },
            ["ANY /portal/charges/{chargeId}"] = async () =>
            {
                var client = await PortalB();
                Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/portal/charges/{chargeA}")).StatusCode);
                var token = PortalForms.AntiforgeryToken(await client.GetStringAsync("/portal/devices/claim"));
                foreach (var (handler, charge) in new[] { ("Refund", chargeA), ("Cancel", openChargeA) })
                {
                    var refused = await client.PostAsync($"/portal/charges/{charge}?handler={handler}",
                        new FormUrlEncodedContent(new Dictionary<string, string> { ["__af"] = token, ["amount"] = "0.01" }));
                    Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
                }
            },
            ["ANY /portal/batches"] = async () =>
                Assert.DoesNotContain(batchA, await (await PortalB()).GetStringAsync("/portal/batches"), StringComparison.Ordinal),
            ["ANY /portal/batches/{batchId}/transactions.csv"] = async () =>
                Assert.Equal(HttpStatusCode.NotFound, (await (await PortalB()).GetAsync($"/portal/batches/{batchA}/transactions.csv")).StatusCode),

            // Reseller routes: a merchant's session is refused; B's reseller sees none of A's reseller's devices.
            ["POST /reseller/devices"] = async () => await Expect(await portalB.PostAsJsonAsync("/reseller/devices", new { }), HttpStatusCode.Forbidden, "4003"),
            ["GET /reseller/devices"] = async () =>
            {
                foreach (var query in new[] { "", "?connectivity=never_seen", "?status=inactive" })
                {
                    Assert.DoesNotContain(unclaimedA.DeviceId, await resellerB.GetStringAsync("/reseller/devices" + query), StringComparison.Ordinal);
                }
            },
            // B's reseller cannot move A's inventory to B, nor hand B's own inventory to A's merchant; a merchant cannot assign.
            ["POST /reseller/devices/{deviceId}/assign"] = async () =>
            {
                await Expect(await resellerB.AssignAsync(inventoryA.DeviceId, merchantB.MerchantId), HttpStatusCode.NotFound, "4004");
                await Expect(await resellerB.AssignAsync(unclaimedA.DeviceId, merchantB.MerchantId), HttpStatusCode.NotFound, "4004");
                var inventoryB = await app.ProvisionInventoryAsync(resellerB);
                await Expect(await resellerB.AssignAsync(inventoryB.DeviceId, merchantA.MerchantId), HttpStatusCode.NotFound, "4004");
                await Expect(await portalB.AssignAsync(inventoryA.DeviceId, merchantB.MerchantId), HttpStatusCode.Forbidden, "4003");
            },
        };

        var routes = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["ANY"])
                .Select(m => $"{m} /{e.RoutePattern.RawText!.Trim('/')}"))
            .ToHashSet();
        Assert.True(routes.SetEquals(cases.Keys),
            $"routes without a case: {string.Join(", ", routes.Except(cases.Keys))}; cases without a route: {string.Join(", ", cases.Keys.Except(routes))}");

        foreach (var (route, attempt) in cases)
        {
            try
            {
                await attempt();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new Xunit.Sdk.XunitException($"{route}: {e.Message}");
            }
        }

        // A's data is exactly as it was.
        Assert.Contains(endpointIdA, await portalA.GetStringAsync("/merchant/webhook-endpoints"), StringComparison.Ordinal);
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
        var charge = await db.Charges.AsNoTracking().SingleAsync(c => c.Id == chargeA);
        Assert.Equal(("approved", 100L), (charge.Status, charge.RefundedMinor));
        Assert.Single(await db.Refunds.Where(r => r.ChargeId == chargeA).ToListAsync());
        Assert.Equal(batchA, charge.BatchId);
        var open = await db.Charges.AsNoTracking().SingleAsync(c => c.Id == openChargeA);
        Assert.Equal(("approved", (string?)null), (open.Status, open.BatchId));
        var devices = await db.Devices.AsNoTracking().Where(d => d.MerchantId == merchantA.MerchantId).ToListAsync();
        Assert.All(devices, d => Assert.False(d.Suspended));
        Assert.Contains(devices, d => d.Id == unclaimedA.DeviceId && d.Status == "inactive");
        var inventory = await db.Devices.AsNoTracking().SingleAsync(d => d.Id == inventoryA.DeviceId);
        Assert.Equal(("inactive", (Guid?)null, (Guid?)merchantA.MerchantId), (inventory.Status, inventory.MerchantId, inventory.AssignedMerchantId));
        Assert.False(await db.IdentityKeys.AnyAsync(k => k.DeviceId == victim.DeviceId && k.RevokedAt != null));
        Assert.Single(await db.IdentityKeys.Where(k => k.DeviceId == victim.DeviceId).ToListAsync());
        var merchant = await db.Merchants.AsNoTracking().SingleAsync(m => m.Id == merchantA.MerchantId);
        Assert.Contains("\"enabled\": true", merchant.SettingsJson, StringComparison.Ordinal);
        Assert.Equal("{}", merchant.TerminalParametersJson);
        Assert.Equal("approved", (await victim.SendEncryptedOkAsync(victim.Signed(HttpMethod.Get, $"/pos/charge/{chargeA}", null))).Body.Text("status"));
    }
}
