using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Tests.Infrastructure;
using VioPay.Terminal.Cli;

namespace VioPay.Terminal.Tests;

/// <summary>The reference terminal SDK against the real API: the whole flow, its state file, its clock and its retries.</summary>
public sealed class PosTerminalTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    [Fact]
    public async Task TheSdkActivatesAndRunsEveryPaymentOperation()
    {
        var steps = new List<FlowStep>();
        var terminal = await app.ActivatedAsync(app.CreateClient(), steps);
        Assert.Equal(["Bootstrap", "Pairing code", "Status", "Claim", "Status", "Attest", "Keys", "Config", "Terminal parameters", "Activate"],
            steps.Select(s => s.Title.Split(" (")[0]));
        var keys = steps.Single(s => s.Title.StartsWith("Keys", StringComparison.Ordinal));
        Assert.Equal(["TMK", "KEK", "MSK", "TPK", "TDK", "MAC"], keys.Facts.Select(f => f.Name));
        Assert.All(keys.Facts, f => Assert.Contains("✓", f.Value, StringComparison.Ordinal));
        Assert.Matches(@"^TID-\d{6}$", terminal.State.TerminalId);
        Assert.NotNull(terminal.State.Active);
        Assert.Null(terminal.State.Pending);

        var approved = await terminal.ChargeAsync(SdkHost.Charge(), "key-1");
        Assert.Equal(("approved", "visa", "1111"), (approved.Status, approved.Card!.Brand, approved.Card.Last4));
        Assert.Matches(@"^\d{12}$", approved.GatewayData!.Rrn);
        var declined = await terminal.ChargeAsync(SdkHost.Charge("4000000000009995"), "key-2");
        Assert.Equal(("declined", "insufficient_funds"), (declined.Status, declined.DeclineCode));

        var refund = await terminal.RefundAsync(approved.ChargeId, "400", "EUR", "customer_request", "refund-1");
        Assert.Equal(("approved", "400"), (refund.Status, refund.Amount.Value));
        var status = await terminal.GetChargeAsync(approved.ChargeId);
        Assert.Equal("400", status.RefundedAmount!.Value);

        var second = await terminal.ChargeAsync(SdkHost.Charge(amount: "990"), "key-3");
        Assert.Equal("cancelled", (await terminal.CancelAsync(second.ChargeId)).Status);
        var third = await terminal.ChargeAsync(SdkHost.Charge(amount: "991"), "key-4");
        Assert.Equal("cancelled", (await terminal.ReverseAsync(third.ChargeId)).Status);

        Assert.Equal(approved.ChargeId, (await terminal.FindChargeByIdempotencyKeyAsync("key-1"))!.ChargeId);
        Assert.Null(await terminal.FindChargeByIdempotencyKeyAsync("never-used"));
        var recorded = await terminal.ReverseByIdempotencyKeyAsync("key-5");
        Assert.Equal(("reversal_recorded", null), (recorded.Status, recorded.ChargeId));
        var late = await Assert.ThrowsAsync<PosApiException>(() => terminal.ChargeAsync(SdkHost.Charge(), "key-5"));
        Assert.Equal((409, "4009"), (late.StatusCode, late.Code));
        // key-1's charge has a refund: reversing it by key follows cancel's rules, 409.
        var refunded = await Assert.ThrowsAsync<PosApiException>(() => terminal.ReverseByIdempotencyKeyAsync("key-1"));
        Assert.Equal((409, "4009"), (refunded.StatusCode, refunded.Code));
    }

    [Fact]
    public async Task AStateFileSurvivesARestartAndIsReadableByTheOwnerOnly()
    {
        var http = app.CreateClient();
        var terminal = await app.ActivatedAsync(http);
        var path = Path.Combine(Path.GetTempPath(), $"viopay-terminal-{Guid.NewGuid():N}.json");
        try
        {
            terminal.State.Save(path);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            }

            var restarted = new PosTerminal(http, TerminalState.Load(path), app.Time);
            Assert.Equal(terminal.State.Active!.MacKeyId, restarted.State.Active!.MacKeyId);
            Assert.Equal("approved", (await restarted.ChargeAsync(SdkHost.Charge(), Guid.NewGuid().ToString())).Status);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task ADriftingClockIsCorrectedFromServerTimeAndTheChargeGoesThrough()
    {
        var network = new LossyNetwork();
        var http = app.CreateDefaultClient(network);
        var terminal = await app.ActivatedAsync(http);

        // The terminal's clock runs 10 minutes behind the server's from now on.
        terminal.State.ClockOffsetSeconds = -600;
        network.Seen.Clear();
        var charge = await terminal.ChargeAsync(SdkHost.Charge());
        Assert.Equal("approved", charge.Status);
        Assert.Equal([401, 200], network.Seen.Select(s => s.Status));
        Assert.InRange(terminal.State.ClockOffsetSeconds, -2, 2);
    }

    [Fact]
    public async Task ALostAnswerIsRetriedUnderTheSameKeyAndChargesOnce()
    {
        var network = new LossyNetwork();
        var http = app.CreateDefaultClient(network);
        var terminal = await app.ActivatedAsync(http);
        network.DropNextAnswers(2);
        network.Seen.Clear();

        var charge = await terminal.ChargeAsync(SdkHost.Charge(), "lost-answer");
        Assert.True(charge.Replayed);
        Assert.Equal(3, network.Seen.Count);
        using var scope = app.Services.CreateScope();
        var rows = await scope.ServiceProvider.GetRequiredService<VioPayDbContext>().Charges
            .Where(c => c.TerminalId == terminal.State.TerminalId).ToListAsync();
        Assert.Equal(charge.ChargeId, Assert.Single(rows).Id);
    }

    [Fact]
    public async Task WithoutAKeyALostAnswerIsNeverResent()
    {
        var network = new LossyNetwork();
        var http = app.CreateDefaultClient(network);
        var terminal = await app.ActivatedAsync(http);
        network.DropNextAnswers(1);
        network.Seen.Clear();

        await Assert.ThrowsAsync<HttpRequestException>(() => terminal.ChargeAsync(SdkHost.Charge()));
        Assert.Single(network.Seen);
    }

    [Fact]
    public async Task ServerErrorsReachTheCallerWithTheirCodeAndTraceId()
    {
        var terminal = await app.ActivatedAsync(app.CreateClient());
        var error = await Assert.ThrowsAsync<PosApiException>(() => terminal.RefundAsync("ch_" + new string('Z', 24), "100", "EUR"));
        Assert.Equal((404, "4004"), (error.StatusCode, error.Code));
        Assert.False(string.IsNullOrEmpty(error.TraceId));
        Assert.Equal(HttpStatusCode.NotFound, (HttpStatusCode)error.StatusCode);
    }
}
