using System.Net;
using System.Text.Json;

namespace VioPay.Terminal;

/// <summary>
/// The charge family (PROTOCOL §5 and §8): HMAC-signed with the active MAC key, bodies and answers in MSK envelopes
/// under the active MSK. Each body is encrypted once and the same bytes are signed and sent on every attempt; the
/// server fingerprints the decrypted plaintext, so a retry is recognised although its signature is new.
/// </summary>
public sealed partial class PosTerminal
{
    /// <summary>
    /// POST /pos/charge. terminal.id is filled from the state when null. With an Idempotency-Key a lost connection, a
    /// timeout or a 409 "still in flight" is retried up to <see cref="MaxRetries"/> times under the same key; without
    /// one nothing is ever resent after the request may have reached the server.
    /// </summary>
    public async Task<ChargeResult> ChargeAsync(ChargeRequest request, string? idempotencyKey = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var terminalId = RequireTerminalId();
        var filled = request.Terminal.Id is null ? request with { Terminal = request.Terminal with { Id = terminalId } } : request;
        var msk = ActiveKeys().MskBytes();
        var body = EncryptForServer(JsonSerializer.Serialize(filled, PosJson.Options), usePending: false);
        var policy = idempotencyKey is null ? SendPolicy.Signed : SendPolicy.SignedIdempotent;
        var response = await SendAsync(() => BuildSignedRequest(HttpMethod.Post, "/pos/charge", body, idempotencyKey), policy, ct);
        var charge = ReadJson<ChargeResult>(OpenEnvelope(response.Body, msk)) with { Replayed = response.Replayed };
        State.Journal.Record(charge);
        return charge;
    }

    /// <summary>POST /pos/charge/{id}/refund; retried like a charge when it carries an Idempotency-Key (PROTOCOL §8: "the same holds for refunds").</summary>
    public async Task<RefundResult> RefundAsync(
        string chargeId,
        string amountMinor,
        string currency,
        string? reason = null,
        string? idempotencyKey = null,
        CancellationToken ct = default)
    {
        var path = ChargePath(chargeId) + "/refund";
        var msk = ActiveKeys().MskBytes();
        var plaintext = JsonSerializer.Serialize(new RefundRequest(new Money(amountMinor, currency), reason), PosJson.Options);
        var body = EncryptForServer(plaintext, usePending: false);
        var policy = idempotencyKey is null ? SendPolicy.Signed : SendPolicy.SignedIdempotent;
        var response = await SendAsync(() => BuildSignedRequest(HttpMethod.Post, path, body, idempotencyKey), policy, ct);
        var refund = ReadJson<RefundResult>(OpenEnvelope(response.Body, msk)) with { Replayed = response.Replayed };
        State.Journal.Record(refund, chargeId);
        return refund;
    }

    /// <summary>POST /pos/charge/{id}/cancel, no body (the empty body is what is signed).</summary>
    public Task<CancelResult> CancelAsync(string chargeId, CancellationToken ct = default) =>
        CancelOrReverseAsync(ChargePath(chargeId) + "/cancel", ct);

    /// <summary>POST /pos/charge/{id}/reverse: cancel under another name (fine point 5).</summary>
    public Task<CancelResult> ReverseAsync(string chargeId, CancellationToken ct = default) =>
        CancelOrReverseAsync(ChargePath(chargeId) + "/reverse", ct);

    /// <summary>GET /pos/charge/{id}.</summary>
    public async Task<ChargeResult> GetChargeAsync(string chargeId, CancellationToken ct = default)
    {
        var path = ChargePath(chargeId);
        var msk = ActiveKeys().MskBytes();
        var response = await SendAsync(() => BuildSignedRequest(HttpMethod.Get, path, null), SendPolicy.SignedRepeatable, ct);
        return ReadJson<ChargeResult>(OpenEnvelope(response.Body, msk));
    }

    /// <summary>
    /// GET /pos/charge?idempotency_key=K: the charge that key created, or null when the server answers 404 (no charge
    /// has that key). The key is percent-encoded with <see cref="Uri.EscapeDataString(string)"/> and the encoded query
    /// is what is signed.
    /// </summary>
    public async Task<ChargeResult?> FindChargeByIdempotencyKeyAsync(string idempotencyKey, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(idempotencyKey);
        var pathAndQuery = "/pos/charge?idempotency_key=" + Uri.EscapeDataString(idempotencyKey);
        var msk = ActiveKeys().MskBytes();
        try
        {
            var response = await SendAsync(() => BuildSignedRequest(HttpMethod.Get, pathAndQuery, null), SendPolicy.SignedRepeatable, ct);
            return ReadJson<ChargeResult>(OpenEnvelope(response.Body, msk));
        }
        catch (PosApiException ex) when (ex.StatusCode == (int)HttpStatusCode.NotFound && ex.Code == "4004")
        {
            return null;
        }
    }

    /// <summary>
    /// POST /pos/charge/reverse with <c>{"idempotency_key": K}</c>: reverses the charge that key created, or records
    /// the reversal so a late charge with that key is refused. Repeating it is harmless, so transport failures are retried.
    /// </summary>
    public async Task<ReverseByKeyResult> ReverseByIdempotencyKeyAsync(string idempotencyKey, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(idempotencyKey);
        var msk = ActiveKeys().MskBytes();
        var body = EncryptForServer(JsonSerializer.Serialize(new ReverseByKeyRequest(idempotencyKey), PosJson.Options), usePending: false);
        var response = await SendAsync(
            () => BuildSignedRequest(HttpMethod.Post, "/pos/charge/reverse", body), SendPolicy.SignedRepeatable, ct);
        var reversed = ReadJson<ReverseByKeyResult>(OpenEnvelope(response.Body, msk));
        if (reversed.ChargeId is { } chargeId)
        {
            State.Journal.RecordStatus(chargeId, reversed.Status);
        }

        return reversed;
    }

    private async Task<CancelResult> CancelOrReverseAsync(string path, CancellationToken ct)
    {
        var msk = ActiveKeys().MskBytes();
        var response = await SendAsync(() => BuildSignedRequest(HttpMethod.Post, path, null), SendPolicy.Signed, ct);
        var cancelled = ReadJson<CancelResult>(OpenEnvelope(response.Body, msk));
        State.Journal.RecordStatus(cancelled.ChargeId, cancelled.Status);
        return cancelled;
    }

    /// <summary>Escaped so a charge id can never add path segments or a query to the signed target.</summary>
    private static string ChargePath(string chargeId)
    {
        ArgumentException.ThrowIfNullOrEmpty(chargeId);
        return "/pos/charge/" + Uri.EscapeDataString(chargeId);
    }

    private sealed record RefundRequest(Money Amount, string? Reason);

    private sealed record ReverseByKeyRequest(string IdempotencyKey);
}
