using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using VioPay.Api.Tenancy;

namespace VioPay.Api.Devices;

public static class DeviceStatus
{
    public const string Inactive = "inactive";
    public const string Claimed = "claimed";
    public const string Activated = "activated";
}

/// <summary>A physical POS device, pre-provisioned before its first boot.</summary>
public sealed class Device
{
    /// <summary><c>POS-</c> + 8 uppercase hex characters.</summary>
    public required string Id { get; set; }

    public Guid ResellerId { get; set; }

    /// <summary>Set when a merchant provisioned the device, or when a merchant claimed it from reseller inventory.</summary>
    public Guid? MerchantId { get; set; }

    /// <summary>
    /// Inventory only (PROTOCOL §12.1): the one merchant the reseller assigned the device to, and so the only one that
    /// may claim it. Null on a merchant-provisioned device and on unassigned inventory, which nobody may claim.
    /// </summary>
    public Guid? AssignedMerchantId { get; set; }

    public string Status { get; set; } = DeviceStatus.Inactive;
    public bool Suspended { get; set; }
    public string? Label { get; set; }
    public string? Model { get; set; }

    /// <summary>The zone master key as a TR-31 block under the LMK.</summary>
    public required string ZmkBlock { get; set; }

    public required string ZmkKcv { get; set; }
    public string? TerminalId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? ClaimedAt { get; set; }
    public DateTimeOffset? ActivatedAt { get; set; }

    /// <summary>PostgreSQL's row version, for optimistic concurrency on state changes.</summary>
    public uint Version { get; set; }

    /// <summary>
    /// PROTOCOL §12.1: a merchant's own device is claimable by that merchant only; inventory only by the merchant the
    /// reseller assigned it to. Being a merchant of the same reseller is not enough.
    /// </summary>
    public bool IsClaimableBy(Guid merchantId) =>
        MerchantId is { } owner ? owner == merchantId : AssignedMerchantId == merchantId;
}

/// <summary>A device identity key (seed 004's <c>merchant_device_identity_keys</c>); the secret is kept under the LMK.</summary>
public sealed class DeviceIdentityKey
{
    public required string KeyId { get; set; }
    public required string DeviceId { get; set; }
    public required string SecretBlock { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
}

/// <summary>The logical terminal a claimed device processes payments as.</summary>
public sealed class Terminal
{
    /// <summary><c>TID-</c> + 6 digits.</summary>
    public required string Id { get; set; }

    public required string DeviceId { get; set; }
    public Guid MerchantId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class DeviceConfiguration : IEntityTypeConfiguration<Device>
{
    public void Configure(EntityTypeBuilder<Device> builder)
    {
        builder.ToTable("devices", t => t.HasCheckConstraint("ck_devices_status",
            "status IN ('inactive', 'claimed', 'activated')"));
        builder.Property(d => d.Id).HasMaxLength(12);
        builder.Property(d => d.Status).HasMaxLength(16);
        builder.Property(d => d.Label).HasMaxLength(200);
        builder.Property(d => d.Model).HasMaxLength(100);
        builder.Property(d => d.ZmkBlock).HasMaxLength(400);
        builder.Property(d => d.ZmkKcv).HasMaxLength(10);
        builder.Property(d => d.TerminalId).HasMaxLength(10);
        builder.HasIndex(d => d.TerminalId).IsUnique();
        builder.HasIndex(d => new { d.MerchantId, d.CreatedAt });
        builder.HasIndex(d => new { d.ResellerId, d.CreatedAt });
        builder.Property(d => d.Version).IsRowVersion();
        builder.HasOne<Reseller>().WithMany().HasForeignKey(d => d.ResellerId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Merchant>().WithMany().HasForeignKey(d => d.MerchantId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Merchant>().WithMany().HasForeignKey(d => d.AssignedMerchantId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class DeviceIdentityKeyConfiguration : IEntityTypeConfiguration<DeviceIdentityKey>
{
    public void Configure(EntityTypeBuilder<DeviceIdentityKey> builder)
    {
        builder.ToTable("device_identity_keys");
        builder.HasKey(k => k.KeyId);
        builder.Property(k => k.KeyId).HasMaxLength(64);
        builder.Property(k => k.DeviceId).HasMaxLength(12);
        builder.Property(k => k.SecretBlock).HasMaxLength(400);
        builder.HasIndex(k => k.DeviceId);
        builder.HasOne<Device>().WithMany().HasForeignKey(k => k.DeviceId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class TerminalConfiguration : IEntityTypeConfiguration<Terminal>
{
    public void Configure(EntityTypeBuilder<Terminal> builder)
    {
        builder.ToTable("terminals");
        builder.Property(t => t.Id).HasMaxLength(10);
        builder.Property(t => t.DeviceId).HasMaxLength(12);
        builder.HasIndex(t => t.DeviceId).IsUnique();
        builder.HasIndex(t => t.MerchantId);
        builder.HasOne<Device>().WithMany().HasForeignKey(t => t.DeviceId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Merchant>().WithMany().HasForeignKey(t => t.MerchantId).OnDelete(DeleteBehavior.Restrict);
    }
}
