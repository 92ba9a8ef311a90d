using System.CommandLine;
using System.Globalization;
using VioPay.Terminal.Portal;

namespace VioPay.Terminal.Cli;

/// <summary>
/// What every command shares: the options that mean the same everywhere (--api, --json, --state, the merchant's
/// credentials), the HTTP client factory, the output and error writers, and the one way a command fails (a line on
/// stderr and exit 1). Built once per run and never changed, so commands hold no mutable state of their own.
/// </summary>
internal sealed class CliContext(Func<Uri, HttpClient> httpFactory, TextWriter output, TextWriter error)
{
    public Option<string> Api { get; } = new("--api")
    {
        Description = "Base URL of the VioPay API.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("VIOPAY_API_URL") ?? "http://127.0.0.1:8080",
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json") { Description = "Print one JSON document instead of readable lines.", Recursive = true };

    public Option<string> State { get; } = new("--state")
    {
        Description = "The terminal's state file (device secrets, key sets, terminal id, open-batch journal), written with mode 0600.",
        DefaultValueFactory = _ => "terminal.json",
    };

    private readonly Option<string?> _clientId = new("--client-id")
    {
        Description = "Merchant API client id (default $VIOPAY_CLIENT_ID), for provisioning and the claim.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("VIOPAY_CLIENT_ID"),
    };

    private readonly Option<string?> _clientSecret = new("--client-secret")
    {
        Description = "Merchant API client secret (default $VIOPAY_CLIENT_SECRET).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("VIOPAY_CLIENT_SECRET"),
    };

    public TextWriter Error => error;

    public HttpClient Http(ParseResult result) => httpFactory(new Uri(result.GetValue(Api)!));

    public CliOutput Output(ParseResult result) => new(output, result.GetValue(Json));

    public void AddCredentials(Command command)
    {
        command.Options.Add(_clientId);
        command.Options.Add(_clientSecret);
    }

    /// <summary>A command that works on the state file: adds --state, and <see cref="Terminal"/> opens it.</summary>
    public Command StateCommand(string name, string description)
    {
        var command = new Command(name, description);
        command.Options.Add(State);
        return command;
    }

    /// <summary>The terminal of the state file named by --state.</summary>
    public PosTerminal Terminal(ParseResult result, HttpClient http) => new(http, LoadState(result.GetValue(State)!));

    /// <summary>Writes the terminal's state back (key sets, clock offset and journal change as it works).</summary>
    public void Save(ParseResult result, PosTerminal terminal) => terminal.State.Save(result.GetValue(State)!);

    public async Task<MerchantPortal> PortalAsync(ParseResult result, HttpClient http, CancellationToken ct)
    {
        var id = result.GetValue(_clientId);
        var secret = result.GetValue(_clientSecret);
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(secret))
        {
            throw new CliException("Merchant API client credentials are needed: --client-id and --client-secret " +
                "(or VIOPAY_CLIENT_ID / VIOPAY_CLIENT_SECRET). Create them with the API's admin CLI: create-api-client --merchant <id>.");
        }

        var portal = new MerchantPortal(http);
        await portal.SignInAsync(id, secret, ct);
        return portal;
    }

    /// <summary>Runs a command; API and usage failures become one readable line on stderr (and exit 1), never a stack trace.</summary>
    public async Task<int> Guarded(ParseResult result, Func<CliOutput, Task> action)
    {
        var cliOutput = Output(result);
        try
        {
            await action(cliOutput);
            return 0;
        }
        catch (PosApiException e)
        {
            await error.WriteLineAsync(
                $"error: the API answered {e.StatusCode} {e.Code}: {e.ErrorMessage}" + (e.TraceId is null ? "" : $" (trace_id {e.TraceId})"));
            return 1;
        }
        catch (Exception e) when (e is CliException or PosProtocolException or HttpRequestException or InvalidOperationException or KeyInstallException)
        {
            await error.WriteLineAsync("error: " + e.Message);
            return 1;
        }
    }

    public static TerminalState LoadState(string path) => File.Exists(path)
        ? TerminalState.Load(path)
        : throw new CliException($"No state file at {path}: run `viopay-terminal provision --state {path}` first.");

    public static (int Month, int Year) ParseExpiry(string value)
    {
        var parts = value.Split('/');
        return parts.Length == 2 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var month) &&
            int.TryParse(parts[1], CultureInfo.InvariantCulture, out var year)
            ? (month, year < 100 ? 2000 + year : year)
            : throw new CliException("--expiry must be MM/YYYY, e.g. 12/2030.");
    }
}

/// <summary>A usage problem the CLI explains in one line.</summary>
public sealed class CliException(string message) : Exception(message);
