using Microsoft.Extensions.Options;
using VioPay.Api.Infrastructure;

namespace VioPay.Api.Fleet;

/// <summary>
/// PROTOCOL §13.5: a device is <c>online</c> while its last heartbeat is at most three heartbeat intervals old (the interval
/// <c>/pos/config</c> gives it), <c>offline</c> after that, <c>never_seen</c> before its first heartbeat. Judged against
/// the app's clock on every read, so a view is right whether or not the offline sweep has run yet.
/// </summary>
public sealed class Connectivity(TimeProvider time, IOptions<PosOptions> options)
{
    public const string Online = "online";
    public const string Offline = "offline";
    public const string NeverSeen = "never_seen";

    public static readonly IReadOnlyList<string> All = [Online, Offline, NeverSeen];

    public DateTimeOffset Now => time.GetUtcNow();

    /// <summary>Three heartbeat intervals.</summary>
    public TimeSpan Window => TimeSpan.FromSeconds(3L * options.Value.HeartbeatIntervalSeconds);

    /// <summary>A heartbeat at or after this instant counts as online at <paramref name="now"/>.</summary>
    public DateTimeOffset OnlineSince(DateTimeOffset now) => now - Window;

    public string Of(DateTimeOffset? lastSeenAt, DateTimeOffset now) => lastSeenAt switch
    {
        null => NeverSeen,
        { } seen when seen >= OnlineSince(now) => Online,
        _ => Offline,
    };
}
