using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using VioPay.Api.Infrastructure;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Tenancy;
using VioPay.Crypto;

namespace VioPay.Api.Events;

/// <summary>PROTOCOL §13.3: the event types a webhook endpoint may subscribe to.</summary>
public static class EventTypes
{
    public const string ChargeApproved = "charge.approved";
    public const string ChargeDeclined = "charge.declined";
    public const string ChargeAuthorized = "charge.authorized";
    public const string ChargeCaptured = "charge.captured";
    public const string ChargeCancelled = "charge.cancelled";
    public const string ChargeExpired = "charge.expired";
    public const string RefundCreated = "refund.created";
    public const string BatchClosed = "batch.closed";
    public const string DeviceClaimed = "device.claimed";
    public const string DeviceActivated = "device.activated";
    public const string DeviceKeysRotated = "device.keys_rotated";
    public const string DeviceSuspended = "device.suspended";
    public const string DeviceResumed = "device.resumed";
    public const string DeviceOffline = "device.offline";
    public const string DeviceOnline = "device.online";
    public const string Ping = "ping";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        ChargeApproved, ChargeDeclined, ChargeAuthorized, ChargeCaptured, ChargeCancelled, ChargeExpired, RefundCreated,
        BatchClosed, DeviceClaimed, DeviceActivated, DeviceKeysRotated, DeviceSuspended, DeviceResumed, DeviceOffline,
        DeviceOnline, Ping,
    };
}

/// <summary>
/// One event of PROTOCOL §13.2–§13.3, written in the same transaction as the change it reports (the outbox), so no change
/// goes unreported. <c>data</c> is the object as the backoffice API shows it; never a PAN, key or secret.
/// </summary>
public sealed class OutboxEvent
{
    /// <summary><c>evt_</c> + 24 base62 characters.</summary>
    public required string Id { get; set; }

    /// <summary>
    /// The order events were written in. Not the dispatcher's cursor: transactions commit out of sequence order, so a
    /// cursor would skip a row committed late; the dispatcher takes what <see cref="DispatchedAt"/> says is not fanned out.
    /// </summary>
    public long Sequence { get; set; }

    public Guid MerchantId { get; set; }
    public required string Type { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The <c>data</c> object, serialized exactly as the backoffice API would answer it.</summary>
    public required string DataJson { get; set; }

    /// <summary>When the dispatcher made its deliveries (one per subscribed endpoint); null until then.</summary>
    public DateTimeOffset? DispatchedAt { get; set; }

    public static string NewId() => "evt_" + SecureIds.Base62(24);
}

internal sealed class OutboxEventConfiguration : IEntityTypeConfiguration<OutboxEvent>
{
    public void Configure(EntityTypeBuilder<OutboxEvent> builder)
    {
        builder.ToTable("events");
        builder.Property(e => e.Id).HasMaxLength(28);
        builder.Property(e => e.Sequence).UseIdentityAlwaysColumn();
        builder.HasIndex(e => e.Sequence).IsUnique();
        builder.Property(e => e.Type).HasMaxLength(40);
        // json, not jsonb: a delivery carries the bytes the API serialized, key order included (jsonb reorders keys).
        builder.Property(e => e.DataJson).HasColumnType("json");
        builder.HasIndex(e => new { e.MerchantId, e.CreatedAt });
        // The dispatcher's queue: only events not fanned out yet, so the index is as small as the backlog.
        builder.HasIndex(e => e.Sequence, "ix_events_undispatched").HasDatabaseName("ix_events_undispatched").HasFilter("dispatched_at IS NULL");
        builder.HasOne<Merchant>().WithMany().HasForeignKey(e => e.MerchantId).OnDelete(DeleteBehavior.Restrict);
    }
}

/// <summary>Adds events to the unit of work of the change they report, so both commit or neither does.</summary>
public static class EventOutbox
{
    /// <summary>The backoffice API's JSON shape (snake_case), so <c>data</c> reads as <c>GET /merchant/…</c> answers.</summary>
    public static readonly JsonSerializerOptions Json = CreateJson();

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        JsonExtensions.Apply(options);
        return options;
    }

    /// <summary>Adds the event to <paramref name="db"/>; the caller's SaveChanges writes it with the change.</summary>
    public static OutboxEvent Raise(VioPayDbContext db, TimeProvider time, Guid merchantId, string type, object data)
    {
        var outboxEvent = New(time.GetUtcNow(), merchantId, type, data);
        db.Events.Add(outboxEvent);
        return outboxEvent;
    }

    /// <summary>The event row, for a writer that inserts it itself in its own statement (the charge outcome's CTE).</summary>
    public static OutboxEvent New(DateTimeOffset now, Guid merchantId, string type, object data)
    {
        if (!EventTypes.All.Contains(type))
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "Not an event type of PROTOCOL §13.3.");
        }

        return new OutboxEvent
        {
            Id = OutboxEvent.NewId(),
            MerchantId = merchantId,
            Type = type,
            CreatedAt = now,
            DataJson = JsonSerializer.Serialize(data, data.GetType(), Json),
        };
    }
}
