using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Primitives;
using VioPay.Api.Events;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.Persistence;

namespace VioPay.Api.Portal.Pages.Webhooks;

/// <summary>
/// The merchant's webhook endpoints (PROTOCOL §13.1: create with the secret shown once, on the answer page; delete; send a
/// test ping) and its recent events with their delivery attempts (§13.2, §13.3), through the same
/// <see cref="WebhookEndpoints"/> and <see cref="EventQueries"/> as the API. Another merchant's endpoint is a 404 page.
/// </summary>
public sealed class IndexModel(VioPayDbContext db, WebhookEndpoints endpoints) : PortalPage
{
    public const int PageSize = 25;

    [BindProperty(Name = "url")]
    public string? EndpointUrl { get; set; }

    [BindProperty(Name = "events")]
    public List<string> EventTypesChosen { get; set; } = [];

    [BindProperty(Name = "description")]
    public string? Description { get; set; }

    [BindProperty(Name = "cursor", SupportsGet = true)]
    public string? Cursor { get; set; }

    public IReadOnlyList<WebhookEndpointsApi.EndpointView> Endpoints { get; private set; } = [];

    public EventsApi.EventPage RecentEvents { get; private set; } = new([], null);

    public IReadOnlyDictionary<string, IReadOnlyList<EventsApi.DeliveryAttemptView>> Attempts { get; private set; } =
        new Dictionary<string, IReadOnlyList<EventsApi.DeliveryAttemptView>>();

    /// <summary>Set only on the answer to "create": the one time the endpoint's secret is shown.</summary>
    public WebhookEndpointsApi.CreatedEndpoint? NewEndpoint { get; private set; }

    /// <summary>The checkboxes: "all events" first, then every event type of PROTOCOL §13.3 but ping (sent on request only).</summary>
    public static IReadOnlyList<(string Value, string Label)> EventChoices { get; } =
    [
        (WebhookEndpoint.Wildcard, "All events"),
        .. EventTypes.All.Where(t => t != EventTypes.Ping).Order(StringComparer.Ordinal).Select(t => (t, t)),
    ];

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostCreateAsync(CancellationToken cancellationToken)
    {
        try
        {
            var description = string.IsNullOrWhiteSpace(Description) ? null : Description.Trim();
            NewEndpoint = await endpoints.CreateAsync(Merchant.MerchantId!.Value, Merchant.UserId, EndpointUrl?.Trim(),
                EventTypesChosen.Select(e => (string?)e).ToList(), description, cancellationToken);
            Message = $"Webhook endpoint {NewEndpoint.Id} created. Copy its signing secret now: it is not shown again.";
            (EndpointUrl, Description, EventTypesChosen) = (null, null, []);
        }
        catch (ApiException e) when (e.StatusCode < 500)
        {
            Show(e);
        }

        await LoadAsync(cancellationToken);
        return Page();
    }

    public Task<IActionResult> OnPostDeleteAsync([FromForm(Name = "endpoint_id")] string? endpointId, CancellationToken cancellationToken) =>
        ActAsync(async () =>
        {
            await endpoints.DeleteAsync(Merchant.MerchantId!.Value, Merchant.UserId, endpointId ?? "", cancellationToken);
            return $"Webhook endpoint {endpointId} deleted: nothing more is sent to it.";
        }, cancellationToken);

    public Task<IActionResult> OnPostTestAsync([FromForm(Name = "endpoint_id")] string? endpointId, CancellationToken cancellationToken) =>
        ActAsync(async () =>
        {
            var eventId = await endpoints.TestAsync(Merchant.MerchantId!.Value, endpointId ?? "", cancellationToken);
            return $"Test ping {eventId} queued for {endpointId}. Its delivery attempts show under Recent events once sent; reload to see them.";
        }, cancellationToken);

    /// <summary>The link to the next page of events.</summary>
    public string NextPageUrl() => Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString(PortalExtensions.BasePath + "/webhooks",
        "cursor", RecentEvents.NextCursor ?? "") + "#events";

    private async Task<IActionResult> ActAsync(Func<Task<string>> action, CancellationToken cancellationToken)
    {
        string done;
        try
        {
            done = await action();
        }
        catch (ApiException e) when (e.StatusCode == StatusCodes.Status404NotFound)
        {
            return NotFoundPage("Webhook endpoint not found.");
        }
        catch (ApiException e) when (e.StatusCode < 500)
        {
            Show(e);
            await LoadAsync(cancellationToken);
            return Page();
        }

        Flash = done;
        return Redirect($"{PortalExtensions.BasePath}/webhooks");
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var merchantId = Merchant.MerchantId!.Value;
        Endpoints = await endpoints.ListAsync(merchantId, cancellationToken);
        var query = new Dictionary<string, StringValues> { ["limit"] = PageSize.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (!string.IsNullOrEmpty(Cursor))
        {
            query["cursor"] = Cursor;
        }

        try
        {
            RecentEvents = await EventQueries.ListAsync(db, merchantId, new QueryCollection(query), cancellationToken);
        }
        catch (ApiException e) when (e.StatusCode == StatusCodes.Status400BadRequest)
        {
            // Only the cursor can be wrong here: keep the page, name the link.
            FieldErrors["cursor"] = "This page link is not valid; start again from the first page.";
            return;
        }

        Attempts = await EventQueries.AttemptsAsync(db, merchantId, RecentEvents.Data.Select(e => e.Id).ToList(), cancellationToken);
    }
}
