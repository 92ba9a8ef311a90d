using System.CommandLine;
using VioPay.Terminal.Cli.Commands;

namespace VioPay.Terminal.Cli;

/// <summary>
/// <c>viopay-terminal provision|activate|charge|increment|capture|refund|cancel|status|close-batch|heartbeat|demo|load</c>: the
/// reference terminal on the command line, one class per command under <c>Cli/Commands/</c>. Every command takes --api
/// (default $VIOPAY_API_URL or http://127.0.0.1:8080) and --json; the merchant's part (provisioning, claim) uses API
/// client credentials from --client-id/--client-secret or $VIOPAY_CLIENT_ID/$VIOPAY_CLIENT_SECRET.
/// </summary>
public sealed class TerminalCli(Func<Uri, HttpClient>? httpFactory = null)
{
    private readonly Func<Uri, HttpClient> _http = httpFactory ?? (uri => new HttpClient { BaseAddress = uri, Timeout = TimeSpan.FromSeconds(30) });

    public async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken ct = default)
    {
        var cli = new CliContext(_http, output, error);
        var root = new RootCommand("VioPay reference POS terminal: every step of the POS protocol, byte for byte.");
        root.Options.Add(cli.Api);
        root.Options.Add(cli.Json);
        root.Subcommands.Add(new ProvisionCommand(cli).Build());
        root.Subcommands.Add(new ActivateCommand(cli).Build());
        root.Subcommands.Add(new ChargeCommand(cli).Build());
        root.Subcommands.Add(new IncrementCommand(cli).Build());
        root.Subcommands.Add(new CaptureCommand(cli).Build());
        root.Subcommands.Add(new RefundCommand(cli).Build());
        root.Subcommands.Add(new CancelCommand(cli).Build());
        root.Subcommands.Add(new StatusCommand(cli).Build());
        root.Subcommands.Add(new CloseBatchCommand(cli).Build());
        root.Subcommands.Add(new HeartbeatCommand(cli).Build());
        root.Subcommands.Add(new DemoCommand(cli).Build());
        root.Subcommands.Add(new LoadCommand(cli).Build());
        return await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, ct);
    }
}
