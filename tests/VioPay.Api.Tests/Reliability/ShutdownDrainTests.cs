using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Reliability;

/// <summary>
/// Issue 15, graceful drain: after SIGTERM a real API process says it is not ready, stays alive and keeps serving for
/// <c>Hosting:ShutdownDrainSeconds</c>, then stops cleanly. Kubernetes relies on this order (deploy/kubernetes/README.md).
/// </summary>
public sealed class ShutdownDrainTests
{
    private const int DrainSeconds = 4;

    [Fact]
    public async Task AfterSigtermReadinessIs503WhileLivenessAndRequestsAreStillServedThenTheProcessExitsCleanly()
    {
        var backends = await SharedBackends.CreateAsync();
        try
        {
            await using var api = await ApiProcess.StartAsync(backends, new Dictionary<string, string>
            {
                ["Hosting__ShutdownDrainSeconds"] = DrainSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Payments__MaintenanceIntervalSeconds"] = "3600",
            });
            var token = await SignedInTokenAsync(backends, api);
            using (var before = await GetOnNewConnectionAsync(api, token, "/merchant/charges"))
            {
                Assert.Equal(HttpStatusCode.OK, before.StatusCode);
                Assert.NotEqual(true, before.Headers.ConnectionClose);
            }

            var exit = api.TerminateAsync(TimeSpan.FromSeconds(60));

            // The signal is delivered asynchronously: the first 503 comes within moments, never a second 200 after it.
            var clock = Stopwatch.StartNew();
            HttpResponseMessage ready;
            while (true)
            {
                ready = await GetOnNewConnectionAsync(api, null, "/health/ready");
                if (ready.StatusCode != HttpStatusCode.OK || clock.Elapsed > TimeSpan.FromSeconds(DrainSeconds))
                {
                    break;
                }

                ready.Dispose();
                await Task.Delay(50);
            }

            using (ready)
            {
                var error = await ready.AssertErrorAsync(HttpStatusCode.ServiceUnavailable, "5003");
                Assert.True(error.GetProperty("details").GetProperty("draining").GetBoolean());
                Assert.Contains("draining", error.GetProperty("message").GetString(), StringComparison.Ordinal);
                Assert.True(ready.Headers.ConnectionClose);
            }

            // Still within the drain: new connections are accepted, liveness holds, and a request that needs PostgreSQL,
            // Redis and a token is served in full (with Connection: close, so keep-alive clients move elsewhere).
            using (var live = await GetOnNewConnectionAsync(api, null, "/health/live"))
            {
                Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            }

            using (var during = await GetOnNewConnectionAsync(api, token, "/merchant/charges"))
            {
                Assert.Equal(HttpStatusCode.OK, during.StatusCode);
                Assert.True(during.Headers.ConnectionClose);
            }

            using (var readyAgain = await GetOnNewConnectionAsync(api, null, "/health/ready"))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, readyAgain.StatusCode);
            }

            Assert.False(api.HasExited, "the process exited before the drain was over");
            Assert.Equal(0, await exit);
            Assert.Contains(api.Output, line => line.Contains("readiness answers 503", StringComparison.Ordinal));
        }
        finally
        {
            await TestDependencies.DropDatabaseAsync(backends.Postgres);
        }
    }

    private static async Task<string> SignedInTokenAsync(SharedBackends backends, ApiProcess api)
    {
        var reseller = await ApiProcess.AdminAsync(backends, "create-reseller", "--name", "Drain reseller");
        var merchant = await ApiProcess.AdminAsync(backends, "create-merchant", "--reseller", reseller.GetProperty("reseller_id").GetString()!,
            "--name", "Drain merchant");
        var client = await ApiProcess.AdminAsync(backends, "create-api-client", "--merchant", merchant.GetProperty("merchant_id").GetString()!);
        using var http = FreshClient(api);
        await http.SignInAsync(client.GetProperty("client_id").GetString()!, client.GetProperty("client_secret").GetString()!);
        return http.DefaultRequestHeaders.Authorization!.Parameter!;
    }

    /// <summary>A GET on a connection of its own (answer buffered), so every request after SIGTERM proves the listener still accepts.</summary>
    private static async Task<HttpResponseMessage> GetOnNewConnectionAsync(ApiProcess api, string? token, string path)
    {
        using var http = FreshClient(api, token);
        return await http.GetAsync(path);
    }

    /// <summary>A client on a connection of its own, so every request after SIGTERM proves the listener still accepts.</summary>
    private static HttpClient FreshClient(ApiProcess api, string? token = null)
    {
        var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero }, disposeHandler: true)
        {
            BaseAddress = api.BaseAddress,
            Timeout = TimeSpan.FromSeconds(10),
        };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return http;
    }
}
