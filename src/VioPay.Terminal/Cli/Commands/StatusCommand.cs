using System.CommandLine;

namespace VioPay.Terminal.Cli.Commands;

/// <summary><c>status</c>: the device's status, or one charge's (by id or by Idempotency-Key).</summary>
internal sealed class StatusCommand(CliContext cli)
{
    public Command Build()
    {
        var charge = new Option<string?>("--charge") { Description = "Show this charge (GET /pos/charge/{id})." };
        var key = new Option<string?>("--idempotency-key") { Description = "Show the charge this key created (GET /pos/charge?idempotency_key=)." };
        var command = cli.StateCommand("status", "The device's status (GET /pos/status), or a charge's.");
        command.Options.Add(charge);
        command.Options.Add(key);
        command.SetAction((result, ct) => cli.Guarded(result, async output =>
        {
            using var http = cli.Http(result);
            var terminal = cli.Terminal(result, http);
            if (result.GetValue(charge) is { } id)
            {
                var found = await terminal.GetChargeAsync(id, ct);
                output.Step(Steps.Charge("Charge", found));
                output.Finish(found);
            }
            else if (result.GetValue(key) is { } idempotencyKey)
            {
                var found = await terminal.FindChargeByIdempotencyKeyAsync(idempotencyKey, ct)
                    ?? throw new CliException($"No charge was created with Idempotency-Key {idempotencyKey}.");
                output.Step(Steps.Charge("Charge", found, idempotencyKey));
                output.Finish(found);
            }
            else
            {
                var status = await terminal.GetStatusAsync(ct);
                output.Step(new("Status", [("device_id", terminal.State.DeviceId), ("device_status", status.DeviceStatus),
                    ("is_claimed", $"{status.IsClaimed}".ToLowerInvariant()), ("terminal_id", terminal.State.TerminalId ?? "")]));
                output.Finish(status);
            }
        }));
        return command;
    }
}
