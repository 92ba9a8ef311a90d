using System.Text.Json;
using VioPay.Api.Tests.Infrastructure;
using VioPay.Terminal.Cli;

namespace VioPay.Terminal.Tests;

/// <summary>viopay-terminal against the real API: every command, readable and --json, and its failures.</summary>
public sealed class CliTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    private async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await new TerminalCli(_ => app.CreateClient()).RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private async Task<string[]> CredentialsAsync()
    {
        var merchant = await app.CreateMerchantAsync();
        return ["--client-id", merchant.ClientId, "--client-secret", merchant.ClientSecret];
    }

    [Fact]
    public async Task TheDemoWalksAFreshTerminalToAnApprovedChargeARefundAndACancel()
    {
        var (code, output, error) = await RunAsync(["demo", .. await CredentialsAsync()]);
        Assert.True(code == 0, error);
        foreach (var expected in new[]
                 {
                     "Provision", "Bootstrap", "Pairing code", "Claim", "Attest", "Keys", "KCV", "✓", "Config", "Terminal parameters",
                     "Activate", "Heartbeat", "config_version", "approved", "declined", "card_declined", "Partial refund", "cancelled", "Pre-authorization", "authorized",
                     "Capture", "tip_amount", "Day close", "Totals EUR", "Reconciliation", "matched", "Demo complete",
                 })
        {
            Assert.Contains(expected, output, StringComparison.Ordinal);
        }

        Assert.Matches(@"refunded_amount\s+500 EUR", output);
        Assert.DoesNotContain("4111111111111111", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProvisionActivateChargeRefundCancelAndStatusWorkOnAStateFile()
    {
        var credentials = await CredentialsAsync();
        var state = Path.Combine(Path.GetTempPath(), $"viopay-cli-{Guid.NewGuid():N}.json");
        try
        {
            Assert.Equal(0, (await RunAsync(["provision", "--state", state, "--label", "Till 9", .. credentials])).Code);
            var activated = await RunAsync(["activate", "--state", state, "--json", .. credentials]);
            Assert.True(activated.Code == 0, activated.Err);
            using (var report = JsonDocument.Parse(activated.Out))
            {
                Assert.Matches(@"^TID-\d{6}$", report.RootElement.GetProperty("terminal_id").GetString());
                Assert.Equal(10, report.RootElement.GetProperty("steps").GetArrayLength());
            }

            var charged = await RunAsync("charge", "--state", state, "--amount", "2000", "--idempotency-key", "cli-1", "--json");
            Assert.True(charged.Code == 0, charged.Err);
            using var charge = JsonDocument.Parse(charged.Out);
            var chargeId = charge.RootElement.GetProperty("charge_id").GetString()!;
            Assert.Equal("approved", charge.RootElement.GetProperty("status").GetString());

            var replay = await RunAsync("charge", "--state", state, "--amount", "2000", "--idempotency-key", "cli-1");
            Assert.Contains("(replayed)", replay.Out, StringComparison.Ordinal);
            Assert.Contains(chargeId, replay.Out, StringComparison.Ordinal);

            Assert.Equal(0, (await RunAsync("refund", "--state", state, "--charge", chargeId, "--amount", "500")).Code);
            var status = await RunAsync("status", "--state", state, "--charge", chargeId);
            Assert.Matches(@"refunded_amount\s+500 EUR", status.Out);
            var byKey = await RunAsync("status", "--state", state, "--idempotency-key", "cli-1");
            Assert.Contains(chargeId, byKey.Out, StringComparison.Ordinal);

            var other = await RunAsync("charge", "--state", state, "--amount", "300", "--card", "5555555555554444", "--json");
            using var second = JsonDocument.Parse(other.Out);
            var cancel = await RunAsync("cancel", "--state", state, "--charge", second.RootElement.GetProperty("charge_id").GetString()!);
            Assert.Contains("cancelled", cancel.Out, StringComparison.Ordinal);

            // Recovery by key: the charge cli-1 created has a refund, so reversing it by key is refused (cancel's rules);
            // a key no charge has used yet records the reversal.
            var refusedByKey = await RunAsync("cancel", "--state", state, "--idempotency-key", "cli-1");
            Assert.Equal(1, refusedByKey.Code);
            Assert.Contains("409 4009", refusedByKey.Err, StringComparison.Ordinal);
            var recorded = await RunAsync("cancel", "--state", state, "--idempotency-key", "cli-never-charged", "--json");
            Assert.True(recorded.Code == 0, recorded.Err);
            using (var reversal = JsonDocument.Parse(recorded.Out))
            {
                Assert.Equal("reversal_recorded", reversal.RootElement.GetProperty("status").GetString());
            }

            Assert.Equal(1, (await RunAsync("cancel", "--state", state)).Code);

            var device = await RunAsync("status", "--state", state);
            Assert.Contains("activated", device.Out, StringComparison.Ordinal);

            // Running activate again on an activated terminal rotates its keys.
            var rotated = await RunAsync(["activate", "--state", state, .. credentials]);
            Assert.Contains("Keys rotated", rotated.Out, StringComparison.Ordinal);
            Assert.Equal(0, (await RunAsync("charge", "--state", state, "--amount", "100")).Code);
        }
        finally
        {
            File.Delete(state);
        }
    }

    [Fact]
    public async Task HeartbeatReportsPrintsTheActionsAndRefetchesAChangedConfig()
    {
        var merchant = await app.CreateMerchantAsync();
        string[] credentials = ["--client-id", merchant.ClientId, "--client-secret", merchant.ClientSecret];
        var state = Path.Combine(Path.GetTempPath(), $"viopay-cli-{Guid.NewGuid():N}.json");
        try
        {
            Assert.Equal(0, (await RunAsync(["provision", "--state", state, .. credentials])).Code);
            Assert.Equal(0, (await RunAsync(["activate", "--state", state, .. credentials])).Code);
            var quiet = await RunAsync("heartbeat", "--state", state, "--battery", "55", "--network", "wifi");
            Assert.True(quiet.Code == 0, quiet.Err);
            Assert.Matches(@"actions\s+\(none\)", quiet.Out);

            var portal = await app.PortalClientAsync(merchant);
            (await System.Net.Http.Json.HttpClientJsonExtensions.PutAsJsonAsync(portal, "/merchant/settings", new { tip_info = new { enabled = true } }))
                .EnsureSuccessStatusCode();
            var changed = await RunAsync("heartbeat", "--state", state);
            Assert.True(changed.Code == 0, changed.Err);
            Assert.Contains("refetch_config", changed.Out, StringComparison.Ordinal);
            Assert.Contains("Config refetched", changed.Out, StringComparison.Ordinal);

            // The refetched version was saved in the state file: the next heartbeat has nothing to ask.
            var settled = await RunAsync("heartbeat", "--state", state, "--json");
            using var answer = JsonDocument.Parse(settled.Out);
            Assert.Equal(0, answer.RootElement.GetProperty("actions").GetArrayLength());
            var view = await portal.GetStringAsync($"/merchant/devices/{TerminalState.Load(state).DeviceId}");
            Assert.Contains("\"battery_percent\":null", view, StringComparison.Ordinal);
            Assert.Contains("\"connectivity\":\"online\"", view, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(state);
        }
    }

    [Fact]
    public async Task PreAuthorizeIncrementCaptureWithATipAndCloseTheDayFromTheCommandLine()
    {
        var credentials = await CredentialsAsync();
        var state = Path.Combine(Path.GetTempPath(), $"viopay-cli-{Guid.NewGuid():N}.json");
        try
        {
            Assert.Equal(0, (await RunAsync(["provision", "--state", state, .. credentials])).Code);
            Assert.Equal(0, (await RunAsync(["activate", "--state", state, .. credentials])).Code);
            var held = await RunAsync("charge", "--state", state, "--amount", "3000", "--pre", "--json");
            Assert.True(held.Code == 0, held.Err);
            using var hold = JsonDocument.Parse(held.Out);
            var chargeId = hold.RootElement.GetProperty("charge_id").GetString()!;
            Assert.Equal("authorized", hold.RootElement.GetProperty("status").GetString());

            var incremented = await RunAsync("increment", "--state", state, "--charge", chargeId, "--amount", "500");
            Assert.True(incremented.Code == 0, incremented.Err);
            Assert.Matches(@"authorized_amount\s+3500 EUR", incremented.Out);
            var captured = await RunAsync("capture", "--state", state, "--charge", chargeId, "--tip", "400");
            Assert.True(captured.Code == 0, captured.Err);
            Assert.Matches(@"tip_amount\s+400 EUR", captured.Out);
            Assert.Matches(@"amount\s+3900 EUR", captured.Out);
            var tipped = await RunAsync("charge", "--state", state, "--amount", "1100", "--tip", "100");
            Assert.Matches(@"tip_amount\s+100 EUR", tipped.Out);

            var closed = await RunAsync("close-batch", "--state", state);
            Assert.True(closed.Code == 0, closed.Err);
            Assert.Contains("Day close", closed.Out, StringComparison.Ordinal);
            Assert.Matches(@"sales\s+2 for 5000 \(tips 500\)", closed.Out);
            Assert.Matches(@"status\s+matched", closed.Out);
            var again = await RunAsync("cancel", "--state", state, "--charge", chargeId);
            Assert.Contains("409 4009", again.Err, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(state);
        }
    }

    [Fact]
    public async Task FailuresAreOneReadableLineAndExitCodeOne()
    {
        var missing = await RunAsync("charge", "--state", "/nonexistent/terminal.json", "--amount", "100");
        Assert.Equal(1, missing.Code);
        Assert.Contains("provision", missing.Err, StringComparison.Ordinal);

        var noCredentials = await RunAsync("demo", "--client-id", "", "--client-secret", "");
        Assert.Equal(1, noCredentials.Code);
        Assert.Contains("--client-id", noCredentials.Err, StringComparison.Ordinal);

        var wrongSecret = await RunAsync("demo", "--client-id", "mrc_nobody", "--client-secret", "nope");
        Assert.Equal(1, wrongSecret.Code);
        Assert.Contains("401 4001", wrongSecret.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", wrongSecret.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("provision")]
    [InlineData("activate")]
    [InlineData("charge")]
    [InlineData("refund")]
    [InlineData("cancel")]
    [InlineData("status")]
    [InlineData("increment")]
    [InlineData("capture")]
    [InlineData("close-batch")]
    [InlineData("demo")]
    [InlineData("load")]
    public async Task EveryCommandHasHelp(string command)
    {
        var (code, output, _) = await RunAsync(command, "--help");
        Assert.Equal(0, code);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
        Assert.Contains("--api", output, StringComparison.Ordinal);
        Assert.Contains("--json", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AShortLoadRunReconcilesEveryAnswerWithTheDatabase()
    {
        var (code, output, error) = await RunAsync(["load", "--terminals", "2", "--duration", "3", "--concurrency", "4", "--json", .. await CredentialsAsync()]);
        Assert.True(code == 0, error + output);
        using var report = JsonDocument.Parse(output);
        var root = report.RootElement;
        Assert.True(root.GetProperty("operations").GetInt32() > 0); // how many is a benchmark's business, not a test's
        var reconciliation = root.GetProperty("reconciliation");
        Assert.Equal(0, reconciliation.GetProperty("lost_or_different").GetInt32());
        Assert.Equal(0, reconciliation.GetProperty("duplicates").GetInt32());
        Assert.Equal(reconciliation.GetProperty("answered_charges").GetInt32(), reconciliation.GetProperty("stored_charges").GetInt32());
        Assert.Empty(root.GetProperty("errors").EnumerateObject());
        Assert.True(root.GetProperty("latency_ms").GetProperty("p99").GetDouble() > 0);
    }
}
