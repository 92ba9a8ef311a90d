using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace VioPay.Api.Payments;

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
        // A record is written in flight and completed once, with the answer: room left on each page lets that update
        // stay on the page and skip both indexes (a HOT update), since no indexed column changes.
        builder.HasStorageParameter("fillfactor", 70);
    }
}
