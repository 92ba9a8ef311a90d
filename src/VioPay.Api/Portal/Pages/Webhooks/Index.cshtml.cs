namespace VioPay.Api.Portal.Pages.Webhooks;

/// <summary>
/// TODO(merge with w-webhooks): webhook endpoints (create with the secret shown once, list, delete) and their recent
/// deliveries (PROTOCOL §13.1–§13.3), through the Events/ services the webhook API uses. A placeholder until then.
/// </summary>
public sealed class IndexModel : PortalPage
{
    public void OnGet()
    {
    }
}
