using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using VioPay.Api.Backoffice;
using VioPay.Api.Devices;
using VioPay.Api.Events;
using VioPay.Api.Infrastructure;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Keys;
using VioPay.Api.Payments;
using VioPay.Api.Pos;

namespace VioPay.Api.Fleet;

/// <summary>The heartbeat plaintext (PROTOCOL §13.4), checked; <c>app_version</c> falls back to the User-Agent's.</summary>
public sealed record HeartbeatInput(string? AppVersion, int? BatteryPercent, string? Network, string? ConfigVersion, int? QueuedTransactions);

/// <summary>The heartbeat answer: <c>{ server_time, config_version, actions }</c>.</summary>
public sealed record HeartbeatAnswer(string ServerTime, string ConfigVersion, IReadOnlyList<string> Actions);

public static class HeartbeatActions
{
    public const string RefetchConfig = "refetch_config";
    public const string RotateKeys = "rotate_keys";
}

/// <summary>
/// A terminal's heartbeat: what it reports is written to its <see cref="DevicePresence"/> row in one statement, and the
/// answer tells it to fetch its config again when its <c>config_version</c> is not the server's, and to rotate keys when
/// its active set expires within <c>Pos:KeyRotationNoticeDays</c>.
/// <para>
/// Heartbeats are the most frequent request of an idle fleet, so a heartbeat is one statement, one round trip: an upsert
/// that writes nothing when nothing reported changed and the last write is younger than half a heartbeat interval
/// (<c>last_seen_at</c> then lags by at most that much, well inside the three intervals connectivity allows), and the
/// read of the merchant's settings that config_version is computed from. The terminal and its key set come from the
/// <see cref="TerminalDirectory"/> cache, like a charge's. A device the offline sweep marked offline is written instead
/// in a transaction that clears the mark and raises <c>device.online</c>; the conditional clear lets exactly one
/// heartbeat (on any instance) take that transition.
/// </para>
/// </summary>
public sealed partial class Heartbeats(VioPayDbContext db, DeviceViews views, IOptions<PosOptions> options, TimeProvider time)
{
    public const int MaxTextLength = 64;
    public const int MaxQueuedTransactions = 1_000_000;

    [GeneratedRegex(@"^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")]
    private static partial Regex AppVersionPattern();

    [GeneratedRegex("^[\x20-\x7E]+$")]
    private static partial Regex PrintableAscii();

    [GeneratedRegex("^cv_[0-9A-Fa-f]{16}$")]
    private static partial Regex ConfigVersionPattern();

    // One round trip: the upsert, what it did (written: 0; nothing to write, no change and the last write recent: 1; the
    // row is marked offline, or changed under us: 2), and the merchant columns config_version is computed from.
    private const string BeatSql = """
        WITH before_write AS (SELECT last_seen_at, offline_at FROM device_presence WHERE device_id = @id),
        written AS (
            INSERT INTO device_presence AS p (device_id, last_seen_at, app_version, battery_percent, network, queued_transactions)
            VALUES (@id, @now, @app_version, @battery_percent, @network, @queued_transactions)
            ON CONFLICT (device_id) DO UPDATE SET last_seen_at = excluded.last_seen_at, app_version = excluded.app_version,
                battery_percent = excluded.battery_percent, network = excluded.network, queued_transactions = excluded.queued_transactions
            WHERE p.offline_at IS NULL AND (p.last_seen_at <= @quiet_before
                OR (p.app_version, p.battery_percent, p.network, p.queued_transactions) IS DISTINCT FROM
                   (excluded.app_version, excluded.battery_percent, excluded.network, excluded.queued_transactions))
            RETURNING 1)
        SELECT json_build_object(
            'outcome', CASE WHEN EXISTS (SELECT 1 FROM written) THEN 0
                            WHEN EXISTS (SELECT 1 FROM before_write WHERE offline_at IS NOT NULL OR last_seen_at <= @quiet_before) THEN 2
                            ELSE 1 END,
            'merchant_key', m.merchant_key, 'name', m.name, 'settings', m.settings_json)::text AS "Value"
        FROM merchants m WHERE m.id = @merchant_id
        """;

    /// <summary>Checks the plaintext: types, ranges and lengths, every bad field named (§10.10); null is absent, unknown members are ignored.</summary>
    public static HeartbeatInput Validate(JsonElement root, string? userAgent)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw ApiException.InvalidFields(new Dictionary<string, string> { ["$"] = "The heartbeat must be a JSON object." });
        }

        var fields = new Dictionary<string, string>();
        var appVersion = Text(root, "app_version", s => s.Length <= MaxTextLength && AppVersionPattern().IsMatch(s), fields,
            $"app_version must be a semantic version (1.4.2, 1.5.0-beta.1) of at most {MaxTextLength} characters.");
        var network = Text(root, "network", s => s.Length <= MaxTextLength && PrintableAscii().IsMatch(s), fields,
            $"network must be 1 to {MaxTextLength} printable ASCII characters (wifi, ethernet, 4g…).");
        var configVersion = Text(root, "config_version", ConfigVersionPattern().IsMatch, fields,
            "config_version must be cv_ followed by 16 hex characters, as /pos/config and the heartbeat answer give it.");
        var battery = Integer(root, "battery_percent", 0, 100, fields);
        var queued = Integer(root, "queued_transactions", 0, MaxQueuedTransactions, fields);
        if (fields.Count > 0)
        {
            throw ApiException.InvalidFields(fields);
        }

        return new HeartbeatInput(appVersion ?? PosHeaderValidator.AppVersion(userAgent), battery, network, configVersion, queued);
    }

    public async Task<HeartbeatAnswer> BeatAsync(PosTerminalContext terminal, HeartbeatInput input, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var device = terminal.Device;
        var (outcome, merchant) = await UpsertAsync(device, input, now, cancellationToken);
        if (outcome == 2)
        {
            await ComeBackOnlineAsync(device.Id, input, now, cancellationToken);
        }

        var configVersion = CoreConfig.Version(CoreConfig.Build(device, merchant, options.Value.HeartbeatIntervalSeconds));
        var actions = new List<string>();
        if (input.ConfigVersion is { } sent && !string.Equals(sent, configVersion, StringComparison.OrdinalIgnoreCase))
        {
            actions.Add(HeartbeatActions.RefetchConfig);
        }

        if (terminal.KeySet.ExpiresAt <= now.AddDays(options.Value.KeyRotationNoticeDays))
        {
            actions.Add(HeartbeatActions.RotateKeys);
        }

        return new HeartbeatAnswer(PosTime.Format(now), configVersion, actions);
    }

    private async Task<(int Outcome, CoreConfig.MerchantPart Merchant)> UpsertAsync(Device device, HeartbeatInput input, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var quietBefore = now.AddSeconds(-options.Value.HeartbeatIntervalSeconds / 2.0);
        var rows = await db.Database.SqlQueryRaw<string>(BeatSql,
            Parameter("id", NpgsqlDbType.Varchar, device.Id),
            Parameter("merchant_id", NpgsqlDbType.Uuid, device.MerchantId),
            Parameter("now", NpgsqlDbType.TimestampTz, now),
            Parameter("quiet_before", NpgsqlDbType.TimestampTz, quietBefore),
            Parameter("app_version", NpgsqlDbType.Varchar, input.AppVersion),
            Parameter("battery_percent", NpgsqlDbType.Integer, input.BatteryPercent),
            Parameter("network", NpgsqlDbType.Varchar, input.Network),
            Parameter("queued_transactions", NpgsqlDbType.Integer, input.QueuedTransactions)).ToListAsync(cancellationToken);
        using var row = JsonDocument.Parse(rows.Single());
        var root = row.RootElement;
        return (root.GetProperty("outcome").GetInt32(), new CoreConfig.MerchantPart(root.GetProperty("merchant_key").GetString()!,
            root.GetProperty("name").GetString()!, root.GetProperty("settings").GetRawText()));
    }

    /// <summary>
    /// The write of a heartbeat from a device marked offline, with its <c>device.online</c> event, in one transaction. When
    /// another heartbeat took the transition first, this one is written as usual.
    /// </summary>
    private async Task ComeBackOnlineAsync(string deviceId, HeartbeatInput input, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var cleared = await db.DevicePresence.Where(p => p.DeviceId == deviceId && p.OfflineAt != null)
            .ExecuteUpdateAsync(u => u
                .SetProperty(p => p.OfflineAt, (DateTimeOffset?)null)
                .SetProperty(p => p.LastSeenAt, now)
                .SetProperty(p => p.AppVersion, input.AppVersion)
                .SetProperty(p => p.BatteryPercent, input.BatteryPercent)
                .SetProperty(p => p.Network, input.Network)
                .SetProperty(p => p.QueuedTransactions, input.QueuedTransactions), cancellationToken);
        if (cleared == 0)
        {
            await transaction.RollbackAsync(cancellationToken);
            await db.DevicePresence.Where(p => p.DeviceId == deviceId)
                .ExecuteUpdateAsync(u => u
                    .SetProperty(p => p.LastSeenAt, now)
                    .SetProperty(p => p.AppVersion, input.AppVersion)
                    .SetProperty(p => p.BatteryPercent, input.BatteryPercent)
                    .SetProperty(p => p.Network, input.Network)
                    .SetProperty(p => p.QueuedTransactions, input.QueuedTransactions), cancellationToken);
            return;
        }

        var device = await db.Devices.AsNoTracking().FirstAsync(d => d.Id == deviceId, cancellationToken);
        EventOutbox.Raise(db, time, device.MerchantId!.Value, EventTypes.DeviceOnline, await views.OfAsync(device, cancellationToken));
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private static NpgsqlParameter Parameter(string name, NpgsqlDbType type, object? value) =>
        new(name, type) { Value = value ?? DBNull.Value };

    private static string? Text(JsonElement root, string name, Func<string, bool> valid, Dictionary<string, string> fields, string rule)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text && valid(text))
        {
            return text;
        }

        fields[name] = rule;
        return null;
    }

    private static int? Integer(JsonElement root, string name, int min, int max, Dictionary<string, string> fields)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) && number >= min && number <= max)
        {
            return number;
        }

        fields[name] = $"{name} must be an integer from {min} to {max}.";
        return null;
    }
}
