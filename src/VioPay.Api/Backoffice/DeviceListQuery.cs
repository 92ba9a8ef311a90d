using Microsoft.EntityFrameworkCore;
using VioPay.Api.Devices;
using VioPay.Api.Fleet;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.Persistence;

namespace VioPay.Api.Backoffice;

/// <summary>
/// <c>GET /merchant/devices</c> and <c>GET /reseller/devices</c> (PROTOCOL §13.5): <c>?limit=&amp;cursor=&amp;status=&amp;connectivity=</c>,
/// newest first, keyset-paged like charges (<see cref="PageQuery"/>). A malformed parameter is 400 naming it.
/// </summary>
public static class DeviceListQuery
{
    public static readonly IReadOnlyList<string> Statuses = [DeviceStatus.Inactive, DeviceStatus.Claimed, DeviceStatus.Activated];

    /// <summary>One page of <paramref name="owned"/> (a query that already carries the owner).</summary>
    public static Task<DeviceList> PageAsync(HttpContext http, IQueryable<Device> owned, CancellationToken cancellationToken) =>
        PageAsync(http.RequestServices, http.Request.Query, owned, cancellationToken);

    /// <summary>The same page from the parameters in <paramref name="query"/> (the portal's devices page builds its own).</summary>
    public static async Task<DeviceList> PageAsync(IServiceProvider services, IQueryCollection query, IQueryable<Device> owned,
        CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<VioPayDbContext>();
        var connectivity = services.GetRequiredService<Connectivity>();
        var fields = new Dictionary<string, string>();
        var limit = PageQuery.Limit(query, fields);
        var devices = owned;

        if (query.TryGetValue("status", out var statusValue))
        {
            var status = statusValue.ToString();
            if (!Statuses.Contains(status))
            {
                fields["status"] = "status must be one of: " + string.Join(", ", Statuses) + ".";
            }

            devices = devices.Where(d => d.Status == status);
        }

        if (query.TryGetValue("connectivity", out var connectivityValue))
        {
            var since = connectivity.OnlineSince(connectivity.Now);
            var presence = db.DevicePresence;
            switch (connectivityValue.ToString())
            {
                case Connectivity.Online:
                    devices = devices.Where(d => presence.Any(p => p.DeviceId == d.Id && p.LastSeenAt >= since));
                    break;
                case Connectivity.Offline:
                    devices = devices.Where(d => presence.Any(p => p.DeviceId == d.Id && p.LastSeenAt < since));
                    break;
                case Connectivity.NeverSeen:
                    devices = devices.Where(d => !presence.Any(p => p.DeviceId == d.Id));
                    break;
                default:
                    fields["connectivity"] = "connectivity must be one of: " + string.Join(", ", Connectivity.All) + ".";
                    break;
            }
        }

        if (query.TryGetValue("cursor", out var cursor))
        {
            if (PageQuery.TryParseCursor(cursor.ToString(), out var at, out var id))
            {
                devices = devices.Where(d => d.CreatedAt < at || (d.CreatedAt == at && string.Compare(d.Id, id) < 0));
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

        var rows = await devices.AsNoTracking().OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Id).Take(limit + 1)
            .ToListAsync(cancellationToken);
        var views = await services.GetRequiredService<DeviceViews>().ViewsAsync([.. rows.Take(limit)], cancellationToken);
        var next = rows.Count > limit ? PageQuery.Cursor(rows[limit - 1].CreatedAt, rows[limit - 1].Id) : null;
        return new DeviceList(views, next);
    }
}
