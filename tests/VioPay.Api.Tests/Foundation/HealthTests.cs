using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Foundation;

public sealed class HealthTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    [Fact]
    public async Task LiveAnswersOkWithTheServiceName()
    {
        var response = await app.CreateClient().GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"status":"ok","service":"vi-backoffice-api"}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ReadyAnswersOkWhenPostgresAndRedisAnswer()
    {
        var response = await app.CreateClient().GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("ok", body.RootElement.GetProperty("checks").GetProperty("postgres").GetString());
        Assert.Equal("ok", body.RootElement.GetProperty("checks").GetProperty("redis").GetString());
    }
}

public sealed class HealthWithDependenciesDownTests
{
    [Fact]
    public async Task ReadyAnswers503InTheEnvelopeWhenRedisIsDown()
    {
        await using var app = new RedisDownApp();
        await app.InitializeAsync();
        var client = app.CreateClient();

        var live = await client.GetAsync("/health/live");
        var ready = await client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        var error = await ready.AssertErrorAsync(HttpStatusCode.ServiceUnavailable, "5003");
        Assert.Equal("unavailable", error.GetProperty("details").GetProperty("checks").GetProperty("redis").GetString());
        Assert.Equal("ok", error.GetProperty("details").GetProperty("checks").GetProperty("postgres").GetString());
        Assert.NotNull(ready.Headers.RetryAfter);
    }

    [Fact]
    public async Task ReadyAnswers503InTheEnvelopeWhenPostgresIsDown()
    {
        await using var app = new PostgresDownApp();
        await app.InitializeAsync();

        var ready = await app.CreateClient().GetAsync("/health/ready");

        var error = await ready.AssertErrorAsync(HttpStatusCode.ServiceUnavailable, "5003");
        Assert.Equal("unavailable", error.GetProperty("details").GetProperty("checks").GetProperty("postgres").GetString());
    }

    [Fact]
    public async Task AnUnexpectedExceptionIs5000WithoutInternals()
    {
        await using var app = new VioPayApp();
        app.WithServices(s => s.AddSingleton<HealthCheckService, ExplodingHealthCheckService>());
        await app.InitializeAsync();

        var response = await app.CreateClient().GetAsync("/health/ready");

        var error = await response.AssertErrorAsync(HttpStatusCode.InternalServerError, "5000");
        Assert.Equal("Internal error", error.GetProperty("message").GetString());
        Assert.DoesNotContain("Boom", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("at VioPay", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>Nothing listens on the discard port, so every Redis call fails at once.</summary>
    private sealed class RedisDownApp : VioPayApp
    {
        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            With("ConnectionStrings:Redis", "127.0.0.1:9,connectTimeout=500");
        }
    }

    private sealed class PostgresDownApp : VioPayApp
    {
        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            With("ConnectionStrings:Postgres", "Host=127.0.0.1;Port=9;Database=none;Username=none;Timeout=2");
        }
    }

    private sealed class ExplodingHealthCheckService : HealthCheckService
    {
        public override Task<HealthReport> CheckHealthAsync(Func<HealthCheckRegistration, bool>? predicate, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("Boom: internal detail that must not leak");
    }
}
