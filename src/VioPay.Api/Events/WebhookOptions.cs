using System.ComponentModel.DataAnnotations;

namespace VioPay.Api.Events;

/// <summary>Webhook delivery (PROTOCOL §13.1–§13.2). The defaults are the protocol's; tests shorten the back-off.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>Whether <c>http://</c> endpoint URLs are accepted; unset means true in Development only.</summary>
    public bool? AllowHttp { get; set; }

    /// <summary>
    /// Whether endpoints may point at loopback, private, link-local, CGNAT, unique-local or metadata addresses outside
    /// Development (in Development they always may).
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>How often each instance looks for events to fan out and deliveries that are due.</summary>
    [Range(50, 60_000)]
    public int PollIntervalMs { get; set; } = 1000;

    /// <summary>The first retry's delay; each later one doubles it, up to <see cref="RetryMaxSeconds"/>.</summary>
    [Range(1, 3600)]
    public int RetryBaseSeconds { get; set; } = 60;

    [Range(1, 86_400)]
    public int RetryMaxSeconds { get; set; } = 3600;

    /// <summary>After this long without a 2xx a delivery is marked failed and not tried again.</summary>
    [Range(1, 720)]
    public int GiveUpAfterHours { get; set; } = 72;

    /// <summary>A receiver that has not answered with a status within this long has failed the attempt.</summary>
    [Range(1, 60)]
    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>Deliveries one instance takes per round, sent <see cref="MaxParallel"/> at a time.</summary>
    [Range(1, 1000)]
    public int BatchSize { get; set; } = 50;

    [Range(1, 64)]
    public int MaxParallel { get; set; } = 8;

    /// <summary>
    /// Days an event (with its deliveries and their attempts) is kept: older ones that have nothing left to deliver are
    /// deleted, oldest first, in small batches (<see cref="WebhookDispatcher"/>). 0 keeps every event.
    /// </summary>
    [Range(0, 3650)]
    public int EventRetentionDays { get; set; } = 30;

    /// <summary>Live endpoints one merchant may have.</summary>
    [Range(1, 1000)]
    public int MaxEndpointsPerMerchant { get; set; } = 20;

    /// <summary>The delay before the attempt after the <paramref name="failedAttempts"/>-th failed one: base × 2^(n−1), capped.</summary>
    public TimeSpan RetryDelay(int failedAttempts)
    {
        var exponent = Math.Clamp(failedAttempts - 1, 0, 30);
        return TimeSpan.FromSeconds(Math.Min((double)RetryBaseSeconds * Math.Pow(2, exponent), RetryMaxSeconds));
    }
}
