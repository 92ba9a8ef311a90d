using System.Text.Json;

namespace VioPay.Terminal;

/// <summary>What a heartbeat reports (PROTOCOL §13.4); a null member is left out. The app version defaults to the User-Agent's.</summary>
public sealed record HeartbeatReport(string? AppVersion = null, int? BatteryPercent = null, string? Network = null,
    int? QueuedTransactions = null);

/// <summary>The decrypted answer of POST /pos/heartbeat.</summary>
public sealed record HeartbeatResult(DateTimeOffset ServerTime, string ConfigVersion, IReadOnlyList<string> Actions)
{
    public const string RefetchConfig = "refetch_config";
    public const string RotateKeys = "rotate_keys";

    /// <summary>The server's config is not the one this terminal holds: download it again.</summary>
    public bool ShouldRefetchConfig => Actions.Contains(RefetchConfig);

    /// <summary>The active key set expires soon: attest, install keys, download config, activate.</summary>
    public bool ShouldRotateKeys => Actions.Contains(RotateKeys);
}

/// <summary>The heartbeat (PROTOCOL §13.4): charge-family headers, MSK envelopes both ways, under the active set.</summary>
public sealed partial class PosTerminal
{
    /// <summary>
    /// POST /pos/heartbeat with <paramref name="report"/> and the state's config_version (when a config was downloaded).
    /// Repeating one is harmless, so transport failures are retried.
    /// </summary>
    public async Task<HeartbeatResult> HeartbeatAsync(HeartbeatReport? report = null, CancellationToken ct = default)
    {
        report ??= new HeartbeatReport();
        var msk = ActiveKeys().MskBytes();
        var plaintext = new HeartbeatRequest(report.AppVersion, report.BatteryPercent, report.Network, State.ConfigVersion,
            report.QueuedTransactions);
        var body = EncryptForServer(JsonSerializer.Serialize(plaintext, PosJson.Options), usePending: false);
        var response = await SendAsync(() => BuildSignedRequest(HttpMethod.Post, "/pos/heartbeat", body), SendPolicy.SignedRepeatable, ct);
        return ReadJson<HeartbeatResult>(OpenEnvelope(response.Body, msk));
    }

    /// <summary>
    /// What a heartbeat's <c>refetch_config</c> asks for: attest (the config is served on an attestation token) and
    /// download the config again, which stores its config_version. The caller owns the returned document.
    /// </summary>
    public async Task<JsonDocument> RefetchConfigAsync(CancellationToken ct = default)
    {
        await AttestAsync(ct);
        return await DownloadConfigAsync(ct);
    }

    private sealed record HeartbeatRequest(string? AppVersion, int? BatteryPercent, string? Network, string? ConfigVersion,
        int? QueuedTransactions);
}
