using Microsoft.AspNetCore.Mvc;
using VioPay.Api.Backoffice;
using VioPay.Api.Devices;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.Persistence;

namespace VioPay.Api.Portal.Pages.Devices;

/// <summary>
/// One of the merchant's devices (404 for any other) with suspend, resume, a new identity key and revocation: the same
/// <see cref="DeviceActions"/> as the backoffice API. A new key's secret is shown on the answer page only, never again.
/// </summary>
public sealed class DetailModel(VioPayDbContext db, DeviceActions devices, DeviceViews views) : PortalPage
{
    public DeviceView? Device { get; private set; }

    /// <summary>Set only on the answer to "new identity key": the one time its secret is shown.</summary>
    public IdentityKeySecret? NewKey { get; private set; }

    public async Task<IActionResult> OnGetAsync(string deviceId, CancellationToken cancellationToken) =>
        await LoadAsync(deviceId, cancellationToken) ? Page() : NotFoundPage("Device not found.");

    public Task<IActionResult> OnPostSuspendAsync(string deviceId, CancellationToken cancellationToken) =>
        ActAsync(deviceId, "Device suspended: it cannot attest, fetch keys or charge until resumed.",
            () => devices.SetSuspendedAsync(Merchant.MerchantId!.Value, Merchant.UserId, deviceId, true, cancellationToken), cancellationToken);

    public Task<IActionResult> OnPostResumeAsync(string deviceId, CancellationToken cancellationToken) =>
        ActAsync(deviceId, "Device resumed.",
            () => devices.SetSuspendedAsync(Merchant.MerchantId!.Value, Merchant.UserId, deviceId, false, cancellationToken), cancellationToken);

    public Task<IActionResult> OnPostRevokeAsync(string deviceId, [FromForm(Name = "key_id")] string? keyId, CancellationToken cancellationToken) =>
        ActAsync(deviceId, $"Identity key {keyId} revoked.",
            () => devices.RevokeIdentityKeyAsync(Merchant.MerchantId!.Value, Merchant.UserId, deviceId, keyId ?? "", cancellationToken),
            cancellationToken);

    public async Task<IActionResult> OnPostNewKeyAsync(string deviceId, CancellationToken cancellationToken)
    {
        try
        {
            NewKey = await devices.AddIdentityKeyAsync(Merchant.MerchantId!.Value, Merchant.UserId, deviceId, cancellationToken);
        }
        catch (ApiException e) when (e.StatusCode == StatusCodes.Status404NotFound)
        {
            return NotFoundPage("Device not found.");
        }

        await LoadAsync(deviceId, cancellationToken);
        Message = $"New identity key {NewKey.KeyId} created. Copy its secret now: it is not shown again.";
        return Page();
    }

    private async Task<IActionResult> ActAsync(string deviceId, string done, Func<Task> action, CancellationToken cancellationToken)
    {
        try
        {
            await action();
        }
        catch (ApiException e) when (e.StatusCode < 500)
        {
            if (!await LoadAsync(deviceId, cancellationToken))
            {
                return NotFoundPage("Device not found.");
            }

            Show(e);
            return Page();
        }

        Flash = done;
        return Redirect($"{PortalExtensions.BasePath}/devices/{deviceId}");
    }

    private async Task<bool> LoadAsync(string deviceId, CancellationToken cancellationToken)
    {
        var merchantId = Merchant.MerchantId;
        var found = await views.ListAsync(db.Devices.Where(d => d.Id == deviceId && d.MerchantId == merchantId), cancellationToken);
        Device = found.FirstOrDefault();
        return Device is not null;
    }
}
