using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Payments;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Reliability;

/// <summary>A redis-server of the test's own on a free loopback port, so a test can stop and restart it.</summary>
public sealed class OwnRedis : IAsyncDisposable
{
    private Process? _process;

    public int Port { get; } = ApiProcess.FreePort();

    public string ConnectionString => $"127.0.0.1:{Port}";

    public void Start()
    {
        var binary = Environment.GetEnvironmentVariable("VIOPAY_TEST_REDIS_SERVER") is { Length: > 0 } configured ? configured : "redis-server";
        var start = new ProcessStartInfo(binary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "--port", $"{Port}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes" })
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("could not start redis-server");
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = Stopwatch.StartNew();
        while (!Answers())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(10), "redis-server did not start");
            Thread.Sleep(50);
        }
    }

    public async Task StopAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private bool Answers()
    {
        try
        {
            using var client = new System.Net.Sockets.TcpClient();
            client.Connect("127.0.0.1", Port);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }
}

/// <summary>An acquirer that takes its time and says when it has been asked: the real simulator behind a slow line.</summary>
public sealed class SlowAcquirer(AcquirerSimulator inner) : IPaymentProcessor
{
    public Task<AuthorizationResult> IncrementAsync(IncrementRequest request, CancellationToken cancellationToken) =>
        inner.IncrementAsync(request, cancellationToken);

    public Task CaptureAsync(CaptureRequest request, CancellationToken cancellationToken) => inner.CaptureAsync(request, cancellationToken);

    public Task ReleaseAsync(string chargeId, string reason, CancellationToken cancellationToken) => inner.ReleaseAsync(chargeId, reason, cancellationToken);

    public TaskCompletionSource Asked { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TimeSpan Delay { get; set; } = TimeSpan.FromMilliseconds(500);

    public void Reset() => Asked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task<AuthorizationResult> AuthorizeAsync(AuthorizationRequest request, CancellationToken cancellationToken)
    {
        Asked.TrySetResult();
        await Task.Delay(Delay, CancellationToken.None);
        return await inner.AuthorizeAsync(request, cancellationToken);
    }

    public Task ReverseAsync(string chargeId, string reason, CancellationToken cancellationToken) => inner.ReverseAsync(chargeId, reason, cancellationToken);

    public Task<RefundResult> RefundAsync(string chargeId, string refundId, long amountMinor, string currency,
        CancellationToken cancellationToken) =>
        inner.RefundAsync(chargeId, refundId, amountMinor, currency, cancellationToken);
}

/// <summary>Issue 6, faults of what the API depends on, and of the client.</summary>
public sealed class DependencyFaultTests
{
    [Fact]
    public async Task WithRedisStoppedChargesAre503AndNothingIsChargedThenServiceResumesWithoutARestart()
    {
        await using var redis = new OwnRedis();
        redis.Start();
        await using var app = new VioPayApp().With("ConnectionStrings:Redis", redis.ConnectionString);
        await app.InitializeAsync();
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        Assert.Equal("approved", (await terminal.ChargeOkAsync()).Text("status"));

        await redis.StopAsync();
        for (var i = 0; i < 5; i++)
        {
            var refused = await terminal.Http.SendAsync(terminal.ChargeRequest(terminal.ChargeJson(), Guid.NewGuid().ToString()));
            var error = await refused.AssertErrorAsync(HttpStatusCode.ServiceUnavailable, "5003");
            Assert.NotNull(refused.Headers.RetryAfter);
            Assert.DoesNotContain("Exception", error.GetRawText(), StringComparison.Ordinal);
        }

        var ready = await terminal.Http.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        using (var scope = app.Services.CreateScope())
        {
            // The nonce check failed closed: not one charge was written while Redis was away.
            Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<VioPayDbContext>().Charges.CountAsync(c => c.TerminalId == terminal.TerminalId));
        }

        redis.Start();
        var back = Stopwatch.StartNew();
        while (true)
        {
            var response = await terminal.Http.SendAsync(terminal.ChargeRequest(terminal.ChargeJson()));
            if (response.StatusCode == HttpStatusCode.OK)
            {
                break;
            }

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.True(back.Elapsed < TimeSpan.FromSeconds(10), "the API did not resume within 10 s of Redis returning");
            await Task.Delay(250);
        }

        Assert.Equal(HttpStatusCode.OK, (await terminal.Http.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task AClientThatAbortsMidChargeFindsItsChargeAndARetryReturnsTheSameOne()
    {
        await using var app = new VioPayApp().WithServices(services =>
        {
            services.AddSingleton<AcquirerSimulator>();
            services.AddSingleton<SlowAcquirer>();
            services.AddSingleton<IPaymentProcessor>(sp => sp.GetRequiredService<SlowAcquirer>());
        });
        await app.InitializeAsync();
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var acquirer = app.Services.GetRequiredService<SlowAcquirer>();
        acquirer.Reset();

        // The pending row is committed and the acquirer asked when the client gives up and drops the connection.
        var key = Guid.NewGuid().ToString();
        var json = terminal.ChargeJson();
        using var abort = new CancellationTokenSource();
        var send = terminal.Http.SendAsync(terminal.ChargeRequest(json, key), abort.Token);
        await acquirer.Asked.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await abort.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send);

        // While the acquirer still works the key answers 409; then the recovery look-up finds the charge.
        JsonElement found = default;
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            var lookup = await terminal.Http.SendAsync(terminal.Signed(HttpMethod.Get, "/pos/charge?idempotency_key=" + key, null));
            if (lookup.StatusCode == HttpStatusCode.OK)
            {
                using var envelope = JsonDocument.Parse(await lookup.Content.ReadAsStringAsync());
                found = terminal.Decrypt(envelope.RootElement);
                break;
            }

            await lookup.AssertErrorAsync(HttpStatusCode.Conflict, "4009");
            await Task.Delay(100);
        }

        Assert.Equal("approved", found.Text("status"));
        var (retry, replayed) = await terminal.SendEncryptedOkAsync(terminal.ChargeRequest(json, key));
        Assert.True(replayed);
        Assert.Equal(found.Text("charge_id"), retry.Text("charge_id"));
        using var scope = app.Services.CreateScope();
        Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<VioPayDbContext>().Charges.CountAsync(c => c.TerminalId == terminal.TerminalId));
    }
}
