using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace VioPay.Api.Audit;

/// <summary>Who did what, when, to which device, under which trace id. Never a secret.</summary>
public sealed class AuditEvent
{
    public long Id { get; set; }
    public DateTimeOffset OccurredAt { get; set; }

    /// <summary><c>device</c>, <c>user</c>, <c>api_client</c>, <c>admin</c> or <c>system</c>.</summary>
    public required string ActorType { get; set; }

    public string? ActorId { get; set; }
    public required string Action { get; set; }
    public string? DeviceId { get; set; }
    public Guid? MerchantId { get; set; }
    public string? TraceId { get; set; }
    public string? DataJson { get; set; }
}

internal sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> builder)
    {
        builder.ToTable("audit_events");
        builder.Property(a => a.ActorType).HasMaxLength(20);
        builder.Property(a => a.ActorId).HasMaxLength(100);
        builder.Property(a => a.Action).HasMaxLength(60);
        builder.Property(a => a.DeviceId).HasMaxLength(12);
        builder.Property(a => a.TraceId).HasMaxLength(64);
        builder.Property(a => a.DataJson).HasColumnType("jsonb");
        builder.HasIndex(a => new { a.DeviceId, a.OccurredAt });
        builder.HasIndex(a => new { a.MerchantId, a.OccurredAt });
    }
}
