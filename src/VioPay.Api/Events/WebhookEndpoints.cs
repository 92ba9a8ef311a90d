using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VioPay.Api.Audit;
using VioPay.Api.Infrastructure;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Infrastructure.Redis;
using VioPay.Api.Infrastructure.Security;
using static VioPay.Api.Events.WebhookEndpointsApi;

namespace VioPay.Api.Events;

/// <summary>
/// A merchant's webhook endpoints (PROTOCOL §13.1): create, list, delete and ping, shared by
/// <see cref="WebhookEndpointsApi"/> and the merchant portal. The merchant id is in every WHERE clause, so another
/// merchant's endpoint is simply not found (404). Refusals are <see cref="ApiException"/>s and change nothing.
/// </summary>
public sealed class WebhookEndpoints(VioPayDbContext db, WebhookUrls urls, LocalMasterKey lmk, IOptions<WebhookOptions> options,
    TimeProvider time, RateLimiter limiter, IOptions<RateLimitOptions> limits)
{
    /// <summary>Registers an endpoint; the answer carries its secret, the only time it is ever shown.</summary>
    public async Task<CreatedEndpoint> CreateAsync(Guid merchantId, Guid userId, string? url, IReadOnlyList<string?>? events,
        string? description, CancellationToken cancellationToken)
    {
        var types = ValidateEvents(events, description);
        var uri = await urls.ValidateAsync(url, cancellationToken);
        // One creation per merchant at a time, so parallel requests cannot pass the count together and exceed the cap.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended('webhook-endpoints:' || {merchantId.ToString()}, 0))",
            cancellationToken);
        var live = await db.WebhookEndpoints.CountAsync(e => e.MerchantId == merchantId && e.DeletedAt == null, cancellationToken);
        if (live >= options.Value.MaxEndpointsPerMerchant)
        {
            throw ApiException.Conflict("Too many webhook endpoints: delete one first",
                new Dictionary<string, object?> { ["max_endpoints"] = options.Value.MaxEndpointsPerMerchant });
        }

        var id = WebhookEndpoint.NewId();
        var secret = WebhookEndpoint.NewSecret();
        var endpoint = new WebhookEndpoint
        {
            Id = id,
            MerchantId = merchantId,
            Url = uri.OriginalString,
            Events = types,
            Description = description,
            SecretBlock = lmk.Protect(StoredKeys.WebhookSecret(id), System.Text.Encoding.UTF8.GetBytes(secret)),
            CreatedAt = time.GetUtcNow(),
        };
        db.WebhookEndpoints.Add(endpoint);
        AuditLog.Record(db, time, Actor.User(userId), "webhook_endpoint.created", null, merchantId,
            new { endpoint_id = id, url = endpoint.Url, events = types });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new CreatedEndpoint(id, endpoint.Url, types, endpoint.Description, secret, endpoint.CreatedAt);
    }

    /// <summary>The merchant's live endpoints, newest first, without their secrets.</summary>
    public async Task<IReadOnlyList<EndpointView>> ListAsync(Guid merchantId, CancellationToken cancellationToken)
    {
        var rows = await db.WebhookEndpoints.AsNoTracking().Where(e => e.MerchantId == merchantId && e.DeletedAt == null)
            .OrderByDescending(e => e.CreatedAt).ThenByDescending(e => e.Id).ToListAsync(cancellationToken);
        return rows.Select(e => new EndpointView(e.Id, e.Url, e.Events, e.Description, e.CreatedAt)).ToList();
    }

    /// <summary>Deletes an endpoint: nothing more is sent to it, deliveries still owed to it included.</summary>
    public async Task DeleteAsync(Guid merchantId, Guid userId, string endpointId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var deleted = await db.WebhookEndpoints.Where(e => e.Id == endpointId && e.MerchantId == merchantId && e.DeletedAt == null)
            .ExecuteUpdateAsync(u => u.SetProperty(e => e.DeletedAt, now), cancellationToken);
        if (deleted == 0)
        {
            throw NotFound();
        }

        // What is still owed to it is not sent; a delivery fanned out concurrently is cancelled by the dispatcher instead.
        await db.WebhookDeliveries.Where(d => d.EndpointId == endpointId && d.Status == DeliveryStatus.Pending)
            .ExecuteUpdateAsync(u => u.SetProperty(d => d.Status, DeliveryStatus.Cancelled).SetProperty(d => d.CompletedAt, now), cancellationToken);
        AuditLog.Record(db, time, Actor.User(userId), "webhook_endpoint.deleted", null, merchantId,
            new { endpoint_id = endpointId });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Raises a ping event owed to this endpoint only; answers its event id.</summary>
    public async Task<string> TestAsync(Guid merchantId, string endpointId, CancellationToken cancellationToken)
    {
        // Each ping is a delivery retried for 72 h: unlimited pings to a slow receiver would hold every instance's senders.
        await limiter.HitAsync("webhook-ping", merchantId.ToString(), limits.Value.WebhookPingsPerMerchantPerMinute, TimeSpan.FromMinutes(1));
        var exists = await db.WebhookEndpoints.AnyAsync(e => e.Id == endpointId && e.MerchantId == merchantId && e.DeletedAt == null,
            cancellationToken);
        if (!exists)
        {
            throw NotFound();
        }

        // Written already fanned out, with its one delivery: a ping goes to this endpoint and no other.
        var ping = EventOutbox.Raise(db, time, merchantId, EventTypes.Ping, new { endpoint_id = endpointId });
        ping.DispatchedAt = ping.CreatedAt;
        db.WebhookDeliveries.Add(new WebhookDelivery
        {
            EventId = ping.Id, EndpointId = endpointId, NextAttemptAt = ping.CreatedAt, CreatedAt = ping.CreatedAt,
        });
        await db.SaveChangesAsync(cancellationToken);
        return ping.Id;
    }

    private static List<string> ValidateEvents(IReadOnlyList<string?>? events, string? description)
    {
        var fields = new Dictionary<string, string>();
        if (events is null || events.Count == 0 || events.Any(e => e is null))
        {
            fields["events"] = "events must be a non-empty array of event types, or [\"*\"] for all of them.";
        }
        else if (events.Contains(WebhookEndpoint.Wildcard) && events.Count > 1)
        {
            fields["events"] = "\"*\" stands alone: it already means every event type.";
        }
        else if (events.FirstOrDefault(e => e != WebhookEndpoint.Wildcard && !EventTypes.All.Contains(e!)) is { } unknown)
        {
            fields["events"] = $"{unknown} is not an event type; known: {string.Join(", ", EventTypes.All.Order(StringComparer.Ordinal))}.";
        }

        if (description is { Length: > MaxDescriptionLength })
        {
            fields["description"] = $"description must be at most {MaxDescriptionLength} characters.";
        }

        if (fields.Count > 0)
        {
            throw ApiException.InvalidFields(fields);
        }

        return events!.Select(e => e!).Distinct(StringComparer.Ordinal).ToList();
    }

    private static ApiException NotFound() => ApiException.NotFound("Webhook endpoint not found");
}
