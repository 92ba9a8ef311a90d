using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace VioPay.Api.Infrastructure.Security;

/// <summary>
/// The KCV of the LMK the database's key blocks are wrapped under: one row, recorded at the first start (or
/// <c>migrate</c>) and moved only by <c>rotate-lmk</c>. A KCV is not secret; it lets start-up refuse another LMK before a
/// user finds out through a failed request.
/// </summary>
public sealed class LmkRecord
{
    public const int SingletonId = 1;

    public int Id { get; set; } = SingletonId;

    /// <summary>The CMAC KCV (10 hex characters) of the LMK every stored block is under.</summary>
    public required string Kcv { get; set; }

    public DateTimeOffset RecordedAt { get; set; }

    /// <summary>Set while <c>rotate-lmk</c> moves blocks to the LMK of this KCV; a start-up then refuses until it ends.</summary>
    public string? RotatingToKcv { get; set; }

    public DateTimeOffset? RotationStartedAt { get; set; }
}

internal sealed class LmkRecordConfiguration : IEntityTypeConfiguration<LmkRecord>
{
    public void Configure(EntityTypeBuilder<LmkRecord> builder)
    {
        builder.ToTable("lmk_record", t => t.HasCheckConstraint("ck_lmk_record_singleton", "id = 1"));
        builder.Property(r => r.Id).ValueGeneratedNever();
        builder.Property(r => r.Kcv).HasMaxLength(10);
        builder.Property(r => r.RotatingToKcv).HasMaxLength(10);
    }
}
