using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using VioPay.Api.Infrastructure;
using VioPay.Api.Infrastructure.OpenApi;
using VioPay.Api.Payments;
using VioPay.Api.Pos;
using VioPay.Crypto;

namespace VioPay.Api.Fleet;

/// <summary>PROTOCOL §13.4: the terminal's heartbeat, on the charge family's HMAC headers with MSK envelopes both ways.</summary>
public static class HeartbeatApi
{
    public static IEndpointRouteBuilder MapHeartbeatApi(this IEndpointRouteBuilder app)
    {
        var pos = app.MapGroup("/pos").WithTags("POS fleet").RequireTerminalSignature();
        pos.MapPost("/heartbeat", Beat)
            .WithName("PosHeartbeat")
            .WithSummary("Heartbeat, every device_config.heartbeat_interval_sec: MSK envelope {app_version?, battery_percent? 0..100, " +
                "network?, config_version?, queued_transactions?} in (an empty body is {}), {server_time, config_version, actions: " +
                "[refetch_config | rotate_keys]} out. refetch_config when the sent config_version is not the server's (fetch " +
                "/pos/config again); rotate_keys when the active key set expires within Pos:KeyRotationNoticeDays (attest, keys, " +
                "config, activate). Keeps the device's connectivity online in the backoffice.")
            .WithHeaders(PosDocs.Charge)
            .DocumentsJsonBody<MskEnvelope>()
            .Produces<MskEnvelope>()
            .ProducesErrors(400, 401, 403, 409, 413, 415, 426, 503);
        return app;
    }

    private static async Task<Ok<MskEnvelope>> Beat(HttpContext http, Heartbeats heartbeats, PosEnvelopes envelopes,
        CancellationToken cancellationToken)
    {
        var terminal = http.Terminal();
        using var plaintext = http.RawBody().IsEmpty ? JsonDocument.Parse("{}") : envelopes.OpenRequest(http, terminal.KeySet);
        var input = Heartbeats.Validate(plaintext.RootElement, http.Request.Headers.UserAgent.ToString());
        var answer = await heartbeats.BeatAsync(terminal, input, cancellationToken);
        return TypedResults.Ok(envelopes.SealAnswer(terminal.KeySet, PosEnvelopes.Plaintext(answer)));
    }
}
