using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace VioPay.Api.Payments;

public static class RefundStatus
{
    /// <summary>Committed before the acquirer is called; its amount already counts in the charge's refunded amount.</summary>
    public const string Pending = "pending";

    public const string Approved = "approved";

    /// <summary>The acquirer refused it: its amount is given back to the charge's refundable amount.</summary>
    public const string Declined = "declined";
}

/// <summary>
/// A refund of part or all of a charge. It is written <c>pending</c> (its amount reserved on the charge) and committed
/// before the acquirer is called, then completed; one the acquirer did not answer is sent again under the same id
/// until it does (PROTOCOL §11.10), so a refund reaches the acquirer as one refund whatever fails in between.
/// </summary>
public sealed class Refund
{
    public required string Id { get; set; }
    public required string ChargeId { get; set; }
    public long AmountMinor { get; set; }
    public required string Currency { get; set; }
    public string Status { get; set; } = RefundStatus.Pending;
    public string? DeclineCode { get; set; }
    public string? Reason { get; set; }
    public string? IdempotencyKey { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Acquirer calls that got no answer; the next is due at <see cref="NextAttemptAt"/>.</summary>
    public int Attempts { get; set; }

    public DateTimeOffset NextAttemptAt { get; set; }
    public string? LastError { get; set; }

    /// <summary>The closed batch this refund belongs to; null until a close takes it (approved refunds only).</summary>
    public string? BatchId { get; set; }

    /// <summary>The scope of its Idempotency-Key when that is not its terminal (a backoffice refund: <c>merchant:{id}</c>).</summary>
    public string? IdempotencyScope { get; set; }
}

internal sealed class RefundConfiguration : IEntityTypeConfiguration<Refund>
{
    public void Configure(EntityTypeBuilder<Refund> builder)
    {
        builder.ToTable("refunds", t =>
        {
            t.HasCheckConstraint("ck_refunds_amount_positive", "amount_minor > 0");
            t.HasCheckConstraint("ck_refunds_status", "status IN ('pending', 'approved', 'declined')");
        });
        builder.Property(r => r.Id).HasMaxLength(32);
        builder.Property(r => r.ChargeId).HasMaxLength(32);
        builder.Property(r => r.Currency).HasMaxLength(3).IsFixedLength();
        builder.Property(r => r.Status).HasMaxLength(16);
        builder.Property(r => r.Reason).HasMaxLength(200);
        builder.Property(r => r.DeclineCode).HasMaxLength(40);
        builder.Property(r => r.IdempotencyKey).HasMaxLength(255);
        builder.Property(r => r.LastError).HasMaxLength(400);
        builder.HasIndex(r => new { r.ChargeId, r.CreatedAt });
        // The sweep's look-up of refunds the acquirer has not answered; small, since a refund is pending only briefly.
        builder.HasIndex(r => r.NextAttemptAt).HasFilter("status = 'pending'");
        builder.HasOne<Charge>().WithMany().HasForeignKey(r => r.ChargeId).OnDelete(DeleteBehavior.Restrict);
    }
}
