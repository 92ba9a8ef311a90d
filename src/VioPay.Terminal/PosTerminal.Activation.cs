using System.Text.Json;
using VioPay.Crypto;

namespace VioPay.Terminal;

/// <summary>Activation flow, steps 1–8 of seed 001: bootstrap, pairing, status, attest, keys, config, terminal parameters, activate.</summary>
public sealed partial class PosTerminal
{
    /// <summary>POST /pos/bootstrap. Also corrects the clock offset from server_time, before anything is signed.</summary>
    public async Task<BootstrapResult> BootstrapAsync(CancellationToken ct = default)
    {
        var response = await SendAsync(() => BuildActivationRequest(HttpMethod.Post, "/pos/bootstrap"), SendPolicy.Once, ct);
        var result = ReadJson<BootstrapResult>(response.Body);
        ResyncClock(result.ServerTime);
        return result;
    }

    /// <summary>POST /pos/pairing-code: a new code replaces any live one.</summary>
    public async Task<PairingCodeResult> RequestPairingCodeAsync(CancellationToken ct = default)
    {
        var response = await SendAsync(() => BuildActivationRequest(HttpMethod.Post, "/pos/pairing-code"), SendPolicy.Once, ct);
        return ReadJson<PairingCodeResult>(response.Body);
    }

    /// <summary>GET /pos/status.</summary>
    public async Task<StatusResult> GetStatusAsync(CancellationToken ct = default)
    {
        var response = await SendAsync(() => BuildActivationRequest(HttpMethod.Get, "/pos/status"), SendPolicy.Once, ct);
        return ReadJson<StatusResult>(response.Body);
    }

    /// <summary>POST /pos/attest; on success <see cref="AttestationToken"/> holds the token for the next 5 minutes.</summary>
    public async Task<AttestResult> AttestAsync(CancellationToken ct = default)
    {
        var response = await SendAsync(BuildAttestRequest, SendPolicy.Signed, ct);
        var result = ReadJson<AttestResult>(response.Body);
        AttestationToken = result.AttestationToken;
        return result;
    }

    /// <summary>
    /// POST /pos/keys: unwraps and checks all six keys, then stores them as the pending set, replacing any earlier
    /// pending set (the server has replaced it too). The active set, and so charging, is untouched until activate.
    /// </summary>
    public async Task<KeyInstallResult> InstallKeysAsync(CancellationToken ct = default)
    {
        var zmk = _state.ZmkBytes();
        var response = await SendAsync(() => BuildAttestationTokenRequest(HttpMethod.Post, "/pos/keys", null), SendPolicy.Once, ct);
        var keys = ReadJson<KeysResponse>(response.Body);
        var (keySet, result) = KeySetInstaller.Install(keys, zmk);
        _state.Pending = keySet;
        return result;
    }

    /// <summary>
    /// POST /pos/config: decrypts the core configuration and stores terminal.terminal_id as the terminal id and its
    /// config_version, which heartbeats send.
    /// The caller owns (and disposes) the returned document.
    /// </summary>
    public async Task<JsonDocument> DownloadConfigAsync(CancellationToken ct = default)
    {
        var msk = EnvelopeKeys().MskBytes();
        var response = await SendAsync(() => BuildAttestationTokenRequest(HttpMethod.Post, "/pos/config", null), SendPolicy.Once, ct);
        var document = JsonDocument.Parse(OpenEnvelope(response.Body, msk));
        if (document.RootElement.ValueKind != JsonValueKind.Object
            || !document.RootElement.TryGetProperty("terminal", out var terminal)
            || terminal.ValueKind != JsonValueKind.Object
            || !terminal.TryGetProperty("terminal_id", out var terminalId)
            || terminalId.ValueKind != JsonValueKind.String
            || string.IsNullOrEmpty(terminalId.GetString()))
        {
            document.Dispose();
            throw new PosProtocolException("The configuration has no terminal.terminal_id, which charges need as X-Terminal-Id.");
        }

        _state.TerminalId = terminalId.GetString();
        _state.ConfigVersion = document.RootElement.TryGetProperty("config_version", out var version) && version.ValueKind == JsonValueKind.String
            ? version.GetString()
            : null;
        return document;
    }

    /// <summary>
    /// POST /pos/terminal-parameters: the UTF-8 JSON bytes after decrypting every piece, checking total_size and sha256
    /// and gunzipping (TR31-DATA with content_encoding gzip, or TR31-DATA-CHUNKED).
    /// </summary>
    public async Task<byte[]> DownloadTerminalParametersAsync(CancellationToken ct = default)
    {
        var msk = EnvelopeKeys().MskBytes();
        var response = await SendAsync(
            () => BuildAttestationTokenRequest(HttpMethod.Post, "/pos/terminal-parameters", null), SendPolicy.Once, ct);

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(response.Body);
        }
        catch (JsonException ex)
        {
            throw new PosProtocolException("The terminal parameters answer is not JSON.", ex);
        }

        using (document)
        {
            var root = document.RootElement;
            EnsureKcv(
                root.ValueKind == JsonValueKind.Object && root.TryGetProperty("key_kcv", out var kcv) && kcv.ValueKind == JsonValueKind.String
                    ? kcv.GetString()
                    : null,
                msk);
            try
            {
                return MskEnvelopeCipher.DecryptGzip(msk, root);
            }
            catch (EnvelopeException ex)
            {
                throw new PosProtocolException("The terminal parameters envelope does not decrypt, verify or decompress.", ex);
            }
        }
    }

    /// <summary>
    /// POST /pos/activate with the readiness flags in an MSK envelope. On success the pending set, if any, becomes the
    /// active one, as it just has on the server.
    /// </summary>
    public async Task<ActivateResult> ActivateAsync(
        bool emvReady = true, bool keysInstalled = true, bool networkOk = true, CancellationToken ct = default)
    {
        var usePending = _state.Pending is not null;
        var msk = EnvelopeKeys().MskBytes();
        var readiness = JsonSerializer.Serialize(new ActivationReadiness(emvReady, keysInstalled, networkOk), PosJson.Options);
        var body = EncryptForServer(readiness, usePending);
        var response = await SendAsync(() => BuildAttestationTokenRequest(HttpMethod.Post, "/pos/activate", body), SendPolicy.Once, ct);
        var result = ReadJson<ActivateResult>(OpenEnvelope(response.Body, msk));
        if (usePending)
        {
            _state.Active = _state.Pending;
            _state.Pending = null;
        }

        return result;
    }

    private sealed record ActivationReadiness(bool EmvReady, bool KeysInstalled, bool NetworkOk);
}
