using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace VioPay.Terminal.Cli;

public sealed record PgbenchResult(double Tps, int Clients, int Seconds);

/// <summary>
/// The store's own ceiling for comparison: pgbench single-row INSERTs at the load test's concurrency against the same
/// database, into a scratch table that is dropped afterwards.
/// </summary>
internal static partial class Pgbench
{
    private const string Table = "viopay_pgbench_baseline";

    [GeneratedRegex(@"tps = (?<tps>[0-9.]+)")]
    private static partial Regex TpsLine();

    public static async Task<PgbenchResult?> RunAsync(string connectionString, int clients, CancellationToken ct)
    {
        if (Which("pgbench") is null || Which("psql") is null)
        {
            return null;
        }

        var environment = LibpqEnvironment(connectionString);
        await RunAsync("psql", ["-v", "ON_ERROR_STOP=1", "-q", "-c", $"CREATE UNLOGGED TABLE IF NOT EXISTS {Table} (id bigserial PRIMARY KEY, v text NOT NULL)"],
            environment, ct);
        var script = Path.Combine(Path.GetTempPath(), $"viopay-pgbench-{Guid.NewGuid():N}.sql");
        try
        {
            await File.WriteAllTextAsync(script, $"INSERT INTO {Table} (v) VALUES ('x');\n", ct);
            const int seconds = 10;
            var threads = Math.Clamp(Environment.ProcessorCount, 1, clients);
            var output = await RunAsync("pgbench", ["-n", "-c", $"{clients}", "-j", $"{threads}", "-T", $"{seconds}", "-f", script],
                environment, ct);
            var match = TpsLine().Match(output);
            return match.Success
                ? new PgbenchResult(double.Parse(match.Groups["tps"].Value, CultureInfo.InvariantCulture), clients, seconds)
                : throw new CliException("pgbench printed no tps line:\n" + output);
        }
        finally
        {
            File.Delete(script);
            await RunAsync("psql", ["-q", "-c", $"DROP TABLE IF EXISTS {Table}"], environment, CancellationToken.None);
        }
    }

    /// <summary>An Npgsql "Key=Value;…" string as the PG* variables pgbench and psql read.</summary>
    private static Dictionary<string, string> LibpqEnvironment(string connectionString)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }

            var value = part[(eq + 1)..];
            switch (part[..eq].Trim().ToLowerInvariant().Replace(" ", "", StringComparison.Ordinal))
            {
                case "host" or "server": map["PGHOST"] = value; break;
                case "port": map["PGPORT"] = value; break;
                case "database" or "db": map["PGDATABASE"] = value; break;
                case "username" or "user" or "userid": map["PGUSER"] = value; break;
                case "password": map["PGPASSWORD"] = value; break;
            }
        }

        return map;
    }

    private static async Task<string> RunAsync(string file, string[] args, Dictionary<string, string> environment, CancellationToken ct)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new CliException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        return process.ExitCode == 0
            ? await stdout + await stderr
            : throw new CliException($"{file} failed ({process.ExitCode}): {await stderr}");
    }

    private static string? Which(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
}
