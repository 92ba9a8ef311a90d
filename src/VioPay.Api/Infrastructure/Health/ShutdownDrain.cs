using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace VioPay.Api.Infrastructure.Health;

/// <summary>How the instance stops (section <c>Hosting</c>): a drain while still serving, then the host's own stop.</summary>
public sealed class HostingOptions
{
    public const string Section = "Hosting";

    /// <summary>
    /// After SIGTERM, how long the instance keeps serving while <c>/health/ready</c> answers 503, so load balancers that
    /// probe it take it out of rotation before it stops listening. 0 stops at once (the default: tests, Development,
    /// <c>docker stop</c>); Kubernetes sets it (deploy/kubernetes).
    /// </summary>
    [Range(0, 300)]
    public int ShutdownDrainSeconds { get; set; }

    /// <summary>
    /// After the drain, how long Kestrel and the background workers get to finish what is in flight before the host gives
    /// up on them. The host's <see cref="HostOptions.ShutdownTimeout"/> is the drain plus this.
    /// </summary>
    [Range(1, 600)]
    public int ShutdownTimeoutSeconds { get; set; } = 30;
}

/// <summary>
/// The drain before the host stops. <see cref="StoppingAsync"/> runs when the host begins to stop (SIGTERM) and before any
/// hosted service's <c>StopAsync</c>, Kestrel's (<c>GenericWebHostService</c>) among them: requests are still accepted
/// and served while it waits, and <c>/health/ready</c> answers 503 from its first instant. Liveness stays 200 throughout,
/// so the orchestrator does not kill a draining instance. Background workers keep running until their own stop.
/// </summary>
public sealed class ShutdownDrain(IOptions<HostingOptions> options, ILogger<ShutdownDrain> logger) : IHostedLifecycleService
{
    private volatile bool _draining;

    /// <summary>True from the moment the host begins to stop.</summary>
    public bool IsDraining => _draining;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _draining = true;
        var drain = TimeSpan.FromSeconds(options.Value.ShutdownDrainSeconds);
        if (drain <= TimeSpan.Zero)
        {
            return;
        }

        logger.LogInformation("Stopping: readiness answers 503; still serving for {DrainSeconds} s before the listener closes",
            options.Value.ShutdownDrainSeconds);
        try
        {
            await Task.Delay(drain, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The host's shutdown timeout ran out (or a second stop was asked): stop now.
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

public static class ShutdownDrainExtensions
{
    /// <summary>
    /// Registers the drain and sizes the host's shutdown timeout to cover it: the drain, then
    /// <see cref="HostingOptions.ShutdownTimeoutSeconds"/> for the requests still in flight.
    /// </summary>
    public static WebApplicationBuilder AddShutdownDrain(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<HostingOptions>().BindConfiguration(HostingOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ShutdownDrain>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ShutdownDrain>());
        builder.Services.AddOptions<HostOptions>().Configure<IOptions<HostingOptions>>((host, hosting) =>
            host.ShutdownTimeout = TimeSpan.FromSeconds(hosting.Value.ShutdownDrainSeconds + hosting.Value.ShutdownTimeoutSeconds));
        return builder;
    }

    /// <summary>
    /// While draining, every answer carries <c>Connection: close</c>, so a client or proxy holding a keep-alive connection
    /// to this instance opens its next one elsewhere instead of finding it closed when the listener stops.
    /// </summary>
    public static WebApplication UseShutdownDrain(this WebApplication app)
    {
        var drain = app.Services.GetRequiredService<ShutdownDrain>();
        app.Use((http, next) =>
        {
            if (drain.IsDraining)
            {
                // When the answer starts, so that an error answer (whose handler clears the headers) carries it too.
                http.Response.OnStarting(static state =>
                {
                    ((HttpResponse)state).Headers.Connection = "close";
                    return Task.CompletedTask;
                }, http.Response);
            }

            return next(http);
        });
        return app;
    }
}
