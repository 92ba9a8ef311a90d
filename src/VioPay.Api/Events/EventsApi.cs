using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
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

    private static async Task<Ok<EventPage>> List(HttpContext http, VioPayDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok(await EventQueries.ListAsync(db, http.Session().MerchantId!.Value, http.Request.Query, cancellationToken));

    private static async Task<Ok<EventDetail>> Get(string eventId, HttpContext http, VioPayDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok(await EventQueries.GetAsync(db, http.Session().MerchantId!.Value, eventId, cancellationToken));
}
