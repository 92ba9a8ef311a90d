using System.ComponentModel.DataAnnotations;

namespace VioPay.Api.Infrastructure.Telemetry;

/// <summary>Where metrics are served and how fresh the money-at-risk gauges are (section <c>Telemetry</c>).</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>
    /// When set, <c>/metrics</c> is served on this port only (and that port serves nothing else), so it can stay off
    /// the public listener; unset, it is served on the API's own port.
    /// </summary>
    [Range(1, 65535)]
    public int? MetricsPort { get; set; }

    /// <summary>How often each instance counts owed reversals and stale pending charges for the gauges (one query).</summary>
    [Range(1, 3600)]
    public int GaugeRefreshSeconds { get; set; } = 15;
}
