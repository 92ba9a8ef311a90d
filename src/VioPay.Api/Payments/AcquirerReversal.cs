using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace VioPay.Api.Payments;

/// <summary>What a charge's transition leaves owed to the acquirer (<see cref="ChargeLifecycle"/>), retried until acknowledged.</summary>
public static class AcquirerDebt
{
    public const string Nothing = "nothing";

    /// <summary>An approval (or an authorization the acquirer may hold after a timeout) is reversed.</summary>
    public const string Reversal = "reversal";

    /// <summary>A held pre-authorization is voided.</summary>
    public const string Void = "void";

    /// <summary>A lapsed hold is released.</summary>
    public const string Release = "release";
}

/// <summary>A reversal owed to the acquirer, retried until acknowledged.</summary>
public sealed class AcquirerReversal
{
    public long Id { get; set; }
    public required string ChargeId { get; set; }
    public required string Reason { get; set; }

    /// <summary>What is owed: <c>reversal</c> of an approval, <c>void</c> of a held authorization, <c>release</c> of a lapsed hold.</summary>
    public string Kind { get; set; } = AcquirerDebt.Reversal;

    public int Attempts { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public DateTimeOffset? AcknowledgedAt { get; set; }
    public string? LastError { get; set; }
}

internal sealed class AcquirerReversalConfiguration : IEntityTypeConfiguration<AcquirerReversal>
{
    public void Configure(EntityTypeBuilder<AcquirerReversal> builder)
    {
        builder.ToTable("acquirer_reversals", t => t.HasCheckConstraint("ck_acquirer_reversals_kind", "kind IN ('reversal', 'void', 'release')"));
        builder.Property(r => r.Kind).HasMaxLength(16).HasDefaultValue(AcquirerDebt.Reversal);
        builder.Property(r => r.ChargeId).HasMaxLength(32);
        builder.Property(r => r.Reason).HasMaxLength(40);
        builder.Property(r => r.LastError).HasMaxLength(400);
        builder.HasIndex(r => r.ChargeId).IsUnique();
        builder.HasIndex(r => r.NextAttemptAt).HasFilter("acknowledged_at IS NULL");
    }
}
