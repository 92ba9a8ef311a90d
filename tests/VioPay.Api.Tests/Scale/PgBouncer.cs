using System.Diagnostics;
using Npgsql;

namespace VioPay.Api.Tests.Scale;

/// <summary>
/// The PgBouncer scripts/test starts in front of the test PostgreSQL (<c>start_pgbouncer</c> in scripts/lib.sh): Debian's
/// 1.18, transaction pooling, <see cref="PoolSize"/> server connections per database, every database name passed through,
/// <c>viopay_single</c> as <c>postgres</c> over one server connection, and the admin console (database <c>pgbouncer</c>),
/// read with psql because it speaks only the simple query protocol and Npgsql always uses the extended one.
/// </summary>
public static class PgBouncer
{
    /// <summary>A connection string through PgBouncer (<c>VIOPAY_TEST_PGBOUNCER</c>), or null when none was started.</summary>
    public static string? ConnectionString => Environment.GetEnvironmentVariable("VIOPAY_TEST_PGBOUNCER") is { Length: > 0 } s ? s : null;

    private static string Configured => ConnectionString ?? throw new InvalidOperationException(
        "VIOPAY_TEST_PGBOUNCER is not set: run the tests with scripts/test, which starts PgBouncer (in CI it is required)");

    public static int PoolSize =>
        int.TryParse(Environment.GetEnvironmentVariable("VIOPAY_TEST_PGBOUNCER_POOL_SIZE"), out var size) ? size : 4;

    /// <summary>The database of <paramref name="direct"/> (a test's own copy of the template), reached through PgBouncer.</summary>
    public static string Through(string direct) =>
        new NpgsqlConnectionStringBuilder(Configured) { Database = new NpgsqlConnectionStringBuilder(direct).Database }.ConnectionString;

    /// <summary>PgBouncer's database that has exactly one server connection.</summary>
    public static string SingleServerConnection() =>
        new NpgsqlConnectionStringBuilder(Configured) { Database = "viopay_single" }.ConnectionString;

    /// <summary>One <c>SHOW …</c> of the admin console, as rows of column name to value.</summary>
    public static async Task<List<Dictionary<string, string>>> ShowAsync(string what)
    {
        var csb = new NpgsqlConnectionStringBuilder(Configured);
        var bin = Environment.GetEnvironmentVariable("VIOPAY_TEST_PG_BIN");
        var psql = !string.IsNullOrEmpty(bin) && File.Exists(Path.Combine(bin, "psql")) ? Path.Combine(bin, "psql") : "psql";
        var start = new ProcessStartInfo(psql)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-X", "-A", "-F", "\t", "-P", "footer=off", "-h", csb.Host!, "-p", csb.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "-U", csb.Username!, "-d", "pgbouncer", "-c", "SHOW " + what })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"psql SHOW {what}: {await stderr}");
        var lines = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split('\t');
        return lines.Skip(1).Select(line => header.Zip(line.Split('\t')).ToDictionary(p => p.First, p => p.Second)).ToList();
    }
}

/// <summary>
/// A test that needs the PgBouncer of scripts/test: skipped, with the reason, when there is none and CI is not set; in CI it
/// always runs (and fails when PgBouncer is missing), as the portal's browser tests do.
/// </summary>
public sealed class PgBouncerFactAttribute : FactAttribute
{
    public PgBouncerFactAttribute()
    {
        if (PgBouncer.ConnectionString is null && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")))
        {
            Skip = "no PgBouncer: VIOPAY_TEST_PGBOUNCER is not set (scripts/test starts Debian's pgbouncer, installing it with apt-get when run as root)";
        }
    }
}
