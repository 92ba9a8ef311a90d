using VioPay.Terminal.Portal;

namespace VioPay.Terminal.Cli;

/// <summary>One step of a flow as the transcript shows it: a title and the facts it established.</summary>
public sealed record FlowStep(string Title, IReadOnlyList<(string Name, string Value)> Facts);

/// <summary>The activation flow of seed 001, steps 1–8, with the merchant's claim played by <see cref="MerchantPortal"/>.</summary>
public static class Flows
{
    /// <summary>
    /// Bootstrap, pairing code, status, claim, status, attest, keys (every KCV checked by the installer), config,
    /// terminal parameters and activate. <paramref name="step"/> is told each step as it completes.
    /// </summary>
    public static async Task ActivateAsync(PosTerminal terminal, MerchantPortal portal, Action<FlowStep> step, CancellationToken ct)
    {
        var boot = await terminal.BootstrapAsync(ct);
        step(new("Bootstrap", [("server_time", boot.ServerTime.ToString("u")), ("min_supported_version", boot.MinSupportedVersion),
            ("clock_offset_seconds", terminal.State.ClockOffsetSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture))]));

        var code = await terminal.RequestPairingCodeAsync(ct);
        step(new("Pairing code (shown on the terminal screen)", [("pairing_code", code.PairingCode), ("expires_in_sec", $"{code.ExpiresInSec}")]));

        var before = await terminal.GetStatusAsync(ct);
        step(new("Status", [("device_status", before.DeviceStatus), ("is_claimed", $"{before.IsClaimed}".ToLowerInvariant()),
            ("pairing_code_status", before.PairingCodeStatus ?? "")]));

        var claim = await portal.ClaimAsync(terminal.State.DeviceId, code.PairingCode, ct);
        step(new("Claim (merchant portal, Bearer)", [("device_id", claim.DeviceId), ("terminal_id", claim.TerminalId),
            ("device_status", claim.DeviceStatus)]));

        var after = await terminal.GetStatusAsync(ct);
        step(new("Status", [("device_status", after.DeviceStatus), ("is_claimed", $"{after.IsClaimed}".ToLowerInvariant())]));

        var attest = await terminal.AttestAsync(ct);
        step(new("Attest (HMAC-SHA256 over device_id, key_id, timestamp, nonce)", [("status", attest.Status),
            ("attestation_token", attest.AttestationToken[..8] + "…"), ("expires_in_sec", $"{attest.ExpiresInSec}")]));

        var keys = await terminal.InstallKeysAsync(ct);
        step(new("Keys (TR-31 D: ZMK → TMK → KEK → MSK/TPK/TDK/MAC)", keys.Keys.Select(k =>
            (k.Name.ToUpperInvariant(), $"{k.KeyId}  KCV {k.Kcv} ✓" + (k.KcvCmac is null ? "" : $"  CMAC {k.KcvCmac} ✓"))).ToList()));

        using (var config = await terminal.DownloadConfigAsync(ct))
        {
            var merchant = config.RootElement.GetProperty("merchant");
            step(new("Config (MSK envelope)", [("terminal_id", terminal.State.TerminalId!), ("merchant", merchant.GetProperty("name").GetString() ?? ""),
                ("config_version", terminal.State.ConfigVersion ?? "")]));
        }

        var parameters = await terminal.DownloadTerminalParametersAsync(ct);
        step(new("Terminal parameters (gzip in MSK envelope, sha256 checked)", [("bytes", $"{parameters.Length}")]));

        var activated = await terminal.ActivateAsync(ct: ct);
        step(new("Activate (MSK envelope both ways)", [("status", activated.Status), ("activated_at", activated.ActivatedAt.ToString("u"))]));
    }

    /// <summary>
    /// One heartbeat and what its actions ask for: <c>refetch_config</c> downloads the config again (attest, config);
    /// <c>rotate_keys</c> is reported, and <paramref name="rotate"/> performs it (attest, keys, config, activate).
    /// </summary>
    public static async Task<HeartbeatResult> HeartbeatAsync(PosTerminal terminal, HeartbeatReport report, bool rotate, Action<FlowStep> step,
        CancellationToken ct)
    {
        var sent = terminal.State.ConfigVersion;
        var beat = await terminal.HeartbeatAsync(report, ct);
        step(new("Heartbeat (MSK envelope both ways)", [("server_time", beat.ServerTime.ToString("u")), ("config_version", beat.ConfigVersion),
            ("sent_config_version", sent ?? "(none)"), ("actions", beat.Actions.Count == 0 ? "(none)" : string.Join(", ", beat.Actions))]));
        if (beat.ShouldRefetchConfig)
        {
            (await terminal.RefetchConfigAsync(ct)).Dispose();
            step(new("Config refetched (refetch_config)", [("config_version", terminal.State.ConfigVersion ?? "")]));
        }

        if (beat.ShouldRotateKeys)
        {
            if (rotate)
            {
                await terminal.AttestAsync(ct);
                var keys = await terminal.InstallKeysAsync(ct);
                (await terminal.DownloadConfigAsync(ct)).Dispose();
                await terminal.ActivateAsync(ct: ct);
                step(new("Keys rotated (rotate_keys)", [("key_set_id", keys.KeySetId)]));
            }
            else
            {
                step(new("Key rotation due (rotate_keys)", [("expires_at", terminal.State.Active?.ExpiresAt?.ToString("u") ?? ""),
                    ("do", "viopay-terminal activate (or heartbeat --rotate)")]));
            }
        }

        return beat;
    }

    /// <summary>"4111 11•• •••• 1111": what a receipt may show.</summary>
    public static string Masked(string pan) => pan.Length < 10 ? "••••" : $"{pan[..6]}{new string('•', pan.Length - 10)}{pan[^4..]}";
}
