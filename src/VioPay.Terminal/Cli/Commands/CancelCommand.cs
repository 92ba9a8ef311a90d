using System.CommandLine;

namespace VioPay.Terminal.Cli.Commands;

/// <summary><c>cancel</c>: cancel (or void) a charge by id, or reverse the one an Idempotency-Key created.</summary>
internal sealed class CancelCommand(CliContext cli)
{
    public Command Build()
    {
        var charge = new Option<string?>("--charge") { Description = "The charge id (ch_…)." };
        var key = new Option<string?>("--idempotency-key")
        {
            Description = "Instead of --charge: reverse the charge this key created (POST /pos/charge/reverse), or record the " +
                "reversal so a late charge with the key is refused. The recovery when a charge's answer was lost.",
        };
        var reverse = new Option<bool>("--reverse") { Description = "Use /reverse instead of /cancel (same rules, same answer)." };
        var command = cli.StateCommand("cancel",
            "Cancel an approved, unrefunded charge of the open batch, or void a pre-authorization (POST /pos/charge/{id}/cancel); " +
            "or reverse a charge by its Idempotency-Key.");
        command.Options.Add(charge);
        command.Options.Add(key);
        command.Options.Add(reverse);
        command.SetAction((result, ct) => cli.Guarded(result, async output =>
        {
            using var http = cli.Http(result);
            var terminal = cli.Terminal(result, http);
            if (result.GetValue(key) is { } idempotencyKey)
            {
                var byKey = await terminal.ReverseByIdempotencyKeyAsync(idempotencyKey, ct);
                cli.Save(result, terminal);
                output.Step(new("Reverse by Idempotency-Key", [("idempotency_key", byKey.IdempotencyKey), ("status", byKey.Status),
                    ("charge_id", byKey.ChargeId ?? "(none yet: a late charge with this key will be refused)")]));
                output.Finish(byKey);
                return;
            }

            var id = result.GetValue(charge) ?? throw new CliException("cancel needs --charge <ch_…> or --idempotency-key <key>.");
            var cancelled = result.GetValue(reverse) ? await terminal.ReverseAsync(id, ct) : await terminal.CancelAsync(id, ct);
            cli.Save(result, terminal);
            output.Step(Steps.Cancel("Cancel", cancelled));
            output.Finish(cancelled);
        }));
        return command;
    }
}
