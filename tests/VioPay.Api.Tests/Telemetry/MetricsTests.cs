using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Infrastructure.Telemetry;
using VioPay.Api.Payments;
using VioPay.Api.Tests.Infrastructure;
using VioPay.Api.Tests.Payments;

namespace VioPay.Api.Tests.Telemetry;

/// <summary>
/// Issue 14, telemetry, in process: the scrape endpoint's place in the API and the choice of exporters. What the
/// business meters count is read in a process of its own (<see cref="DevelopmentInstanceTests"/>), because every app of
/// a test process shares the meter names and so the scrape.
/// </summary>
public sealed class MetricsTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    [Fact]
    public async Task MetricsNeedNoTokenAndAreNotInTheOpenApiDocument()
    {
        using var client = app.CreateClient();
        var metrics = await PrometheusText.ScrapeAsync(client);
        Assert.Contains("# TYPE", metrics.Text);
        Assert.DoesNotContain("\"/metrics\"", await client.GetStringAsync("/openapi/v1.json"));
    }

    [Fact]
    public void NoTracerIsRegisteredWithoutAnOtlpEndpoint() =>
        Assert.Null(app.Services.GetService<TracerProvider>());

    [Fact]
    public async Task AnOtlpEndpointRegistersTheTracer()
    {
        var traced = new VioPayApp().With(TelemetryExtensions.OtlpEndpointKey, "http://127.0.0.1:4317");
        await traced.InitializeAsync();
        try
        {
            Assert.NotNull(traced.Services.GetService<TracerProvider>());
        }
        finally
        {
            await traced.DisposeAsync();
        }
    }
}

/// <summary>The money-at-risk gauges read what the last refresh counted in PostgreSQL; a scrape runs no query.</summary>
public sealed class MoneyAtRiskGaugeTests : IAsyncLifetime
{
    private readonly FlakyAcquirerApp app = new();

    public Task InitializeAsync() => app.InitializeAsync();

    public Task DisposeAsync() => app.DisposeAsync();

    [Fact]
    public async Task OwedReversalsAndChargesPendingForOverAMinuteShowInTheGauges()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        // The acquirer does not acknowledge the reversal of a charge it never answered: it stays owed.
        app.Acquirer.FailNextReversals(1000);
        await terminal.ChargeOkAsync(terminal.ChargeJson(AcquirerSimulator.TimeoutCard));
        using (var scope = app.Services.CreateScope())
        {
            // What a process that died mid-charge leaves behind: a pending charge.
            var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
            var now = app.Time.GetUtcNow();
            var device = await db.Devices.SingleAsync(d => d.Id == terminal.DeviceId);
            var keySet = await db.KeySets.SingleAsync(k => k.DeviceId == terminal.DeviceId && k.Status == "active");
            db.Charges.Add(new Charge
            {
                Id = VioPay.Crypto.SecureIds.NewChargeId(), TerminalId = terminal.TerminalId!, DeviceId = terminal.DeviceId,
                MerchantId = device.MerchantId!.Value, AmountMinor = 1500, Currency = "EUR", CardBrand = "visa", CardFirst6 = "411111",
                CardLast4 = "1111", CardFingerprint = new byte[32], Stan = "000124", KeySetId = keySet.Id, CreatedAt = now, UpdatedAt = now,
            });
            await db.SaveChangesAsync();
        }

        var gauges = app.Services.GetRequiredService<MoneyAtRiskGauges>();
        Assert.Equal(new MoneyAtRisk(1, 0, 0, 0), await gauges.RefreshAsync(default));

        // Past a minute it is stale (the sweep waits Payments:PendingSweepAfterSeconds, 120 s, before it acts).
        app.Time.Advance(TimeSpan.FromSeconds(90));
        Assert.Equal(new MoneyAtRisk(1, 0, 0, 1), await gauges.RefreshAsync(default));

        Assert.Equal(1, HostMeters.Observe(app.Services, "viopay.reversals.owed", ("kind", "reversal")));
        Assert.Equal(0, HostMeters.Observe(app.Services, "viopay.reversals.owed", ("kind", "release")));
        Assert.Equal(1, HostMeters.Observe(app.Services, "viopay.charges.pending_stale"));
    }
}
