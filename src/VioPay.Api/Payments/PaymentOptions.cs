using System.ComponentModel.DataAnnotations;

namespace VioPay.Api.Payments;

/// <summary>Payment behaviour that is configuration, not protocol (section <c>Payments</c>).</summary>
public sealed class PaymentOptions
{
    public const string Section = "Payments";

    /// <summary>The one processor built in today: the acquirer simulator of PROTOCOL §8. No real money moves through it.</summary>
    public const string Simulator = "Simulator";

    public static readonly IReadOnlyList<string> KnownProcessors = [Simulator];

    /// <summary>
    /// Which acquirer the service talks to. Required outside Development, so that no deployment runs the simulator
    /// without somebody having chosen it; in Development it defaults to <see cref="Simulator"/>.
    /// </summary>
    public string? Processor { get; set; }

    /// <summary>
    /// How long an instance keeps a terminal and its active key set in memory (<see cref="TerminalDirectory"/>); every
    /// change to them is heard at once through Redis, so this only bounds an entry's life. 0 reads every request from
    /// the database.
    /// </summary>
    [Range(0, 3600)]
    public int TerminalCacheSeconds { get; set; } = 30;

    /// <summary>How long an Idempotency-Key and its first answer are kept; PROTOCOL §8 asks for at least 24 h.</summary>
    [Range(24, 24 * 365)]
    public int IdempotencyRetentionHours { get; set; } = 24;

    /// <summary>A charge still <c>pending</c> this long after it was written is judged abandoned, reversed and declined.</summary>
    [Range(5, 3600)]
    public int PendingSweepAfterSeconds { get; set; } = 120;

    /// <summary>How often each instance runs the sweep, the reversal retries and the purge.</summary>
    [Range(1, 3600)]
    public int MaintenanceIntervalSeconds { get; set; } = 5;

    /// <summary>How long the acquirer holds a pre-authorization: its <c>expires_at</c> is this long after it was granted.</summary>
    [Range(1, 720)]
    public int AuthorizationHoldHours { get; set; } = 168;

    /// <summary>The largest tip a capture may add, in percent of the authorized amount (PROTOCOL §11.4).</summary>
    [Range(0, 100)]
    public int MaxTipPercent { get; set; } = 20;

    /// <summary>
    /// How long the simulator takes to answer each call, as a real acquirer's network round trip would (0: at once).
    /// Load runs and fault drills use it: a process killed during the wait dies between a committed intent and its outcome.
    /// </summary>
    [Range(0, 60000)]
    public int SimulatorLatencyMilliseconds { get; set; }

    [Range(1, 3600)]
    public int ReversalRetryBaseSeconds { get; set; } = 2;

    [Range(1, 86400)]
    public int ReversalRetryMaxSeconds { get; set; } = 300;
}
