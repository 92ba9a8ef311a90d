using Microsoft.EntityFrameworkCore;
using VioPay.Api.Devices;
using VioPay.Api.Fleet;
using VioPay.Api.Infrastructure.Persistence;

namespace VioPay.Api.Backoffice;

public sealed record IdentityKeyView(string KeyId, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

/// <summary>
/// A device as the backoffice shows it (and as <c>device.*</c> events carry it); never a secret.
/// <c>assigned_merchant_id</c> is set on assigned inventory. <c>last_seen_at</c>, <c>app_version</c>, <c>connectivity</c>
/// and the rest of the last heartbeat are PROTOCOL §13.5's fleet view.
/// </summary>
public sealed record DeviceView(string DeviceId, string Status, bool Suspended, string? Label, string? Model,
    string? TerminalId, Guid? MerchantId, Guid? AssignedMerchantId, Guid ResellerId, DateTimeOffset CreatedAt,
    DateTimeOffset? ClaimedAt, DateTimeOffset? ActivatedAt, string Connectivity, DateTimeOffset? LastSeenAt, string? AppVersion,
    int? BatteryPercent, string? Network, int? QueuedTransactions, IReadOnlyList<IdentityKeyView> IdentityKeys);

/// <summary>A page of devices, newest first (PROTOCOL §13.5).</summary>
public sealed record DeviceList(IReadOnlyList<DeviceView> Data, string? NextCursor);

/// <summary>Reads device views for the merchant and reseller routes and for events; the caller's query already carries the owner.</summary>
public sealed class DeviceViews(VioPayDbContext db, Connectivity connectivity)
{
    /// <summary>Views of the rows <paramref name="devices"/> yields, in its order.</summary>
    public async Task<List<DeviceView>> ListAsync(IQueryable<Device> devices, CancellationToken cancellationToken) =>
        await ViewsAsync(await devices.AsNoTracking().ToListAsync(cancellationToken), cancellationToken);

    public async Task<DeviceView> OneAsync(string deviceId, CancellationToken cancellationToken) =>
        (await ListAsync(db.Devices.Where(d => d.Id == deviceId), cancellationToken))[0];

    /// <summary>
    /// The view of <paramref name="device"/> as it is in memory (a change not saved yet included), so an event raised in
    /// the same unit of work carries the device as the change leaves it.
    /// </summary>
    public async Task<DeviceView> OfAsync(Device device, CancellationToken cancellationToken) =>
        (await ViewsAsync([device], cancellationToken))[0];

    /// <summary>Views of rows already read, in their order.</summary>
    public async Task<List<DeviceView>> ViewsAsync(IReadOnlyList<Device> rows, CancellationToken cancellationToken)
    {
        var ids = rows.Select(d => d.Id).ToList();
        var keys = (await db.IdentityKeys.AsNoTracking().Where(k => ids.Contains(k.DeviceId)).ToListAsync(cancellationToken))
            .ToLookup(k => k.DeviceId);
        var presence = await db.DevicePresence.AsNoTracking().Where(p => ids.Contains(p.DeviceId))
            .ToDictionaryAsync(p => p.DeviceId, cancellationToken);
        var now = connectivity.Now;
        return rows.Select(d =>
        {
            var seen = presence.GetValueOrDefault(d.Id);
            return new DeviceView(d.Id, d.Status, d.Suspended, d.Label, d.Model, d.TerminalId, d.MerchantId,
                d.AssignedMerchantId, d.ResellerId, d.CreatedAt, d.ClaimedAt, d.ActivatedAt, connectivity.Of(seen?.LastSeenAt, now),
                seen?.LastSeenAt, seen?.AppVersion, seen?.BatteryPercent, seen?.Network, seen?.QueuedTransactions,
                keys[d.Id].OrderBy(k => k.CreatedAt).Select(k => new IdentityKeyView(k.KeyId, k.CreatedAt, k.RevokedAt)).ToList());
        }).ToList();
    }
}
