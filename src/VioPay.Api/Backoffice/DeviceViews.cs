using Microsoft.EntityFrameworkCore;
using VioPay.Api.Devices;
using VioPay.Api.Infrastructure.Persistence;

namespace VioPay.Api.Backoffice;

public sealed record IdentityKeyView(string KeyId, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

/// <summary>A device as the backoffice shows it; never a secret. <c>assigned_merchant_id</c> is set on assigned inventory.</summary>
public sealed record DeviceView(string DeviceId, string Status, bool Suspended, string? Label, string? Model,
    string? TerminalId, Guid? MerchantId, Guid? AssignedMerchantId, Guid ResellerId, DateTimeOffset CreatedAt,
    DateTimeOffset? ClaimedAt, DateTimeOffset? ActivatedAt, IReadOnlyList<IdentityKeyView> IdentityKeys);

public sealed record DeviceList(IReadOnlyList<DeviceView> Data);

/// <summary>Reads device views for the merchant and reseller routes; the caller's query already carries the owner.</summary>
public static class DeviceViews
{
    public static async Task<List<DeviceView>> ListAsync(VioPayDbContext db, IQueryable<Device> devices, CancellationToken cancellationToken)
    {
        var rows = await devices.AsNoTracking().OrderByDescending(d => d.CreatedAt).Take(1000).ToListAsync(cancellationToken);
        var ids = rows.Select(d => d.Id).ToList();
        var keys = (await db.IdentityKeys.AsNoTracking().Where(k => ids.Contains(k.DeviceId)).ToListAsync(cancellationToken))
            .ToLookup(k => k.DeviceId);
        return rows.Select(d => new DeviceView(d.Id, d.Status, d.Suspended, d.Label, d.Model, d.TerminalId, d.MerchantId,
                d.AssignedMerchantId, d.ResellerId, d.CreatedAt, d.ClaimedAt, d.ActivatedAt,
                keys[d.Id].OrderBy(k => k.CreatedAt).Select(k => new IdentityKeyView(k.KeyId, k.CreatedAt, k.RevokedAt)).ToList()))
            .ToList();
    }

    public static async Task<DeviceView> OneAsync(VioPayDbContext db, string deviceId, CancellationToken cancellationToken) =>
        (await ListAsync(db, db.Devices.Where(d => d.Id == deviceId), cancellationToken))[0];
}
