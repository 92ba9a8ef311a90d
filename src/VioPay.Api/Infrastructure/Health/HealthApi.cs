using Microsoft.AspNetCore.Http.HttpResults;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.OpenApi;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Payments;

namespace VioPay.Api.Infrastructure.Health;

public static class HealthApi
{
    public const string ServiceName = "vi-backoffice-api";

    public static WebApplicationBuilder AddHealth(this WebApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks()
            .AddDbContextCheck<VioPayDbContext>("postgres", HealthStatus.Unhealthy, ["ready"])
            .AddCheck<RedisHealthCheck>("redis", HealthStatus.Unhealthy, ["ready"], TimeSpan.FromSeconds(5));
        return builder;
    }

    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        var health = app.MapGroup("/health").WithTags("Health");

        health.MapGet("/live", Live)
            .WithName("HealthLive")
            .WithSummary("Liveness: the process answers. Calls no dependency.")
            .ProducesErrors(413);

        health.MapGet("/ready", Ready)
            .WithName("HealthReady")
            .WithSummary("Readiness: PostgreSQL and Redis both answer. 503 (code 5003) naming the failing ones otherwise, or with details.draining once the instance is stopping (SIGTERM; Hosting:ShutdownDrainSeconds). A Redis Cluster with some masters down is 'degraded' and still ready (requests needing the lost slots answer 503). details.payment_processor names the acquirer; details.warning says when it is the simulator outside Development.")
            .ProducesErrors(413, 503);
        return app;
    }

    public sealed record LiveResponse(string Status, string Service);

    public sealed record ReadyResponse(string Status, string Service, IReadOnlyDictionary<string, string> Checks, ReadyDetails Details);

    /// <summary>
    /// What an operator should know about this instance: the acquirer it sends payments to, and a warning when that is
    /// the simulator outside Development.
    /// </summary>
    public sealed record ReadyDetails(
        string PaymentProcessor,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Warning);

    private static Ok<LiveResponse> Live() => TypedResults.Ok(new LiveResponse("ok", ServiceName));

    private static async Task<Ok<ReadyResponse>> Ready(HealthCheckService health, IOptions<PaymentOptions> payments,
        IHostEnvironment environment, ShutdownDrain drain, CancellationToken cancellationToken)
    {
        // First, and without asking PostgreSQL or Redis: a stopping instance is out of rotation whatever they say.
        if (drain.IsDraining)
        {
            throw new ApiException(StatusCodes.Status503ServiceUnavailable, ErrorCodes.ServiceUnavailable,
                "This instance is shutting down (draining); retry on another", new Dictionary<string, object?> { ["draining"] = true })
            {
                RetryAfterSeconds = 1,
            };
        }

        var report = await health.CheckHealthAsync(r => r.Tags.Contains("ready"), cancellationToken);
        var checks = report.Entries.ToDictionary(e => e.Key, e => e.Value.Status switch
        {
            HealthStatus.Healthy => "ok",
            HealthStatus.Degraded => "degraded",
            _ => "unavailable",
        });
        if (report.Status == HealthStatus.Unhealthy)
        {
            throw new ApiException(StatusCodes.Status503ServiceUnavailable, ErrorCodes.ServiceUnavailable,
                "A dependency is unavailable, retry later", new Dictionary<string, object?> { ["checks"] = checks })
            {
                RetryAfterSeconds = 5,
            };
        }

        var details = new ReadyDetails(payments.Value.EffectiveProcessor(), payments.Value.SimulatorOutsideDevelopment(environment)
            ? "Payments go to the built-in acquirer simulator: no real money moves."
            : null);
        return TypedResults.Ok(new ReadyResponse("ok", ServiceName, checks, details));
    }
}
