using System.Text.Json;

namespace VioPay.Terminal;

/// <summary>
/// The payment lifecycle beyond the seeds (PROTOCOL §11): increment and capture of a pre-authorization, and the day
/// close with reconciliation. Charge-family headers and MSK envelopes both ways, like a charge; with an
/// Idempotency-Key each is retried safely after a lost connection or a 409 "still in flight".
/// </summary>
public sealed partial class PosTerminal
{
    /// <summary>POST /pos/charge/{id}/increment: raises the hold by <paramref name="amountMinor"/>; see <see cref="ChargeResult.Increment"/>.</summary>
    public async Task<ChargeResult> IncrementAsync(string chargeId, string amountMinor, string currency, string? idempotencyKey = null,
        CancellationToken ct = default)
    {
        var charge = await SendChargeFamilyAsync<ChargeResult>(ChargePath(chargeId) + "/increment",
            new IncrementRequest(new Money(amountMinor, currency)), idempotencyKey, ct);
        State.Journal.Record(charge);
        return charge;
    }

    /// <summary>
    /// POST /pos/charge/{id}/capture: settles the hold, <paramref name="amount"/> (default: all of it) plus
    /// <paramref name="tip"/>; the rest is released.
    /// </summary>
    public async Task<ChargeResult> CaptureAsync(string chargeId, Money? amount = null, Money? tip = null, string? idempotencyKey = null,
        CancellationToken ct = default)
    {
        var charge = await SendChargeFamilyAsync<ChargeResult>(ChargePath(chargeId) + "/capture", new CaptureRequest(amount, tip),
            idempotencyKey, ct);
        State.Journal.Record(charge);
        return charge;
    }

    /// <summary>
    /// POST /pos/batch/close. With <paramref name="sendTotals"/> the journal's totals and sale ids go along, and the
    /// answer's reconciliation says whether the server agrees. After the close the journal keeps only open holds.
    /// </summary>
    public async Task<BatchResult> CloseBatchAsync(bool sendTotals = true, string? idempotencyKey = null, CancellationToken ct = default)
    {
        var request = sendTotals ? new CloseBatchRequest(State.Journal.Totals(), State.Journal.SaleIds()) : new CloseBatchRequest(null, null);
        var batch = await SendChargeFamilyAsync<BatchResult>("/pos/batch/close", request, idempotencyKey, ct);
        State.Journal.StartNextBatch();
        return batch;
    }

    private async Task<T> SendChargeFamilyAsync<T>(string path, object plaintext, string? idempotencyKey, CancellationToken ct)
        where T : class
    {
        var msk = ActiveKeys().MskBytes();
        var body = EncryptForServer(JsonSerializer.Serialize(plaintext, PosJson.Options), usePending: false);
        var policy = idempotencyKey is null ? SendPolicy.Signed : SendPolicy.SignedIdempotent;
        var response = await SendAsync(() => BuildSignedRequest(HttpMethod.Post, path, body, idempotencyKey), policy, ct);
        var result = ReadJson<T>(OpenEnvelope(response.Body, msk));
        return result switch
        {
            ChargeResult charge => (T)(object)(charge with { Replayed = response.Replayed }),
            BatchResult batch => (T)(object)(batch with { Replayed = response.Replayed }),
            _ => result,
        };
    }

    private sealed record IncrementRequest(Money Amount);

    private sealed record CaptureRequest(Money? Amount, Money? Tip);

    private sealed record CloseBatchRequest(IReadOnlyList<TerminalTotal>? TerminalTotals, IReadOnlyList<string>? ChargeIds);
}
