using System.CommandLine;

namespace VioPay.Terminal.Cli.Commands;

/// <summary>
/// <c>heartbeat</c>: one POST /pos/heartbeat (PROTOCOL §13.4) with what the options report, the answer's actions printed
/// and acted on: <c>refetch_config</c> downloads the config again, <c>rotate_keys</c> rotates with <c>--rotate</c>.
/// </summary>
internal sealed class HeartbeatCommand(CliContext cli)
{
    public Command Build()
    {
        var battery = new Option<int?>("--battery") { Description = "battery_percent to report (0-100)." };
        var network = new Option<string?>("--network") { Description = "network to report (wifi, ethernet, 4g…)." };
        var queued = new Option<int?>("--queued") { Description = "queued_transactions to report." };
        var rotate = new Option<bool>("--rotate") { Description = "When the answer says rotate_keys, rotate now (attest, keys, config, activate)." };
        var command = cli.StateCommand("heartbeat",
            "Send a heartbeat (POST /pos/heartbeat): print server_time, config_version and actions; refetch the config when asked.");
        command.Options.Add(battery);
        command.Options.Add(network);
        command.Options.Add(queued);
        command.Options.Add(rotate);
        command.SetAction((result, ct) => cli.Guarded(result, async output =>
        {
            using var http = cli.Http(result);
            var terminal = cli.Terminal(result, http);
            var report = new HeartbeatReport(BatteryPercent: result.GetValue(battery), Network: result.GetValue(network),
                QueuedTransactions: result.GetValue(queued));
            var beat = await Flows.HeartbeatAsync(terminal, report, result.GetValue(rotate), output.Step, ct);
            cli.Save(result, terminal);
            output.Finish(new { beat.ServerTime, beat.ConfigVersion, beat.Actions, terminal.State.TerminalId });
        }));
        return command;
    }
}
