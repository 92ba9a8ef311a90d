using System.CommandLine;

namespace VioPay.Terminal.Cli.Commands;

/// <summary><c>capture</c>: settle a pre-authorization, all of it or less, with an optional tip; the rest is released.</summary>
internal sealed class CaptureCommand(CliContext cli)
{
    public Command Build()
    {
        var charge = new Option<string>("--charge") { Description = "The authorized charge (ch_…).", Required = true };
        var amount = new Option<string?>("--amount") { Description = "Minor units to capture (default: the whole authorized amount)." };
        var tip = new Option<string?>("--tip") { Description = "Tip in minor units, added to the captured amount." };
        var currency = new Option<string>("--currency") { Description = "The charge's currency.", DefaultValueFactory = _ => "EUR" };
        var key = new Option<string?>("--idempotency-key") { Description = "Idempotency-Key; a new UUID when absent." };
        var command = cli.StateCommand("capture", "Capture a pre-authorization (POST /pos/charge/{id}/capture), with --tip; the uncaptured rest is released.");
        command.Options.Add(charge);
        command.Options.Add(amount);
        command.Options.Add(tip);
        command.Options.Add(currency);
        command.Options.Add(key);
        command.SetAction((result, ct) => cli.Guarded(result, async output =>
        {
            using var http = cli.Http(result);
            var terminal = cli.Terminal(result, http);
            var money = (string? value) => value is null ? null : new Money(value, result.GetValue(currency)!);
            var captured = await terminal.CaptureAsync(result.GetValue(charge)!, money(result.GetValue(amount)), money(result.GetValue(tip)),
                result.GetValue(key) ?? Guid.NewGuid().ToString(), ct);
            cli.Save(result, terminal);
            output.Step(Steps.Charge("Capture", captured));
            output.Finish(captured);
        }));
        return command;
    }
}
