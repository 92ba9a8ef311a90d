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

    /// <summary>A pre-authorization the acquirer holds (PROTOCOL §11.2), until it is captured, voided or expires.</summary>
    public const string Authorized = "authorized";

    public const string Cancelled = "cancelled";

    /// <summary>A hold that lapsed at its <c>expires_at</c>; the server released it with the acquirer.</summary>
    public const string Expired = "expired";

    /// <summary>Every status of PROTOCOL §11.1, in the order a charge can reach them.</summary>
    public static readonly IReadOnlyList<string> All = [Pending, Approved, Declined, Authorized, Cancelled, Expired];
}

public static class AuthorizationType
{
    public const string Final = "final";
    public const string Pre = "pre";
}

/// <summary>An acquirer call on a held authorization whose intent is committed and whose outcome is not written yet.</summary>
public static class HoldOperation
{
    public const string Capture = "capture";
    public const string Increment = "increment";
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

    /// <summary><c>final</c> or <c>pre</c> (PROTOCOL §11.2).</summary>
    public string AuthorizationType { get; set; } = Payments.AuthorizationType.Final;

    /// <summary>What the acquirer holds for a pre-authorization (raised by increments); null for a final charge.</summary>
    public long? AuthorizedMinor { get; set; }

    /// <summary>The first authorized amount, against which the simulator's increment rule is judged.</summary>
    public long? FirstAuthorizedMinor { get; set; }

    /// <summary>The tip included in <see cref="AmountMinor"/>, when there is one (PROTOCOL §11.4, §11.6).</summary>
    public long? TipMinor { get; set; }

    public DateTimeOffset? CapturedAt { get; set; }

    /// <summary>When a pre-authorization's hold lapses (<c>Payments:AuthorizationHoldHours</c> after it was granted).</summary>
    public DateTimeOffset? ExpiresAt { get; set; }

    /// <summary>
    /// A capture or increment committed before its acquirer call and not yet completed (<see cref="HoldOperation"/>);
    /// while it is set no other hold operation starts, and the sweep sends it again when its request died.
    /// </summary>
    public string? PendingOperation { get; set; }

    public long? PendingAmountMinor { get; set; }
    public long? PendingTipMinor { get; set; }
    public DateTimeOffset? PendingSince { get; set; }
    public uint Version { get; set; }
}

internal sealed class ChargeConfiguration : IEntityTypeConfiguration<Charge>
{
    public void Configure(EntityTypeBuilder<Charge> builder)
    {
        builder.ToTable("charges", t =>
        {
            t.HasCheckConstraint("ck_charges_status",
                "status IN ('pending', 'approved', 'declined', 'authorized', 'cancelled', 'expired')");
            t.HasCheckConstraint("ck_charges_authorization_type", "authorization_type IN ('final', 'pre')");
            t.HasCheckConstraint("ck_charges_pending_operation", "pending_operation IS NULL OR pending_operation IN ('capture', 'increment')");
            t.HasCheckConstraint("ck_charges_tip_bounded", "tip_minor IS NULL OR (tip_minor >= 0 AND tip_minor <= amount_minor)");
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
        builder.Property(c => c.AuthorizationType).HasMaxLength(8).HasDefaultValue(Payments.AuthorizationType.Final);
        builder.Property(c => c.PendingOperation).HasMaxLength(16);
        builder.Property(c => c.Version).IsRowVersion();
        builder.HasIndex(c => new { c.MerchantId, c.CreatedAt });
        builder.HasIndex(c => new { c.TerminalId, c.CreatedAt });
        // The sweep's look-ups, all small: charges still pending (only those in flight; a status index over every row was
        // one more entry per insert and per outcome), holds that lapse, and hold operations whose request died.
        builder.HasIndex(c => c.CreatedAt, "ix_charges_pending").HasDatabaseName("ix_charges_pending").HasFilter("status = 'pending'");
        builder.HasIndex(c => c.ExpiresAt).HasFilter("status = 'authorized'");
        builder.HasIndex(c => c.PendingSince).HasFilter("pending_operation IS NOT NULL");
        // Not unique: idempotency_records is what makes a key single-use while it is kept; after its purge the key is
        // free again, and this index only serves recovery look-ups (GET /pos/charge?idempotency_key=).
        builder.HasIndex(c => new { c.TerminalId, c.IdempotencyKey }).HasFilter("idempotency_key IS NOT NULL");
        builder.HasOne<Merchant>().WithMany().HasForeignKey(c => c.MerchantId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Terminal>().WithMany().HasForeignKey(c => c.TerminalId).OnDelete(DeleteBehavior.Restrict);
    }
}
