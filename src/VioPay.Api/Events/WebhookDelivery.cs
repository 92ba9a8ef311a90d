using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace VioPay.Api.Events;

public static class DeliveryStatus
{
    /// <summary>Not delivered yet: due at <see cref="WebhookDelivery.NextAttemptAt"/> (or leased until then by an instance).</summary>
    public const string Pending = "pending";

    public const string Delivered = "delivered";

    /// <summary>Given up: no 2xx within <c>Webhooks:GiveUpAfterHours</c> (72 h).</summary>
    public const string Failed = "failed";

    /// <summary>Its endpoint was deleted before it was delivered.</summary>
    public const string Cancelled = "cancelled";
}

/// <summary>
/// One event owed to one endpoint, created when the dispatcher fans the event out (<see cref="WebhookDispatcher"/>).
/// While pending, <see cref="NextAttemptAt"/> is both its due time and, once taken, the lease of the instance sending
/// it: no other instance takes it before then.
/// </summary>
public sealed class WebhookDelivery
{
    public long Id { get; set; }
    public required string EventId { get; set; }
    public required string EndpointId { get; set; }
    public string Status { get; set; } = DeliveryStatus.Pending;
    public int Attempts { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
}

/// <summary>One POST to an endpoint, as <c>GET /merchant/events/{id}</c> shows it in <c>delivery_attempts</c>.</summary>
public sealed class WebhookDeliveryAttempt
{
    public long Id { get; set; }
    public long DeliveryId { get; set; }
    public required string EventId { get; set; }
    public required string EndpointId { get; set; }
    public DateTimeOffset AttemptedAt { get; set; }

    /// <summary>The receiver's HTTP status, when it answered at all.</summary>
    public int? StatusCode { get; set; }

    /// <summary>Why no answer counted (timeout, connection refused, private address); never a secret.</summary>
    public string? Error { get; set; }
}

internal sealed class WebhookDeliveryConfiguration : IEntityTypeConfiguration<WebhookDelivery>
{
    public void Configure(EntityTypeBuilder<WebhookDelivery> builder)
    {
        builder.ToTable("webhook_deliveries", t =>
            t.HasCheckConstraint("ck_webhook_deliveries_status", "status IN ('pending', 'delivered', 'failed', 'cancelled')"));
        builder.Property(d => d.Id).UseIdentityAlwaysColumn();
        builder.Property(d => d.EventId).HasMaxLength(28);
        builder.Property(d => d.EndpointId).HasMaxLength(27);
        builder.Property(d => d.Status).HasMaxLength(16);
        // The dispatcher's look-up: only deliveries still owed, so the index stays as small as the backlog.
        builder.HasIndex(d => d.NextAttemptAt).HasFilter("status = 'pending'");
        builder.HasIndex(d => new { d.EventId, d.EndpointId }).IsUnique();
        builder.HasIndex(d => d.EndpointId).HasFilter("status = 'pending'");
        builder.HasOne<OutboxEvent>().WithMany().HasForeignKey(d => d.EventId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<WebhookEndpoint>().WithMany().HasForeignKey(d => d.EndpointId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class WebhookDeliveryAttemptConfiguration : IEntityTypeConfiguration<WebhookDeliveryAttempt>
{
    public void Configure(EntityTypeBuilder<WebhookDeliveryAttempt> builder)
    {
        builder.ToTable("webhook_delivery_attempts");
        builder.Property(a => a.Id).UseIdentityAlwaysColumn();
        builder.Property(a => a.EventId).HasMaxLength(28);
        builder.Property(a => a.EndpointId).HasMaxLength(27);
        builder.Property(a => a.Error).HasMaxLength(200);
        builder.HasIndex(a => new { a.EventId, a.AttemptedAt });
        builder.HasIndex(a => a.DeliveryId);
        builder.HasOne<WebhookDelivery>().WithMany().HasForeignKey(a => a.DeliveryId).OnDelete(DeleteBehavior.Cascade);
    }
}
