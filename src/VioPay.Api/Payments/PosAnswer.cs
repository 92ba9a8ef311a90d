using Microsoft.AspNetCore.Http.HttpResults;
using VioPay.Api.Pos;
using VioPay.Crypto;

namespace VioPay.Api.Payments;

/// <summary>A POS answer's plaintext and whether it is the replay of an earlier one (fine point 4).</summary>
public sealed record PosAnswer(string Json, bool Replayed)
{
    /// <summary>The request's <c>Idempotency-Key</c> header, when it has one (validated by the charge family's filter).</summary>
    public static string? IdempotencyKey(HttpContext http) =>
        http.Request.Headers.TryGetValue(PosHeaderNames.IdempotencyKey, out var value) ? value.ToString() : null;

    /// <summary>
    /// The answer as the terminal gets it: freshly encrypted under the active MSK (a replay too: new IV, same plaintext),
    /// with <c>Idempotent-Replayed: true</c> when it is a replay.
    /// </summary>
    public Ok<MskEnvelope> Seal(HttpContext http, PosEnvelopes envelopes, PosTerminalContext terminal)
    {
        if (Replayed)
        {
            http.Response.Headers[Idempotency.ReplayedHeader] = "true";
        }

        return TypedResults.Ok(envelopes.SealAnswer(terminal.KeySet, Json));
    }
}
