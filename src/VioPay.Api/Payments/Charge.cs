using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using VioPay.Api.Devices;
using VioPay.Api.Tenancy;

namespace VioPay.Api.Payments;

public static class ChargeStatus
{
    /// <summary>Written before the processor is called; a charge left here is reversed by the sweep.</summary>
    public const string Pending = "pending";

    public const string Approved = "approved";
    public const string Declined = "declined";
    public const string Cancelled = "cancelled";
}

/// <summary>
/// A card-present charge. The PAN is never stored: only its first six and last four digits and a
/// keyed fingerprint (HMAC under a key derived from the LMK).
/// </summary>
public sealed class Charge
{
    public required string Id { get; set; }
    public required string TerminalId { get; set; }
    public required string DeviceId { get; set; }
    public Guid MerchantId { get; set; }
    public string Status { get; set; } = ChargeStatus.Pending;
    public long AmountMinor { get; set; }
    public required string Currency { get; set; }
    public long RefundedMinor { get; set; }
    public required string CardBrand { get; set; }
    public required string CardFirst6 { get; set; }
    public required string CardLast4 { get; set; }
    public required byte[] CardFingerprint { get; set; }
    public string? EntryMode { get; set; }
    public string? CardholderVerificationMethod { get; set; }
    public required string Stan { get; set; }
    public string? AuthorizationCode { get; set; }
    public string? Rrn { get; set; }
    public string? DeclineCode { get; set; }
    public string? IdempotencyKey { get; set; }
    public required string KeySetId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? CancelledAt { get; set; }

    /// <summary>The closed batch this charge belongs to; null while its terminal's batch is open (see <see cref="BatchOperations"/>).</summary>
    public string? BatchId { get; set; }

    public uint Version { get; set; }
}

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

public static class IdempotencyState
{
    public const string InFlight = "in_flight";
    public const string Completed = "completed";

    /// <summary>Recorded by reverse-by-key before any charge arrived: a late charge with this key is refused.</summary>
    public const string ReversalRecorded = "reversal_recorded";
}

/// <summary>
/// An Idempotency-Key, scoped to its terminal (PROTOCOL §8), written in the same transaction as
/// the charge or refund it produced; its primary key is what makes two racing requests one.
/// </summary>
public sealed class IdempotencyRecord
{
    public required string TerminalId { get; set; }
    public required string Key { get; set; }

    /// <summary>SHA-256 over the route and the canonicalised decrypted plaintext.</summary>
    public required byte[] RequestFingerprint { get; set; }

    public string State { get; set; } = IdempotencyState.InFlight;
    public string? ResourceId { get; set; }
    public int? ResponseStatus { get; set; }

    /// <summary>
    /// The first answer's plaintext JSON (no PAN, no PIN block: the answer never holds one), kept as text so a replay
    /// repeats it byte for byte (jsonb would reorder its keys).
    /// </summary>
    public string? ResponseJson { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
}

/// <summary>A reversal owed to the acquirer, retried until acknowledged.</summary>
public sealed class AcquirerReversal
{
    public long Id { get; set; }
    public required string ChargeId { get; set; }
    public required string Reason { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public DateTimeOffset? AcknowledgedAt { get; set; }
    public string? LastError { get; set; }
}

internal sealed class ChargeConfiguration : IEntityTypeConfiguration<Charge>
{
    public void Configure(EntityTypeBuilder<Charge> builder)
    {
        builder.ToTable("charges", t =>
        {
            t.HasCheckConstraint("ck_charges_status", "status IN ('pending', 'approved', 'declined', 'cancelled')");
            t.HasCheckConstraint("ck_charges_refund_bounded", "refunded_minor >= 0 AND refunded_minor <= amount_minor");
            t.HasCheckConstraint("ck_charges_amount_positive", "amount_minor > 0");
        });
        builder.Property(c => c.Id).HasMaxLength(32);
        builder.Property(c => c.TerminalId).HasMaxLength(10);
        builder.Property(c => c.DeviceId).HasMaxLength(12);
        builder.Property(c => c.Status).HasMaxLength(16);
        builder.Property(c => c.Currency).HasMaxLength(3).IsFixedLength();
        builder.Property(c => c.CardBrand).HasMaxLength(20);
        builder.Property(c => c.CardFirst6).HasMaxLength(6);
        builder.Property(c => c.CardLast4).HasMaxLength(4);
        builder.Property(c => c.EntryMode).HasMaxLength(20);
        builder.Property(c => c.CardholderVerificationMethod).HasMaxLength(20);
        builder.Property(c => c.Stan).HasMaxLength(6);
        builder.Property(c => c.AuthorizationCode).HasMaxLength(6);
        builder.Property(c => c.Rrn).HasMaxLength(12);
        builder.Property(c => c.DeclineCode).HasMaxLength(40);
        builder.Property(c => c.IdempotencyKey).HasMaxLength(255);
        builder.Property(c => c.KeySetId).HasMaxLength(64);
        builder.Property(c => c.Version).IsRowVersion();
        builder.HasIndex(c => new { c.MerchantId, c.CreatedAt });
        builder.HasIndex(c => new { c.TerminalId, c.CreatedAt });
        builder.HasIndex(c => new { c.Status, c.CreatedAt });
        // Not unique: idempotency_records is what makes a key single-use while it is kept; after its purge the key is
        // free again, and this index only serves recovery look-ups (GET /pos/charge?idempotency_key=).
        builder.HasIndex(c => new { c.TerminalId, c.IdempotencyKey }).HasFilter("idempotency_key IS NOT NULL");
        builder.HasOne<Merchant>().WithMany().HasForeignKey(c => c.MerchantId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Terminal>().WithMany().HasForeignKey(c => c.TerminalId).OnDelete(DeleteBehavior.Restrict);
    }
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

internal sealed class IdempotencyRecordConfiguration : IEntityTypeConfiguration<IdempotencyRecord>
{
    public void Configure(EntityTypeBuilder<IdempotencyRecord> builder)
    {
        builder.ToTable("idempotency_records", t => t.HasCheckConstraint("ck_idempotency_state",
            "state IN ('in_flight', 'completed', 'reversal_recorded')"));
        builder.HasKey(r => new { r.TerminalId, r.Key });
        // The key's scope: a terminal id, or merchant:{id:N} for backoffice writes (IdempotencyScopes).
        builder.Property(r => r.TerminalId).HasMaxLength(48);
        builder.Property(r => r.Key).HasMaxLength(255);
        builder.Property(r => r.State).HasMaxLength(20);
        builder.Property(r => r.ResourceId).HasMaxLength(32);
        builder.Property(r => r.ResponseJson).HasColumnType("text");
        builder.HasIndex(r => r.ExpiresAt);
    }
}

internal sealed class AcquirerReversalConfiguration : IEntityTypeConfiguration<AcquirerReversal>
{
    public void Configure(EntityTypeBuilder<AcquirerReversal> builder)
    {
        builder.ToTable("acquirer_reversals");
        builder.Property(r => r.ChargeId).HasMaxLength(32);
        builder.Property(r => r.Reason).HasMaxLength(40);
        builder.Property(r => r.LastError).HasMaxLength(400);
        builder.HasIndex(r => r.ChargeId).IsUnique();
        builder.HasIndex(r => r.NextAttemptAt).HasFilter("acknowledged_at IS NULL");
    }
}
