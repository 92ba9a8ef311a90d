using System.Diagnostics;
using System.Text.Json;
using VioPay.Api.Infrastructure.Persistence;

namespace VioPay.Api.Audit;

/// <summary>Adds audit events to the unit of work of the change they record, so both commit or neither does.</summary>
public static class AuditLog
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static void Record(VioPayDbContext db, TimeProvider time, Actor actor, string action,
        string? deviceId = null, Guid? merchantId = null, object? data = null)
    {
        db.AuditEvents.Add(new AuditEvent
        {
            OccurredAt = time.GetUtcNow(),
            ActorType = actor.Type,
            ActorId = actor.Id,
            Action = action,
            DeviceId = deviceId,
            MerchantId = merchantId,
            TraceId = Activity.Current?.TraceId.ToHexString(),
            DataJson = data is null ? null : JsonSerializer.Serialize(data, Json),
        });
    }
}

/// <summary>Who acted: a device, a user, an API client, the admin CLI or the system itself.</summary>
public sealed record Actor(string Type, string? Id)
{
    public static Actor Device(string deviceId) => new("device", deviceId);
    public static Actor User(Guid userId) => new("user", userId.ToString());
    public static Actor Admin { get; } = new("admin", "cli");
    public static Actor System { get; } = new("system", null);
}
