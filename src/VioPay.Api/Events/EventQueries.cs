using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using VioPay.Api.Backoffice;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.Persistence;
using static VioPay.Api.Events.EventsApi;

namespace VioPay.Api.Events;

/// <summary>
/// A merchant's events (PROTOCOL §13.3) and their delivery attempts, read for <see cref="EventsApi"/> and the merchant
/// portal. The merchant id is in every WHERE clause, so another merchant's event is simply not found (404).
/// </summary>
public static class EventQueries
{
    /// <summary>One page, newest first, with the filters of <c>GET /merchant/events</c> (type, limit, cursor); 400 naming bad ones.</summary>
    public static async Task<EventPage> ListAsync(VioPayDbContext db, Guid merchantId, IQueryCollection query, CancellationToken cancellationToken)
    {
        var fields = new Dictionary<string, string>();
        var limit = PageQuery.Limit(query, fields);
        var events = db.Events.AsNoTracking().Where(e => e.MerchantId == merchantId);
        if (query.TryGetValue("type", out var type))
        {
            var value = type.ToString();
            if (!EventTypes.All.Contains(value))
            {
                fields["type"] = "type must be one of: " + string.Join(", ", EventTypes.All.Order(StringComparer.Ordinal)) + ".";
            }

            events = events.Where(e => e.Type == value);
        }

        if (query.TryGetValue("cursor", out var cursor))
        {
            if (PageQuery.TryParseCursor(cursor.ToString(), out var at, out var id))
            {
                events = events.Where(e => e.CreatedAt < at || (e.CreatedAt == at && string.Compare(e.Id, id) < 0));
            }
            else
            {
                fields["cursor"] = "cursor must be a next_cursor value from a previous page.";
            }
        }

        if (fields.Count > 0)
        {
            throw ApiException.InvalidFields(fields);
        }

        var rows = await events.OrderByDescending(e => e.CreatedAt).ThenByDescending(e => e.Id).Take(limit + 1).ToListAsync(cancellationToken);
        var page = rows.Take(limit).Select(e => new EventView(e.Id, e.Type, e.CreatedAt, Data(e))).ToList();
        var next = rows.Count > limit ? PageQuery.Cursor(rows[limit - 1].CreatedAt, rows[limit - 1].Id) : null;
        return new EventPage(page, next);
    }

    /// <summary>One event with its delivery attempts, oldest first; 404 when it is not this merchant's.</summary>
    public static async Task<EventDetail> GetAsync(VioPayDbContext db, Guid merchantId, string eventId, CancellationToken cancellationToken)
    {
        var outboxEvent = await db.Events.AsNoTracking().FirstOrDefaultAsync(e => e.Id == eventId && e.MerchantId == merchantId, cancellationToken)
            ?? throw ApiException.NotFound("Event not found");
        var attempts = await AttemptsAsync(db, merchantId, [outboxEvent.Id], cancellationToken);
        return new EventDetail(outboxEvent.Id, outboxEvent.Type, outboxEvent.CreatedAt, Data(outboxEvent),
            attempts.GetValueOrDefault(outboxEvent.Id, []));
    }

    /// <summary>The delivery attempts of these events of the merchant, oldest first per event (events without any absent).</summary>
    public static async Task<Dictionary<string, IReadOnlyList<DeliveryAttemptView>>> AttemptsAsync(VioPayDbContext db, Guid merchantId,
        IReadOnlyCollection<string> eventIds, CancellationToken cancellationToken)
    {
        var ids = eventIds.ToList();
        var rows = await db.WebhookDeliveryAttempts.AsNoTracking()
            .Where(a => ids.Contains(a.EventId) && db.Events.Any(e => e.Id == a.EventId && e.MerchantId == merchantId))
            .OrderBy(a => a.AttemptedAt).ThenBy(a => a.Id)
            .Select(a => new { a.EventId, View = new DeliveryAttemptView(a.EndpointId, a.AttemptedAt, a.StatusCode, a.Error) })
            .ToListAsync(cancellationToken);
        return rows.GroupBy(r => r.EventId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<DeliveryAttemptView>)g.Select(r => r.View).ToList(), StringComparer.Ordinal);
    }

    private static JsonElement Data(OutboxEvent e)
    {
        using var document = JsonDocument.Parse(e.DataJson);
        return document.RootElement.Clone();
    }
}
