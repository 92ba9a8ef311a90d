using System.CommandLine;

namespace VioPay.Terminal.Cli.Commands;

/// <summary><c>activate</c>: the activation flow of seed 001 on a provisioned device, or a key rotation on an activated one.</summary>
internal sealed class ActivateCommand(CliContext cli)
{
    public Command Build()
    {
        var command = cli.StateCommand("activate",
            "Run the activation flow on a provisioned device: bootstrap, pairing code, claim (as the merchant), attest, keys, config, " +
            "terminal parameters, activate. Also rotates the keys of an activated device.");
        cli.AddCredentials(command);
        command.SetAction((result, ct) => cli.Guarded(result, async output =>
        {
            using var http = cli.Http(result);
            var terminal = cli.Terminal(result, http);
            if (terminal.State.Active is not null)
            {
                // Already activated: attest → keys → config → activate rotates its key set (PROTOCOL §6).
                await terminal.AttestAsync(ct);
                var keys = await terminal.InstallKeysAsync(ct);
                (await terminal.DownloadConfigAsync(ct)).Dispose();
                await terminal.ActivateAsync(ct: ct);
                output.Step(new("Keys rotated", [("key_set_id", keys.KeySetId)]));
            }
            else
            {
                var portal = await cli.PortalAsync(result, http, ct);
                await Flows.ActivateAsync(terminal, portal, output.Step, ct);
            }

            cli.Save(result, terminal);
            output.Finish(new { terminal.State.DeviceId, terminal.State.TerminalId, KeySetId = terminal.State.Active!.KeySetId });
        }));
        return command;
    }
}
