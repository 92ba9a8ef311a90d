using System.Net;
using System.Text.Json;
using VioPay.Api.Payments;
using VioPay.Api.Tests.Infrastructure;
using VioPay.Api.Tests.Reliability;

namespace VioPay.Api.Tests.Telemetry;

/// <summary>
/// One API process as <c>scripts/run</c> starts it (Development), with <c>/metrics</c> moved to a port of its own: a
/// fresh process, so its console shows every warning a first query compilation logs.
/// </summary>
public sealed class DevelopmentInstance : IAsyncLifetime
{
    public SharedBackends Backends { get; private set; } = null!;
    public ApiProcess Api { get; private set; } = null!;
    public int MetricsPort { get; } = ApiProcess.FreePort();

    private readonly SemaphoreSlim _terminalLock = new(1, 1);
    private TestTerminal? _terminal;

    /// <summary>One activated terminal for the class's tests (they run one after another), made on first use.</summary>
    public async Task<TestTerminal> TerminalAsync()
    {
        await _terminalLock.WaitAsync();
        try
        {
            if (_terminal is null)
            {
                var fleet = TwoInstances.Over(Backends, Api, Api);
                var portal = await fleet.PortalAsync();
                _terminal = await fleet.TerminalAsync(portal, Api.Client);
                await _terminal.PairAndClaimAsync(portal);
                await _terminal.ActivateFullyAsync();
            }

            return _terminal;
        }
        finally
        {
            _terminalLock.Release();
        }
    }

    public async Task InitializeAsync()
    {
        Backends = await SharedBackends.CreateAsync();
        Api = await ApiProcess.StartAsync(Backends, new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Telemetry__MetricsPort"] = MetricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Payments__MaintenanceIntervalSeconds"] = "1",
        });
    }

    public async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        await TestDependencies.DropDatabaseAsync(Backends.Postgres);
    }
}

/// <summary>Issue 14: readable console logs in Development, the metrics port, and EF's row-limit warning gone.</summary>
public sealed class DevelopmentInstanceTests(DevelopmentInstance instance) : IClassFixture<DevelopmentInstance>
{
    [Fact]
    public void DevelopmentConsoleLogsAreTextLinesNotJson()
    {
        var lines = instance.Api.Output.ToList();
        Assert.Contains(lines, l => l.Contains("INF Payment processor: Simulator", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.StartsWith("{\"@t\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MetricsCountChargesByStatusDeclineCodeAndBrandAcquirerLatencyAndUnauthorizedByReason()
    {
        var terminal = await instance.TerminalAsync();
        using var scraper = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{instance.MetricsPort}") };
        var before = await PrometheusText.ScrapeAsync(scraper);

        await terminal.ChargeOkAsync();
        await terminal.ChargeOkAsync(terminal.ChargeJson(AcquirerSimulator.DeclinedCard));
        await (await instance.Api.Client.GetAsync("/merchant/devices")).AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
        await (await terminal.Http.SendAsync(terminal.Signed(HttpMethod.Post, "/pos/charge", terminal.EncryptedBody(terminal.ChargeJson()),
            macKey: new byte[32]))).AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
        // The exporter answers scrapes from a cache for up to 300 ms.
        await Task.Delay(TimeSpan.FromMilliseconds(400));
        var after = await PrometheusText.ScrapeAsync(scraper);

        double Delta(string metric, params (string, string)[] labels) => (after.Value(metric, labels) ?? 0) - (before.Value(metric, labels) ?? 0);
        Assert.True(Delta("viopay_charges_total", ("status", "approved"), ("decline_code", "none"), ("brand", "visa")) == 1, after.Text);
        Assert.Equal(1, Delta("viopay_charges_total", ("status", "declined"), ("decline_code", "card_declined"), ("brand", "visa")));
        Assert.Equal(2, Delta("viopay_acquirer_duration_seconds_count", ("acquirer", "simulator"), ("operation", "authorize")));
        Assert.NotNull(after.Value("viopay_acquirer_duration_seconds_bucket", ("operation", "authorize"), ("le", "0.05")));
        Assert.Equal(1, Delta("viopay_auth_failures_total", ("reason", "bearer_token")));
        Assert.Equal(1, Delta("viopay_auth_failures_total", ("reason", "bad_signature")));
        // The money-at-risk gauges are there from the first refresh, at start-up.
        Assert.NotNull(after.Value("viopay_reversals_owed", ("kind", "reversal")));
        Assert.NotNull(after.Value("viopay_charges_pending_stale"));
        // The framework's meters come along: HTTP latency (by route, method and status), and the runtime.
        Assert.True(Delta("http_server_request_duration_seconds_count", ("http_request_method", "POST"), ("http_response_status_code", "200")) >= 2);
        Assert.Contains("dotnet_gc_", after.Text);
        // Nothing that identifies a card or a terminal is a label.
        Assert.DoesNotContain(PaymentsTerminal.VisaApproved, after.Text);
        Assert.DoesNotContain(terminal.TerminalId!, after.Text);
    }

    [Fact]
    public async Task TheMetricsPortServesMetricsOnlyAndTheApiPortDoesNot()
    {
        using var metricsPort = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{instance.MetricsPort}") };
        var metrics = await PrometheusText.ScrapeAsync(metricsPort);
        Assert.Contains("viopay_", metrics.Text);
        Assert.Equal(HttpStatusCode.NotFound, (await metricsPort.GetAsync("/health/live")).StatusCode);

        await (await instance.Api.Client.GetAsync("/metrics")).AssertErrorAsync(HttpStatusCode.NotFound, "4004");
        // The port is judged by the connection, not by what the Host header claims.
        using var forged = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        forged.Headers.Host = $"127.0.0.1:{instance.MetricsPort}";
        Assert.Equal(HttpStatusCode.NotFound, (await instance.Api.Client.SendAsync(forged)).StatusCode);
    }

    [Fact]
    public async Task CancelRefundCaptureReverseAndTheMaintenanceLoopLogNoRowLimitWithoutOrderByWarning()
    {
        var terminal = await instance.TerminalAsync();
        var cancelled = (await terminal.ChargeOkAsync()).Text("charge_id");
        await terminal.SendEncryptedOkAsync(terminal.CancelRequest(cancelled));
        var refunded = (await terminal.ChargeOkAsync()).Text("charge_id");
        await terminal.SendEncryptedOkAsync(terminal.RefundRequest(refunded, "500"));
        var held = await terminal.PreAuthorizedAsync();
        await terminal.SendEncryptedOkAsync(terminal.CaptureRequest(held));
        var key = Guid.NewGuid().ToString();
        await terminal.ChargeOkAsync(idempotencyKey: key);
        await terminal.SendEncryptedOkAsync(terminal.Signed(HttpMethod.Post, "/pos/charge/reverse",
            terminal.EncryptedBody(JsonSerializer.Serialize(new { idempotency_key = key }))));
        // Rounds of the maintenance loop (every second here) compile its queries too.
        await Task.Delay(TimeSpan.FromSeconds(3));

        Assert.DoesNotContain(instance.Api.Output, l => l.Contains("OrderBy", StringComparison.Ordinal));
        Assert.Contains(instance.Api.Output, l => l.Contains("/pos/charge/reverse responded 200", StringComparison.Ordinal));
    }
}
