using System.CommandLine;

namespace VioPay.Terminal.Cli.Commands;

/// <summary><c>increment</c>: raise the amount held by a pre-authorization (a hotel's extra night, a bar tab).</summary>
internal sealed class IncrementCommand(CliContext cli)
{
    public Command Build()
    {
        var charge = new Option<string>("--charge") { Description = "The authorized charge (ch_…).", Required = true };
        var amount = new Option<string>("--amount") { Description = "The increase, in minor units.", Required = true };
        var currency = new Option<string>("--currency") { Description = "The charge's currency.", DefaultValueFactory = _ => "EUR" };
        var key = new Option<string?>("--idempotency-key") { Description = "Idempotency-Key; a new UUID when absent." };
        var command = cli.StateCommand("increment", "Increase a pre-authorization (POST /pos/charge/{id}/increment); a declined increment leaves it as it was.");
        command.Options.Add(charge);
        command.Options.Add(amount);
        command.Options.Add(currency);
        command.Options.Add(key);
        command.SetAction((result, ct) => cli.Guarded(result, async output =>
        {
            using var http = cli.Http(result);
            var terminal = cli.Terminal(result, http);
            var incremented = await terminal.IncrementAsync(result.GetValue(charge)!, result.GetValue(amount)!, result.GetValue(currency)!,
                result.GetValue(key) ?? Guid.NewGuid().ToString(), ct);
            cli.Save(result, terminal);
            output.Step(Steps.Charge("Increment", incremented));
            output.Finish(incremented);
        }));
        return command;
    }
}
