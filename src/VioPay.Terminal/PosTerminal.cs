using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using VioPay.Crypto;

namespace VioPay.Terminal;

/// <summary>
/// The reference POS terminal: every step of the activation flow and the charge family, over a caller-supplied
/// <see cref="HttpClient"/> whose BaseAddress points at the API. State changes (clock offset, terminal id, key sets)
/// are made on <see cref="State"/>; the caller decides when to <see cref="TerminalState.Save"/> it.
/// </summary>
public sealed partial class PosTerminal(HttpClient http, TerminalState state, TimeProvider? time = null)
{
    public const string ClientType = "pos";

    private const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'";
    private const int NonceLength = 24;
    private const string JsonMediaType = "application/json";

    private readonly HttpClient _http = http ?? throw new ArgumentNullException(nameof(http));
    private readonly TerminalState _state = state ?? throw new ArgumentNullException(nameof(state));
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public TerminalState State => _state;

    /// <summary>
    /// The token of the last successful <see cref="AttestAsync"/>, kept in memory only: it lives 5 minutes. Settable so a
    /// test can present a foreign or expired token.
    /// </summary>
    public string? AttestationToken { get; set; }

    /// <summary>How many times a request that is safe to repeat (it carries an Idempotency-Key) is retried after a transport failure or a 409 "in flight".</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The wait before the first retry; it doubles for each further one.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Activation headers only (X-Device-Id, User-Agent, X-Client-Type): bootstrap, pairing code, status.</summary>
    public HttpRequestMessage BuildActivationRequest(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, ResolveUri(path));
        AddActivationHeaders(request);
        return request;
    }

    /// <summary>POST /pos/attest with the activation headers and the four signature headers, fresh nonce and timestamp.</summary>
    public HttpRequestMessage BuildAttestRequest()
    {
        var secret = _state.IdentitySecretBytes();
        var timestamp = NewTimestamp();
        var nonce = SecureIds.Base62(NonceLength);
        var signature = RequestSignature.Sign(
            secret, RequestSignature.AttestString(_state.DeviceId, _state.IdentityKeyId, timestamp, nonce));

        var request = BuildActivationRequest(HttpMethod.Post, "/pos/attest");
        request.Headers.TryAddWithoutValidation("X-Key-Id", _state.IdentityKeyId);
        request.Headers.TryAddWithoutValidation("X-Timestamp", timestamp);
        request.Headers.TryAddWithoutValidation("X-Nonce", nonce);
        request.Headers.TryAddWithoutValidation("X-Signature", signature);
        return request;
    }

    /// <summary>
    /// Attestation-token auth (keys, config, terminal parameters, activate): Authorization: Attestation {token} and
    /// X-Device-Id, which fine point 3 requires, plus User-Agent and X-Client-Type, which it validates when present.
    /// </summary>
    public HttpRequestMessage BuildAttestationTokenRequest(HttpMethod method, string path, byte[]? body)
    {
        var token = AttestationToken ?? throw new InvalidOperationException("No attestation token: call AttestAsync first.");
        var request = new HttpRequestMessage(method, ResolveUri(path));
        request.Headers.TryAddWithoutValidation("Authorization", "Attestation " + token);
        AddActivationHeaders(request);
        if (body is not null)
        {
            request.Content = JsonBody(body);
        }

        return request;
    }

    /// <summary>
    /// A charge-family request signed with the active MAC key (PROTOCOL §5). PATH and QUERY are signed exactly as they
    /// go on the wire, and <paramref name="body"/> is signed and sent as the very same bytes.
    /// </summary>
    public HttpRequestMessage BuildSignedRequest(HttpMethod method, string pathAndQuery, byte[]? body, string? idempotencyKey = null)
    {
        ArgumentNullException.ThrowIfNull(method);
        var keys = ActiveKeys();
        var terminalId = RequireTerminalId();
        var uri = ResolveUri(pathAndQuery);
        var (path, query) = SigningTarget(uri, pathAndQuery);
        var timestamp = NewTimestamp();
        var nonce = SecureIds.Base62(NonceLength);
        var signature = RequestSignature.Sign(
            keys.MacBytes(),
            RequestSignature.ChargeString(method.Method, path, query, body ?? [], terminalId, timestamp, nonce));

        var request = new HttpRequestMessage(method, uri);
        request.Headers.TryAddWithoutValidation("X-Terminal-Id", terminalId);
        request.Headers.TryAddWithoutValidation("X-Timestamp", timestamp);
        request.Headers.TryAddWithoutValidation("X-Nonce", nonce);
        request.Headers.TryAddWithoutValidation("X-Key-Id", keys.MacKeyId);
        request.Headers.TryAddWithoutValidation("X-Signature", signature);
        request.Headers.TryAddWithoutValidation("X-Client-Type", ClientType);
        request.Headers.TryAddWithoutValidation("User-Agent", _state.UserAgent);
        if (idempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        }

        if (body is not null)
        {
            request.Content = JsonBody(body);
        }

        return request;
    }

    /// <summary>
    /// The bytes of a TR31-DATA envelope (with key_kcv) of <paramref name="json"/> under the pending MSK
    /// (<paramref name="usePending"/>) or the active one.
    /// </summary>
    public byte[] EncryptForServer(string json, bool usePending)
    {
        var msk = (usePending ? PendingKeys() : ActiveKeys()).MskBytes();
        return JsonSerializer.SerializeToUtf8Bytes(MskEnvelopeCipher.Encrypt(msk, json));
    }

    /// <summary>
    /// The JSON inside a server's TR31-DATA envelope, under the pending MSK (<paramref name="usePending"/>) or the
    /// active one. The envelope must name that MSK in key_kcv, as every server answer does.
    /// </summary>
    public string DecryptFromServer(string envelopeJson, bool usePending)
    {
        ArgumentNullException.ThrowIfNull(envelopeJson);
        var msk = (usePending ? PendingKeys() : ActiveKeys()).MskBytes();
        return OpenEnvelope(Encoding.UTF8.GetBytes(envelopeJson), msk);
    }

    private void AddActivationHeaders(HttpRequestMessage request)
    {
        // Added without validation so the header goes out exactly as configured, including a deliberately bad one.
        request.Headers.TryAddWithoutValidation("X-Device-Id", _state.DeviceId);
        request.Headers.TryAddWithoutValidation("User-Agent", _state.UserAgent);
        request.Headers.TryAddWithoutValidation("X-Client-Type", ClientType);
    }

    private static ByteArrayContent JsonBody(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(JsonMediaType);
        return content;
    }

    private Uri ResolveUri(string pathAndQuery)
    {
        ArgumentNullException.ThrowIfNull(pathAndQuery);
        if (!pathAndQuery.StartsWith('/'))
        {
            throw new ArgumentException("A request target is an absolute path starting with '/'.", nameof(pathAndQuery));
        }

        // Resolved here rather than by HttpClient so the URI that is signed is the URI that is sent.
        return _http.BaseAddress is { } baseAddress
            ? new Uri(baseAddress, pathAndQuery)
            : new Uri(pathAndQuery, UriKind.Relative);
    }

    /// <summary>PATH and QUERY (without '?', empty when none) of the request line that will actually be sent.</summary>
    private static (string Path, string Query) SigningTarget(Uri uri, string pathAndQuery)
    {
        if (uri.IsAbsoluteUri)
        {
            return (uri.AbsolutePath, uri.Query.StartsWith('?') ? uri.Query[1..] : uri.Query);
        }

        var mark = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
        return mark < 0 ? (pathAndQuery, string.Empty) : (pathAndQuery[..mark], pathAndQuery[(mark + 1)..]);
    }

    private string NewTimestamp() =>
        _time.GetUtcNow().AddSeconds(_state.ClockOffsetSeconds).UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture);

    private void ResyncClock(DateTimeOffset serverTime) =>
        _state.ClockOffsetSeconds = (long)Math.Round((serverTime - _time.GetUtcNow()).TotalSeconds, MidpointRounding.AwayFromZero);

    private TerminalKeySet ActiveKeys() =>
        _state.Active ?? throw new InvalidOperationException("No active key set: install keys and activate first.");

    private TerminalKeySet PendingKeys() =>
        _state.Pending ?? throw new InvalidOperationException("No pending key set: call InstallKeysAsync first.");

    /// <summary>Config, terminal parameters and activate use the pending set when there is one (fine point 3).</summary>
    private TerminalKeySet EnvelopeKeys() =>
        _state.Pending ?? _state.Active ?? throw new InvalidOperationException("No key set installed: call InstallKeysAsync first.");

    private string RequireTerminalId() =>
        _state.TerminalId ?? throw new InvalidOperationException("No terminal id: call DownloadConfigAsync first.");

    /// <summary>
    /// Sends what <paramref name="build"/> makes, rebuilding it for each attempt so every retry has a fresh nonce and
    /// timestamp. A 401 carrying server_time is retried once after correcting the clock: the server refused the
    /// request before acting on it, so even a charge without an Idempotency-Key is safe to resend.
    /// </summary>
    private async Task<PosResponse> SendAsync(Func<HttpRequestMessage> build, SendPolicy policy, CancellationToken ct)
    {
        var clockResynced = false;
        var retries = 0;
        while (true)
        {
            using var request = build();
            try
            {
                return await SendOnceAsync(request, ct);
            }
            catch (PosApiException ex) when (policy.ResyncClock && !clockResynced
                && ex.StatusCode == (int)HttpStatusCode.Unauthorized && ex.ServerTime is { } serverTime)
            {
                clockResynced = true;
                ResyncClock(serverTime);
            }
            catch (PosApiException ex) when (policy.RetryInFlight && retries < MaxRetries
                && ex.StatusCode == (int)HttpStatusCode.Conflict && ex.Code == "4009")
            {
                retries++;
                await BackoffAsync(retries, ct);
            }
            catch (Exception ex) when (policy.RetryTransport && retries < MaxRetries && IsTransportFailure(ex, ct))
            {
                retries++;
                await BackoffAsync(retries, ct);
            }
        }
    }

    private async Task<PosResponse> SendOnceAsync(HttpRequestMessage request, CancellationToken ct)
    {
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
        var body = await response.Content.ReadAsByteArrayAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            throw PosApiException.FromResponse((int)response.StatusCode, body, response.Headers, _time.GetUtcNow());
        }

        var replayed = response.Headers.TryGetValues("Idempotent-Replayed", out var values)
            && values.Any(v => string.Equals(v.Trim(), "true", StringComparison.OrdinalIgnoreCase));
        return new PosResponse(body, replayed);
    }

    /// <summary>A lost connection or an HttpClient timeout, as opposed to the caller cancelling.</summary>
    private static bool IsTransportFailure(Exception ex, CancellationToken ct) =>
        ex is HttpRequestException || (ex is OperationCanceledException && !ct.IsCancellationRequested);

    private Task BackoffAsync(int retry, CancellationToken ct)
    {
        var delay = RetryDelay * Math.Pow(2, retry - 1);
        return delay <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(delay, _time, ct);
    }

    private static T ReadJson<T>(byte[] utf8Json)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(utf8Json, PosJson.Options)
                ?? throw new PosProtocolException($"The server answered JSON null where a {typeof(T).Name} was expected.");
        }
        catch (JsonException ex)
        {
            throw new PosProtocolException($"The server's answer is not a valid {typeof(T).Name}: {ex.Message}", ex);
        }
    }

    private static T ReadJson<T>(string json)
        where T : class => ReadJson<T>(Encoding.UTF8.GetBytes(json));

    /// <summary>
    /// Opens a TR31-DATA answer. Answers always carry key_kcv (PROTOCOL §7); checking it first tells "encrypted under
    /// another key set" apart from "corrupt", which the constant-message decryption failure cannot.
    /// </summary>
    private static string OpenEnvelope(byte[] body, byte[] msk)
    {
        MskEnvelope envelope;
        try
        {
            envelope = MskEnvelopeCipher.ParseJson(body);
        }
        catch (EnvelopeException ex)
        {
            throw new PosProtocolException("The server's answer is not an MSK envelope.", ex);
        }

        EnsureKcv(envelope.KeyKcv, msk);
        try
        {
            return MskEnvelopeCipher.Decrypt(msk, envelope);
        }
        catch (EnvelopeException ex)
        {
            throw new PosProtocolException("The server's MSK envelope does not decrypt under this terminal's MSK.", ex);
        }
    }

    private static void EnsureKcv(string? kcv, byte[] msk)
    {
        if (kcv is null)
        {
            throw new PosProtocolException("The server's MSK envelope has no key_kcv, which every answer must carry.");
        }

        var expected = KeyCheckValue.Legacy(msk);
        if (!string.Equals(kcv, expected, StringComparison.OrdinalIgnoreCase))
        {
            throw new PosProtocolException($"The server's envelope is under the key with KCV {kcv}, not this terminal's MSK ({expected}).");
        }
    }

    private sealed record PosResponse(byte[] Body, bool Replayed);

    /// <summary>Which failures a call may recover from by sending again.</summary>
    private readonly record struct SendPolicy(bool ResyncClock, bool RetryTransport, bool RetryInFlight)
    {
        /// <summary>Activation and attestation-token requests: one attempt, every failure to the caller.</summary>
        public static readonly SendPolicy Once = new(false, false, false);

        /// <summary>Timestamped requests (attest, charge family): also one clock correction.</summary>
        public static readonly SendPolicy Signed = new(true, false, false);

        /// <summary>Requests the server recognises when repeated, so a lost answer can be asked for again.</summary>
        public static readonly SendPolicy SignedRepeatable = new(true, true, false);

        /// <summary>Charges and refunds with an Idempotency-Key: repeats, including while the first is still in flight.</summary>
        public static readonly SendPolicy SignedIdempotent = new(true, true, true);
    }
}
