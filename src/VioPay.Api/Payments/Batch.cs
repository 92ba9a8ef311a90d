using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using VioPay.Api.Devices;
using VioPay.Api.Tenancy;

namespace VioPay.Api.Payments;

/// <summary>
/// A closed day batch of one terminal (PROTOCOL §11.7). The open batch has no row: it is the terminal's charges and
/// refunds whose <c>batch_id</c> is still null, so the charge path writes nothing for it. A close inserts this row and
/// stamps its id on them, in one transaction.
/// </summary>
public sealed class Batch
{
    public required string Id { get; set; }
    public required string TerminalId { get; set; }
    public required string DeviceId { get; set; }
    public Guid MerchantId { get; set; }
    public DateTimeOffset OpenedAt { get; set; }
    public DateTimeOffset ClosedAt { get; set; }

    /// <summary>
    /// The close's answer as sent (batch_id, status, opened_at, closed_at, totals, by_brand, open_authorizations,
    /// reconciliation), kept as text so the backoffice repeats it byte for byte.
    /// </summary>
    public required string ReportJson { get; set; }
}

internal sealed class BatchConfiguration : IEntityTypeConfiguration<Batch>
{
    public void Configure(EntityTypeBuilder<Batch> builder)
    {
        builder.ToTable("batches");
        builder.Property(b => b.Id).HasMaxLength(32);
        builder.Property(b => b.TerminalId).HasMaxLength(10);
        builder.Property(b => b.DeviceId).HasMaxLength(12);
        builder.Property(b => b.ReportJson).HasColumnType("text");
        builder.HasIndex(b => new { b.MerchantId, b.ClosedAt, b.Id });
        builder.HasIndex(b => new { b.TerminalId, b.ClosedAt });
        builder.HasOne<Merchant>().WithMany().HasForeignKey(b => b.MerchantId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Terminal>().WithMany().HasForeignKey(b => b.TerminalId).OnDelete(DeleteBehavior.Restrict);
    }
}

/// <summary>The batch columns of charges and refunds, kept beside the batch so Charge.cs stays as the lifecycle has it.</summary>
internal sealed class ChargeBatchConfiguration : IEntityTypeConfiguration<Charge>
{
    public void Configure(EntityTypeBuilder<Charge> builder)
    {
        // No foreign key to batches: it would queue a referential trigger on every charge insert, the busiest write of the
        // service. Only a close writes batch_id, in the transaction that inserts the batch.
        builder.Property(c => c.BatchId).HasMaxLength(32);
        builder.HasIndex(c => c.BatchId).HasFilter("batch_id IS NOT NULL");
        // What a close sweeps: small (only the open batch's rows), and a charge enters it only when it becomes approved,
        // so the pending insert of the charge path does not touch it.
        builder.HasIndex(c => c.TerminalId, "ix_charges_open_batch").HasDatabaseName("ix_charges_open_batch")
            .HasFilter("batch_id IS NULL AND status IN ('approved', 'cancelled')");
    }
}

internal sealed class RefundBatchConfiguration : IEntityTypeConfiguration<Refund>
{
    public void Configure(EntityTypeBuilder<Refund> builder)
    {
        builder.Property(r => r.BatchId).HasMaxLength(32);
        builder.Property(r => r.IdempotencyScope).HasMaxLength(48);
        builder.HasIndex(r => r.BatchId).HasFilter("batch_id IS NOT NULL");
        builder.HasIndex(r => r.ChargeId, "ix_refunds_open_batch").HasDatabaseName("ix_refunds_open_batch").HasFilter("batch_id IS NULL AND status = 'approved'");
    }
}
