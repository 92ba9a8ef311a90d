using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using VioPay.Api.Devices;
using VioPay.Api.Infrastructure.Security;
using VioPay.Crypto;

namespace VioPay.Api.Keys;

public static class KeySetStatus
{
    /// <summary>Issued by <c>/pos/keys</c>; used by config, terminal parameters and activate.</summary>
    public const string Pending = "pending";

    /// <summary>Made active by <c>/pos/activate</c>; used by charges.</summary>
    public const string Active = "active";

    /// <summary>Replaced by a newer set.</summary>
    public const string Retired = "retired";
}

/// <summary>The six keys of PROTOCOL §6, each kept as a TR-31 block under the LMK.</summary>
public sealed class KeySet
{
    public required string Id { get; set; }
    public required string DeviceId { get; set; }
    public string Status { get; set; } = KeySetStatus.Pending;
    public DateTimeOffset IssuedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? ActivatedAt { get; set; }
    public DateTimeOffset? RetiredAt { get; set; }
    public required string TmkBlock { get; set; }
    public required string KekBlock { get; set; }
    public required string MskBlock { get; set; }
    public required string TpkBlock { get; set; }
    public required string TdkBlock { get; set; }
    public required string MacBlock { get; set; }

    /// <summary>Legacy KCV of the MSK: what envelopes carry as <c>key_kcv</c>.</summary>
    public required string MskKcv { get; set; }

    /// <summary>The <c>X-Key-Id</c> charge requests name.</summary>
    public required string MacKeyId { get; set; }

    /// <summary>What the set's <paramref name="kind"/> block must open as: that role, of this set, of this device.</summary>
    public StoredKey Stored(KeySetKey kind) => StoredKeys.KeySetKeyOf(kind, DeviceId, Id);
}

internal sealed class KeySetConfiguration : IEntityTypeConfiguration<KeySet>
{
    public void Configure(EntityTypeBuilder<KeySet> builder)
    {
        builder.ToTable("key_sets", t => t.HasCheckConstraint("ck_key_sets_status",
            "status IN ('pending', 'active', 'retired')"));
        builder.Property(k => k.Id).HasMaxLength(64);
        builder.Property(k => k.DeviceId).HasMaxLength(12);
        builder.Property(k => k.Status).HasMaxLength(16);
        foreach (var block in new[] { "TmkBlock", "KekBlock", "MskBlock", "TpkBlock", "TdkBlock", "MacBlock" })
        {
            builder.Property(block).HasMaxLength(400);
        }

        builder.Property(k => k.MskKcv).HasMaxLength(10);
        builder.Property(k => k.MacKeyId).HasMaxLength(64);
        builder.HasIndex(k => k.MacKeyId).IsUnique();
        builder.HasIndex(k => new { k.DeviceId, k.Status });
        // At most one active set per device: the database, not the code, rules out two.
        builder.HasIndex(k => k.DeviceId).IsUnique().HasFilter("status = 'active'")
            .HasDatabaseName("ux_key_sets_one_active_per_device");
        builder.HasOne<Device>().WithMany().HasForeignKey(k => k.DeviceId).OnDelete(DeleteBehavior.Cascade);
    }
}
