using VioPay.Terminal.Cli;

// viopay-terminal: the reference POS terminal's command line (see README, "Reference terminal").
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
return await new TerminalCli().RunAsync(args, Console.Out, Console.Error, cancel.Token);
