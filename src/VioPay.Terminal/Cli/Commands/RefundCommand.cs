using System.CommandLine;

namespace VioPay.Terminal.Cli.Commands;

/// <summary><c>refund</c>: part or all of an approved charge.</summary>
internal sealed class RefundCommand(CliContext cli)
{
    public Command Build()
    {
        var charge = new Option<string>("--charge") { Description = "The charge id (ch_…).", Required = true };
        var amount = new Option<string>("--amount") { Description = "Minor units to refund.", Required = true };
        var currency = new Option<string>("--currency") { Description = "Must be the charge's currency.", DefaultValueFactory = _ => "EUR" };
        var key = new Option<string?>("--idempotency-key") { Description = "Idempotency-Key; a new UUID when absent." };
        var command = cli.StateCommand("refund", "Refund part or all of an approved charge (POST /pos/charge/{id}/refund).");
        command.Options.Add(charge);
        command.Options.Add(amount);
        command.Options.Add(currency);
        command.Options.Add(key);
        command.SetAction((result, ct) => cli.Guarded(result, async output =>
        {
            using var http = cli.Http(result);
            var terminal = cli.Terminal(result, http);
            var refund = await terminal.RefundAsync(result.GetValue(charge)!, result.GetValue(amount)!, result.GetValue(currency)!,
                "customer_request", result.GetValue(key) ?? Guid.NewGuid().ToString(), ct);
            cli.Save(result, terminal);
            output.Step(Steps.Refund("Refund", refund));
            output.Finish(refund);
        }));
        return command;
    }
}
