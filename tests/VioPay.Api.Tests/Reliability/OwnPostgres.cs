using System.Diagnostics;

namespace VioPay.Api.Tests.Reliability;

/// <summary>
/// A PostgreSQL cluster of the test's own (initdb in a temporary directory, 127.0.0.1 and a free port), so a test can
/// restart it without touching the server every other test uses. As root it runs as the postgres user, which
/// PostgreSQL insists on; the binaries come from VIOPAY_TEST_PG_BIN (scripts/test exports it) or PATH.
/// </summary>
public sealed class OwnPostgres : IAsyncDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"viopay-pg-{Guid.NewGuid():N}");
    private readonly string _bin = Environment.GetEnvironmentVariable("VIOPAY_TEST_PG_BIN") ?? "";
    private readonly string? _owner = Environment.GetEnvironmentVariable("VIOPAY_TEST_PG_OWNER");

    public int Port { get; } = Infrastructure.ApiProcess.FreePort();

    public string ConnectionString(string database = "postgres") =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Timeout=3;Command Timeout=10";

    private string Data => Path.Combine(_directory, "data");

    public async Task StartNewAsync()
    {
        Directory.CreateDirectory(_directory);
        if (RunAsRoot)
        {
            await RunAsync("chown", "postgres:", _directory);
        }

        await PgAsync("initdb", "-D", Data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale");
        await File.AppendAllTextAsync(Path.Combine(Data, "postgresql.conf"),
            $"\nlisten_addresses = '127.0.0.1'\nport = {Port}\nunix_socket_directories = '{_directory}'\nfsync = off\n");
        await StartAsync();
    }

    public Task StartAsync() => PgAsync("pg_ctl", "-D", Data, "-l", Path.Combine(_directory, "log"), "-w", "-t", "60", "start");

    public Task StopAsync() => PgAsync("pg_ctl", "-D", Data, "-m", "fast", "-w", "-t", "60", "stop");

    public async ValueTask DisposeAsync()
    {
        try
        {
            await PgAsync("pg_ctl", "-D", Data, "-m", "immediate", "-w", "stop");
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }

        Directory.Delete(_directory, recursive: true);
    }

    private bool RunAsRoot => Environment.UserName == "root";

    private Task PgAsync(string tool, params string[] args)
    {
        var path = _bin.Length > 0 ? Path.Combine(_bin, tool) : tool;
        return RunAsRoot ? RunAsync("runuser", ["-u", _owner ?? "postgres", "--", path, .. args]) : RunAsync(path, args);
    }

    private static async Task RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({process.ExitCode}): {await output}{await error}");
        }
    }
}
