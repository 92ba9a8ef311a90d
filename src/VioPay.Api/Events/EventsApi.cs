using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using VioPay.Api.Backoffice;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.OpenApi;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Sessions;

namespace VioPay.Api.Events;

/// <summary>
/// A merchant's events (PROTOCOL §13.3), newest first, and one event with its delivery attempts. The merchant id is in
/// every WHERE clause, so another merchant's event is simply not found (404).
/// </summary>
public static class EventsApi
{
    public sealed record EventView(string Id, string Type, DateTimeOffset CreatedAt, JsonElement Data);

    public sealed record EventPage(IReadOnlyList<EventView> Data, string? NextCursor);

    public sealed record DeliveryAttemptView(
        string EndpointId,
        DateTimeOffset AttemptedAt,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? StatusCode,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error);

    public sealed record EventDetail(string Id, string Type, DateTimeOffset CreatedAt, JsonElement Data,
        IReadOnlyList<DeliveryAttemptView> DeliveryAttempts);

    public static IEndpointRouteBuilder MapEventsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/merchant/events").WithTags("Webhooks").RequireSession(SessionScope.Merchant)
            .WithHeaders(new HeaderDoc("Authorization", true, "Bearer {jwt} with an initiated merchant session"));
        group.MapGet("", List)
            .WithName("ListEvents")
            .WithSummary("This merchant's events, newest first: ?type (an event type of PROTOCOL §13.3), limit=1..100 (50), cursor " +
                "(next_cursor of the previous page). Each is {id, type, created_at, data}, data being the object as the backoffice shows it.")
            .ProducesErrors(400, 401, 403, 503);
        group.MapGet("/{eventId}", Get)
            .WithName("GetEvent")
            .WithSummary("One of this merchant's events with delivery_attempts [{endpoint_id, attempted_at, status_code?, error?}], " +
                "oldest first; another merchant's 404.")
            .ProducesErrors(401, 403, 404, 503);
        return app;
    }

    private static async Task<Ok<EventPage>> List(HttpContext http, VioPayDbContext db, CancellationToken cancellationToken)
    {
        var merchantId = http.Session().MerchantId!.Value;
        var query = http.Request.Query;
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
        return TypedResults.Ok(new EventPage(page, next));
    }

    private static async Task<Ok<EventDetail>> Get(string eventId, HttpContext http, VioPayDbContext db, CancellationToken cancellationToken)
    {
        var merchantId = http.Session().MerchantId!.Value;
        var outboxEvent = await db.Events.AsNoTracking().FirstOrDefaultAsync(e => e.Id == eventId && e.MerchantId == merchantId, cancellationToken)
            ?? throw ApiException.NotFound("Event not found");
        var attempts = await db.WebhookDeliveryAttempts.AsNoTracking().Where(a => a.EventId == outboxEvent.Id)
            .OrderBy(a => a.AttemptedAt).ThenBy(a => a.Id)
            .Select(a => new DeliveryAttemptView(a.EndpointId, a.AttemptedAt, a.StatusCode, a.Error))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new EventDetail(outboxEvent.Id, outboxEvent.Type, outboxEvent.CreatedAt, Data(outboxEvent), attempts));
    }

    private static JsonElement Data(OutboxEvent e)
    {
        using var document = JsonDocument.Parse(e.DataJson);
        return document.RootElement.Clone();
    }
}
