using System.Globalization;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace VioPay.Api.Infrastructure;

public static class LoggingExtensions
{
    /// <summary>A line a person reads: time, level and the message with its values (exception, if any, below).</summary>
    public const string DevelopmentTemplate =
        "{Timestamp:HH:mm:ss} {Level:u3} {Message:lj}{NewLine}{Exception}";

    /// <summary>
    /// JSON lines on stdout (one event per line, <c>@tr</c> is the W3C trace id that error answers
    /// carry as <c>trace_id</c>), except in Development, where the console gets readable text lines so that
    /// <c>scripts/run --demo</c>'s transcript is not buried in JSON. Levels can be raised per source with
    /// <c>Serilog:MinimumLevel</c>.
    /// </summary>
    public static WebApplicationBuilder AddLogging(this WebApplicationBuilder builder)
    {
        var readable = builder.Environment.IsDevelopment();
        builder.Services.AddSerilog((services, logger) =>
        {
            logger
                .MinimumLevel.Information()
                .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
                .MinimumLevel.Override("Microsoft.EntityFrameworkCore", LogEventLevel.Warning)
                .MinimumLevel.Override("Microsoft.Extensions.Diagnostics.HealthChecks", LogEventLevel.Error)
                .ReadFrom.Configuration(builder.Configuration)
                .ReadFrom.Services(services)
                .Enrich.FromLogContext()
                .Enrich.WithProperty("service", Health.HealthApi.ServiceName);
            if (readable)
            {
                logger.WriteTo.Console(outputTemplate: DevelopmentTemplate, formatProvider: CultureInfo.InvariantCulture);
            }
            else
            {
                logger.WriteTo.Console(new RenderedCompactJsonFormatter());
            }
        });
        return builder;
    }

    public static WebApplication UseRequestLogging(this WebApplication app)
    {
        // Path only: the query string is not logged, nor any header or body. The host's own logger, not the static
        // Log.Logger the middleware would otherwise use, so every host in a process logs through its own sinks.
        var logger = app.Services.GetRequiredService<Serilog.ILogger>();
        app.UseSerilogRequestLogging(o =>
        {
            o.Logger = logger;
            o.MessageTemplate = "HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed:0.0} ms";
            // A scrape or a probe every few seconds would drown the log; they show at Debug, unless they fail.
            o.GetLevel = (http, _, exception) =>
                exception is not null || http.Response.StatusCode >= 500 ? LogEventLevel.Error
                : Telemetry.TelemetryExtensions.IsQuietPath(http.Request.Path) && http.Response.StatusCode < 400 ? LogEventLevel.Debug
                : LogEventLevel.Information;
        });
        return app;
    }
}
