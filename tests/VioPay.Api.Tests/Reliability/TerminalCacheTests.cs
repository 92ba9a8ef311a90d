using System.Diagnostics;
using System.Net;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Reliability;

/// <summary>
/// Two API processes whose terminal cache keeps an entry for an hour: whatever a terminal's charges see after a
/// suspension, a resume or a key rotation made through the other instance can only come from the Redis invalidation.
/// </summary>
public sealed class LongCacheInstances : IAsyncLifetime
{
    public TwoInstances Instances { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var backends = await SharedBackends.CreateAsync();
        var settings = new Dictionary<string, string>
        {
            ["Payments__MaintenanceIntervalSeconds"] = "3600",
            ["Payments__TerminalCacheSeconds"] = "3600",
        };
        var started = await Task.WhenAll(ApiProcess.StartAsync(backends, settings), ApiProcess.StartAsync(backends, settings));
        Instances = TwoInstances.Over(backends, started[0], started[1]);
    }

    public async Task DisposeAsync()
    {
        await Instances.A.DisposeAsync();
        await Instances.B.DisposeAsync();
        await TestDependencies.DropDatabaseAsync(Instances.Backends.Postgres);
    }
}

/// <summary>Issue 12: the terminal and key set are cached per instance, and every change reaches every instance within 1 s.</summary>
public sealed class TerminalCacheTests(LongCacheInstances fixture) : IClassFixture<LongCacheInstances>
{
    private static readonly TimeSpan Propagation = TimeSpan.FromSeconds(1);

    private TwoInstances Instances => fixture.Instances;

    [Fact]
    public async Task ASuspensionOnOneInstanceStopsChargesOnTheOtherWithinASecondAndAResumeRestartsThem()
    {
        var (terminal, portalOnA) = await ActivatedOnAsync();
        using var onB = new HttpClient { BaseAddress = Instances.B.BaseAddress };
        Assert.Equal(HttpStatusCode.OK, (await ChargeOnAsync(onB, terminal)).StatusCode); // B now holds the terminal

        Assert.Equal(HttpStatusCode.OK, (await portalOnA.PostAsync($"/merchant/devices/{terminal.DeviceId}/suspend", null)).StatusCode);
        // At once on the instance that made the change…
        await (await ChargeOnAsync(Instances.A.Client, terminal)).AssertErrorAsync(HttpStatusCode.Forbidden, "4003");
        // …and within a second on the other.
        var refused = await WithinAsync(Propagation, async () => await ChargeOnAsync(onB, terminal), r => r.StatusCode == HttpStatusCode.Forbidden);
        await refused.AssertErrorAsync(HttpStatusCode.Forbidden, "4003");

        Assert.Equal(HttpStatusCode.OK, (await portalOnA.PostAsync($"/merchant/devices/{terminal.DeviceId}/resume", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ChargeOnAsync(Instances.A.Client, terminal)).StatusCode);
        var accepted = await WithinAsync(Propagation, async () => await ChargeOnAsync(onB, terminal), r => r.StatusCode == HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public async Task AKeyRotationOnOneInstanceRetiresTheOldKeyOnTheOtherWithinASecond()
    {
        var (terminal, _) = await ActivatedOnAsync();
        using var onB = new HttpClient { BaseAddress = Instances.B.BaseAddress };
        var oldKeyId = terminal.ActiveMacKeyId!;
        var oldMac = terminal.ActiveKeys["mac"];
        Assert.Equal(HttpStatusCode.OK, (await ChargeOnAsync(onB, terminal)).StatusCode);

        // Rotation through A: attest, keys, activate.
        await terminal.AttestAsync();
        await terminal.InstallKeysAsync();
        await terminal.ActivateAsync();
        Assert.NotEqual(oldKeyId, terminal.ActiveMacKeyId);

        // The old key, signed as the terminal would have signed it before the rotation, is refused on both instances.
        var oldOnA = await Instances.A.Client.SendAsync(SignedWithOldKey(terminal, oldKeyId, oldMac));
        await oldOnA.AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
        var oldOnB = await WithinAsync(Propagation, () => onB.SendAsync(SignedWithOldKey(terminal, oldKeyId, oldMac)),
            r => r.StatusCode == HttpStatusCode.Unauthorized);
        await oldOnB.AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
        // The new key charges on B at once: it was the old entry that went, not the terminal.
        Assert.Equal(HttpStatusCode.OK, (await ChargeOnAsync(onB, terminal)).StatusCode);
    }

    private async Task<(TestTerminal Terminal, HttpClient PortalOnA)> ActivatedOnAsync()
    {
        var reseller = await ApiProcess.AdminAsync(Instances.Backends, "create-reseller", "--name", "Cache reseller");
        var merchant = await ApiProcess.AdminAsync(Instances.Backends, "create-merchant", "--reseller", reseller.GetProperty("reseller_id").GetString()!,
            "--name", "Cache merchant");
        var client = await ApiProcess.AdminAsync(Instances.Backends, "create-api-client", "--merchant", merchant.GetProperty("merchant_id").GetString()!);
        var portal = await new HttpClient { BaseAddress = Instances.A.BaseAddress }
            .SignInAsync(client.GetProperty("client_id").GetString()!, client.GetProperty("client_secret").GetString()!);
        var terminal = await Instances.TerminalAsync(portal, Instances.A.Client);
        await terminal.PairAndClaimAsync(portal);
        await terminal.ActivateFullyAsync();
        return (terminal, portal);
    }

    private static Task<HttpResponseMessage> ChargeOnAsync(HttpClient http, TestTerminal terminal) =>
        http.SendAsync(terminal.ChargeRequest(terminal.ChargeJson()));

    private static HttpRequestMessage SignedWithOldKey(TestTerminal terminal, string keyId, byte[] mac) =>
        terminal.Signed(HttpMethod.Get, "/pos/charge?idempotency_key=none", null, keyId: keyId, macKey: mac);

    /// <summary>Sends until <paramref name="done"/> holds or <paramref name="limit"/> has passed; the last answer.</summary>
    private static async Task<HttpResponseMessage> WithinAsync(TimeSpan limit, Func<Task<HttpResponseMessage>> send, Func<HttpResponseMessage, bool> done)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var response = await send();
            if (done(response) || clock.Elapsed > limit)
            {
                return response;
            }

            await Task.Delay(50);
        }
    }
}
