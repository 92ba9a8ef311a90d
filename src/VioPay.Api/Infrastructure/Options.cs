using System.ComponentModel.DataAnnotations;

namespace VioPay.Api.Infrastructure;

/// <summary>Request limits (PROTOCOL §3 and §10.12).</summary>
public sealed class LimitsOptions
{
    public const string Section = "Limits";

    [Range(1024, 16 * 1024 * 1024)]
    public int PosMaxBodyBytes { get; set; } = 64 * 1024;

    [Range(1024, 64 * 1024 * 1024)]
    public int BackofficeMaxBodyBytes { get; set; } = 1024 * 1024;
}

/// <summary>Behaviour of the POS endpoints that is configuration, not protocol.</summary>
public sealed class PosOptions
{
    public const string Section = "Pos";

    /// <summary>Apps below this semver get 426 on every POS endpoint but bootstrap (PROTOCOL §2).</summary>
    [Required, RegularExpression(@"^\d+\.\d+\.\d+$")]
    public string MinSupportedVersion { get; set; } = "1.3.5";

    /// <summary>Maximum gzip bytes per terminal-parameters chunk (PROTOCOL §7).</summary>
    [Range(1024, 1024 * 1024)]
    public int TerminalParametersChunkBytes { get; set; } = 32 * 1024;

    [Range(30, 3600)]
    public int PairingCodeLifetimeSeconds { get; set; } = 300;

    [Range(1, 100)]
    public int PairingCodeMaxAttempts { get; set; } = 5;

    [Range(30, 3600)]
    public int AttestationTokenLifetimeSeconds { get; set; } = 300;

    [Range(1, 3650)]
    public int KeySetLifetimeDays { get; set; } = 365;

    [Range(1, 3600)]
    public int TimestampMaxPastSeconds { get; set; } = 300;

    [Range(0, 3600)]
    public int TimestampMaxFutureSeconds { get; set; } = 60;

    /// <summary>
    /// PROTOCOL §13.5: <c>device_config.heartbeat_interval_sec</c> in <c>/pos/config</c>; a device is online while its last
    /// heartbeat is at most three intervals old.
    /// </summary>
    [Range(10, 3600)]
    public int HeartbeatIntervalSeconds { get; set; } = 60;

    /// <summary>PROTOCOL §13.4: a heartbeat answers <c>rotate_keys</c> while the active key set expires within this many days.</summary>
    [Range(0, 3650)]
    public int KeyRotationNoticeDays { get; set; } = 30;

    /// <summary>How often each instance looks for devices that went quiet (<c>device.offline</c>).</summary>
    [Range(1, 3600)]
    public int OfflineSweepSeconds { get; set; } = 15;
}

/// <summary>Rate limits (PROTOCOL §10.14 and §12.2); counted in Redis so every instance shares them.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    [Range(1, 100000)] public int ClaimsPerMerchantPerMinute { get; set; } = 30;
    [Range(1, 100000)] public int ClaimsPerIpPerMinute { get; set; } = 60;
    /// <summary>Test pings (<c>POST /merchant/webhook-endpoints/{id}/test</c>) per merchant per minute: each one is a delivery retried for 72 h.</summary>
    [Range(1, 100000)] public int WebhookPingsPerMerchantPerMinute { get; set; } = 10;
    [Range(1, 100000)] public int AttestFailuresPerDevice { get; set; } = 10;
    [Range(1, 86400)] public int AttestFailureWindowSeconds { get; set; } = 300;
    [Range(1, 100000)] public int ClientSessionFailuresPerClient { get; set; } = 10;
    [Range(1, 86400)] public int ClientSessionFailureWindowSeconds { get; set; } = 300;

    /// <summary>PROTOCOL §12.2: <c>/pos/bootstrap</c>, <c>/pos/pairing-code</c> and <c>/pos/status</c> together, per client IP.</summary>
    [Range(1, 10000000)] public int ActivationRequestsPerIpPerMinute { get; set; } = 600;

    [Range(1, 100000)] public int PairingCodesPerDevice { get; set; } = 10;
    [Range(1, 86400)] public int PairingCodeWindowSeconds { get; set; } = 300;
}

public static class OptionsExtensions
{
    public static WebApplicationBuilder AddVioPayOptions(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<LimitsOptions>().BindConfiguration(LimitsOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<PosOptions>().BindConfiguration(PosOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        return builder;
    }
}
