using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VioPay.Api.Audit;
using VioPay.Api.Infrastructure;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.OpenApi;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Infrastructure.Security;
using VioPay.Api.Sessions;

namespace VioPay.Api.Events;

/// <summary>
/// A merchant's webhook endpoints (PROTOCOL §13.1). The merchant id is in every WHERE clause, so another merchant's
/// endpoint is simply not found (404).
/// </summary>
public static class WebhookEndpointsApi
{
    public const int MaxDescriptionLength = 200;

    public sealed record CreateEndpointRequest(string? Url, IReadOnlyList<string?>? Events, string? Description);

    public sealed record EndpointView(string Id, string Url, IReadOnlyList<string> Events, string? Description, DateTimeOffset CreatedAt);

    /// <summary>The creation answer: the only time the secret is ever shown.</summary>
    public sealed record CreatedEndpoint(string Id, string Url, IReadOnlyList<string> Events, string? Description, string Secret,
        DateTimeOffset CreatedAt);

    public sealed record EndpointList(IReadOnlyList<EndpointView> Data);

    public sealed record TestAccepted(string EventId);

    public static IEndpointRouteBuilder MapWebhookEndpointsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/merchant/webhook-endpoints").WithTags("Webhooks").RequireSession(SessionScope.Merchant)
            .WithHeaders(new HeaderDoc("Authorization", true, "Bearer {jwt} with an initiated merchant session"));
        group.MapPost("", Create)
            .WithName("CreateWebhookEndpoint")
            .WithSummary("Register an endpoint: {url, events: [types] or [\"*\"], description?} → 201 {id, url, events, description, secret, " +
                "created_at}. The secret (whsec_ + 32 base62) signs every delivery and is shown this once. https:// only (http:// where " +
                "Webhooks:AllowHttp); outside Development a host resolving to a loopback, private, link-local or metadata address is 400 " +
                "with details.reason private_network. More than Webhooks:MaxEndpointsPerMerchant live endpoints 409.")
            .WithNoStore()
            .Produces<CreatedEndpoint>(StatusCodes.Status201Created)
            .ProducesErrors(400, 401, 403, 409, 413, 415, 503);
        group.MapGet("", List)
            .WithName("ListWebhookEndpoints")
            .WithSummary("This merchant's live endpoints, newest first, without their secrets.")
            .ProducesErrors(401, 403, 503);
        group.MapDelete("/{endpointId}", Delete)
            .WithName("DeleteWebhookEndpoint")
            .WithSummary("Delete an endpoint → 204: nothing more is sent to it, deliveries still owed to it included; another merchant's 404.")
            .ProducesErrors(401, 403, 404, 503);
        group.MapPost("/{endpointId}/test", Test)
            .WithName("TestWebhookEndpoint")
            .WithSummary("Send a ping event to this endpoint only → 202 {event_id}; its attempts show on GET /merchant/events/{id}.")
            .Produces<TestAccepted>(StatusCodes.Status202Accepted)
            .ProducesErrors(401, 403, 404, 503);
        return app;
    }

    private static async Task<Created<CreatedEndpoint>> Create(CreateEndpointRequest? request, HttpContext http, VioPayDbContext db,
        WebhookUrls urls, LocalMasterKey lmk, IOptions<WebhookOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        var session = http.Session();
        var merchantId = session.MerchantId!.Value;
        var events = ValidateEvents(request?.Events, request?.Description);
        var url = await urls.ValidateAsync(request?.Url, cancellationToken);
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
            Url = url.OriginalString,
            Events = events,
            Description = request?.Description,
            SecretBlock = lmk.Protect(StoredKeys.WebhookSecret(id), System.Text.Encoding.UTF8.GetBytes(secret)),
            CreatedAt = time.GetUtcNow(),
        };
        db.WebhookEndpoints.Add(endpoint);
        AuditLog.Record(db, time, Actor.User(session.UserId), "webhook_endpoint.created", null, merchantId,
            new { endpoint_id = id, url = endpoint.Url, events });
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/merchant/webhook-endpoints/{id}",
            new CreatedEndpoint(id, endpoint.Url, events, endpoint.Description, secret, endpoint.CreatedAt));
    }

    private static async Task<Ok<EndpointList>> List(HttpContext http, VioPayDbContext db, CancellationToken cancellationToken)
    {
        var merchantId = http.Session().MerchantId!.Value;
        var rows = await db.WebhookEndpoints.AsNoTracking().Where(e => e.MerchantId == merchantId && e.DeletedAt == null)
            .OrderByDescending(e => e.CreatedAt).ThenByDescending(e => e.Id).ToListAsync(cancellationToken);
        return TypedResults.Ok(new EndpointList(rows.Select(e => new EndpointView(e.Id, e.Url, e.Events, e.Description, e.CreatedAt)).ToList()));
    }

    private static async Task<NoContent> Delete(string endpointId, HttpContext http, VioPayDbContext db, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var session = http.Session();
        var merchantId = session.MerchantId!.Value;
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
        AuditLog.Record(db, time, Actor.User(session.UserId), "webhook_endpoint.deleted", null, merchantId,
            new { endpoint_id = endpointId });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Accepted<TestAccepted>> Test(string endpointId, HttpContext http, VioPayDbContext db, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var merchantId = http.Session().MerchantId!.Value;
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
        return TypedResults.Accepted($"/merchant/events/{ping.Id}", new TestAccepted(ping.Id));
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
