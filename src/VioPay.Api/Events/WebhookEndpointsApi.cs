using Microsoft.AspNetCore.Http.HttpResults;
using VioPay.Api.Infrastructure;
using VioPay.Api.Infrastructure.OpenApi;
using VioPay.Api.Sessions;

namespace VioPay.Api.Events;

/// <summary>
/// A merchant's webhook endpoints (PROTOCOL §13.1), through the <see cref="WebhookEndpoints"/> the portal uses too.
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
            .WithSummary("Send a ping event to this endpoint only → 202 {event_id}; its attempts show on GET /merchant/events/{id}. At most RateLimits:WebhookPingsPerMerchantPerMinute (10) a minute, then 429.")
            .Produces<TestAccepted>(StatusCodes.Status202Accepted)
            .ProducesErrors(401, 403, 404, 429, 503);
        return app;
    }

    private static async Task<Created<CreatedEndpoint>> Create(CreateEndpointRequest? request, HttpContext http, WebhookEndpoints endpoints,
        CancellationToken cancellationToken)
    {
        var session = http.Session();
        var created = await endpoints.CreateAsync(session.MerchantId!.Value, session.UserId, request?.Url, request?.Events,
            request?.Description, cancellationToken);
        return TypedResults.Created($"/merchant/webhook-endpoints/{created.Id}", created);
    }

    private static async Task<Ok<EndpointList>> List(HttpContext http, WebhookEndpoints endpoints, CancellationToken cancellationToken) =>
        TypedResults.Ok(new EndpointList(await endpoints.ListAsync(http.Session().MerchantId!.Value, cancellationToken)));

    private static async Task<NoContent> Delete(string endpointId, HttpContext http, WebhookEndpoints endpoints,
        CancellationToken cancellationToken)
    {
        var session = http.Session();
        await endpoints.DeleteAsync(session.MerchantId!.Value, session.UserId, endpointId, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Accepted<TestAccepted>> Test(string endpointId, HttpContext http, WebhookEndpoints endpoints,
        CancellationToken cancellationToken)
    {
        var eventId = await endpoints.TestAsync(http.Session().MerchantId!.Value, endpointId, cancellationToken);
        return TypedResults.Accepted($"/merchant/events/{eventId}", new TestAccepted(eventId));
    }
}
