using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using VioPay.Api.Devices;

namespace VioPay.Api.Fleet;

/// <summary>
/// What a device's heartbeats last said (PROTOCOL §13.4–§13.5), one row per device that ever sent one. It is kept beside
/// the <c>devices</c> row, not on it: claim, activation and suspension update that row under an optimistic row version,
/// and a heartbeat every minute on the same row would turn them into spurious conflicts.
/// </summary>
public sealed class DevicePresence
{
    public required string DeviceId { get; set; }

    /// <summary>The last heartbeat written (one that changes nothing is written at most every half interval).</summary>
    public DateTimeOffset LastSeenAt { get; set; }

    public string? AppVersion { get; set; }
    public int? BatteryPercent { get; set; }
    public string? Network { get; set; }
    public int? QueuedTransactions { get; set; }

    /// <summary>
    /// Set by the offline sweep in the transaction that raises <c>device.offline</c>, cleared by the heartbeat whose
    /// transaction raises <c>device.online</c>: each transition is taken by exactly one writer, so each event is raised once.
    /// </summary>
    public DateTimeOffset? OfflineAt { get; set; }
}

internal sealed class DevicePresenceConfiguration : IEntityTypeConfiguration<DevicePresence>
{
    public void Configure(EntityTypeBuilder<DevicePresence> builder)
    {
        builder.ToTable("device_presence", t => t.HasCheckConstraint("ck_device_presence_battery_percent",
            "battery_percent BETWEEN 0 AND 100"));
        builder.HasKey(p => p.DeviceId);
        builder.Property(p => p.DeviceId).HasMaxLength(12);
        builder.Property(p => p.AppVersion).HasMaxLength(Heartbeats.MaxTextLength);
        builder.Property(p => p.Network).HasMaxLength(Heartbeats.MaxTextLength);
        // The sweep's look-up: devices still counted online whose last heartbeat is old.
        builder.HasIndex(p => p.LastSeenAt).HasFilter("offline_at IS NULL");
        builder.HasOne<Device>().WithOne().HasForeignKey<DevicePresence>(p => p.DeviceId).OnDelete(DeleteBehavior.Cascade);
    }
}
