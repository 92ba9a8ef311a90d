using System.CommandLine;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Infrastructure.Security;

namespace VioPay.Api.Infrastructure.Cli;

/// <summary>
/// The command line of the API executable, on System.CommandLine (as the reference terminal's): with no command it
/// serves HTTP, and ASP.NET Core's own arguments (<c>--urls …</c>, <c>--Key=value</c>) pass through to the host; with a
/// command (<c>dotnet VioPay.Api.dll &lt;command&gt; [--option value]…</c>) it runs that admin command and exits. Every
/// command has <c>--help</c>. A command prints one JSON document on stdout and exits 0, or prints <c>{"error":…}</c> and
/// exits 1; an unknown command or option, or a missing or malformed value, is a usage error: a message on stderr, exit 2,
/// and never a server started by a typo. Secrets a command creates are printed once and stored only under the LMK or as
/// verifiers. The commands live one group per file beside this one.
/// </summary>
public sealed class AdminCli
{
    public const int UsageError = 2;

    private static readonly JsonSerializerOptions Json = CreateJson();

    private readonly string[] _args;
    private readonly RootCommand _root;
    private readonly ParseResult _parse;
    private readonly HashSet<Command> _hostless = [];
    private WebApplication? _app;

    private AdminCli(string[] args)
    {
        _args = args;
        _root = new RootCommand(
            "VioPay API. With no command it serves HTTP; ASP.NET Core arguments such as --urls http://127.0.0.1:8080 or " +
            "--Section:Key=value configure it. With a command it runs that admin command with the same configuration " +
            "(environment variables, appsettings) and exits: 0 with one JSON document on stdout, 1 with {\"error\":…}, " +
            "2 for a usage error.");
        foreach (var command in MigrateCommand.Build(this)
            .Concat(new TenantCommands().Build(this))
            .Concat(new ApiClientCommands().Build(this))
            .Concat(new LmkCommands().Build(this)))
        {
            _root.Subcommands.Add(command);
        }

        var healthcheck = HealthcheckCommand.Build();
        _hostless.Add(healthcheck);
        _root.Subcommands.Add(healthcheck);
        _parse = _root.Parse(args);
    }

    /// <summary>The command names, for tests and the README.</summary>
    public IEnumerable<string> Commands => _root.Subcommands.Select(c => c.Name);

    /// <summary>
    /// Whether the arguments ask to serve HTTP: none, or options that are not help or version (ASP.NET Core's configuration
    /// arguments, which the host reads and System.CommandLine does not judge). A first bare word is always a command.
    /// </summary>
    public bool Serves => !StartsWithCommandWord(_args) && !_args.Any(a => a is "-h" or "--help" or "-?" or "/?" or "/h" or "--version");

    public static AdminCli Parse(string[] args) => new(args);

    /// <summary>
    /// What needs no host: help, version, usage errors, an unknown command, <c>healthcheck</c>. Answers the exit code, or
    /// null when the host must be built (to serve, or to run an admin command through <see cref="RunAsync"/>).
    /// </summary>
    public async Task<int?> RunWithoutHostAsync()
    {
        if (Serves)
        {
            return null;
        }

        if (StartsWithCommandWord(_args) && !Commands.Contains(_args[0], StringComparer.Ordinal))
        {
            await Console.Error.WriteLineAsync(
                $"Unknown command '{_args[0]}'. Commands: {string.Join(", ", Commands)}. See 'VioPay.Api --help'.");
            return UsageError;
        }

        if (_parse.Errors.Count > 0)
        {
            foreach (var error in _parse.Errors)
            {
                await Console.Error.WriteLineAsync(error.Message);
            }

            await Console.Error.WriteLineAsync($"See '{Usage(_parse.CommandResult.Command)} --help'.");
            return UsageError;
        }

        if (_parse.Action != _parse.CommandResult.Command.Action || _hostless.Contains(_parse.CommandResult.Command))
        {
            return await Invoke();
        }

        return null;
    }

    /// <summary>Runs the admin command the arguments name, on the host built with the process's configuration.</summary>
    public Task<int> RunAsync(WebApplication app)
    {
        _app = app;
        return Invoke();
    }

    /// <summary>
    /// A command that runs on the host: its action prints the JSON the handler answers (exit 0), or the error (exit 1).
    /// Unless <paramref name="checksLmk"/> is false, the LMK is first checked against the database's record, as at start-up,
    /// so no command writes with the wrong key (and keys derived from the LMK come from the right root).
    /// </summary>
    internal Command Define(string name, string description, Func<ParseResult, IServiceProvider, Task<object>> handler,
        IEnumerable<Option>? options = null, bool checksLmk = true)
    {
        var command = new Command(name, description);
        foreach (var option in options ?? [])
        {
            command.Options.Add(option);
        }

        command.SetAction(async parse =>
        {
            var app = _app ?? throw new InvalidOperationException("Admin commands run on a host.");
            await using var scope = app.Services.CreateAsyncScope();
            var services = scope.ServiceProvider;
            try
            {
                if (checksLmk)
                {
                    var check = await LmkCheck.VerifyAsync(services.GetRequiredService<VioPayDbContext>(),
                        services.GetRequiredService<LocalMasterKey>(), recordIfAbsent: true, CancellationToken.None);
                    if (!check.Ok)
                    {
                        return WriteError(check.Error!);
                    }
                }

                var result = await handler(parse, services);
                WriteJson(result is Failed failed ? failed.Body : result);
                return result is Failed ? 1 : 0;
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException or DbUpdateException
                or Npgsql.NpgsqlException)
            {
                return WriteError(e.Message);
            }
        });
        return command;
    }

    /// <summary>What a handler answers to exit 1 with a body richer than <c>{"error":…}</c> (its body must have an error).</summary>
    internal sealed record Failed(object Body);

    internal static void WriteJson(object value) => Console.Out.WriteLine(JsonSerializer.Serialize(value, Json));

    internal static int WriteError(string message)
    {
        WriteJson(new { error = message });
        return 1;
    }

    private Task<int> Invoke() =>
        _parse.InvokeAsync(new InvocationConfiguration
        {
            // Exceptions reach the host (WebApplicationFactory stops the entry point with one), and SIGTERM is the
            // host's to handle: System.CommandLine would otherwise end the process 2 s after it, mid-drain.
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null,
        });

    /// <summary>A first argument that is a bare word names a command: an unknown one must not fall through to serving.</summary>
    private static bool StartsWithCommandWord(string[] args) =>
        args.Length > 0 && args[0].Length > 0 && args[0][0] is not ('-' or '/') && !args[0].Contains('=', StringComparison.Ordinal);

    private string Usage(Command command) => command == _root ? "VioPay.Api" : "VioPay.Api " + command.Name;

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions { WriteIndented = true };
        JsonExtensions.Apply(options);
        return options;
    }
}
