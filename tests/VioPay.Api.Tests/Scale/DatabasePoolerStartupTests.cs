using System.Security.Cryptography;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Scale;

/// <summary>
/// Issue 15, the built VioPay.Api.dll as a process: the unsafe combination of a transaction-mode pooler and prepared
/// statements stops start-up and admin commands alike in one line, and <c>migrate</c> goes to
/// <c>ConnectionStrings:PostgresDirect</c> when it is set.
/// </summary>
public sealed class DatabasePoolerStartupTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task PgBouncerTransactionModeWithAnExplicitAutoPrepareStopsTheApiAndItsCommandsInOneLine()
    {
        // Nothing needs to answer: the configuration is judged before anything connects.
        var backends = new SharedBackends("Host=127.0.0.1;Port=6432;Database=viopay;Username=viopay;Password=never-printed;Max Auto Prepare=16",
            "127.0.0.1:6379", "test:", Convert.ToHexString(RandomNumberGenerator.GetBytes(32)));
        var unsafeSettings = backends.Environment(new Dictionary<string, string> { ["Database__Pooler"] = "PgBouncerTransaction" });
        var unknownPooler = backends.Environment(new Dictionary<string, string> { ["Database__Pooler"] = "PgBouncer" });

        var runs = await Task.WhenAll(
            ApiProcess.RunToExitAsync(unsafeSettings, Patience, "--urls", $"http://127.0.0.1:{ApiProcess.FreePort()}"),
            ApiProcess.RunToExitAsync(unsafeSettings, Patience, "migrate"),
            ApiProcess.RunToExitAsync(unknownPooler, Patience, "--urls", $"http://127.0.0.1:{ApiProcess.FreePort()}"));

        foreach (var run in runs)
        {
            Assert.True(run.ExitCode == 1, run.ToString());
            var refusal = Assert.Single(run.Stdout.Split('\n'), line => line.Contains("Refusing to start", StringComparison.Ordinal));
            Assert.Contains("\"@l\":\"Fatal\"", refusal, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", run.Stdout + run.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("never-printed", run.Stdout + run.Stderr, StringComparison.Ordinal);
        }

        Assert.Contains("Database:Pooler is PgBouncerTransaction, and ConnectionStrings:Postgres sets Max Auto Prepare=16", runs[0].Stdout,
            StringComparison.Ordinal);
        Assert.Contains("Max Auto Prepare=16", runs[1].Stdout, StringComparison.Ordinal);
        Assert.Contains("Database:Pooler is 'PgBouncer'; expected None or PgBouncerTransaction", runs[2].Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MigrateGoesToPostgresDirectWhenItIsSetAndThroughThePooledStringOtherwise()
    {
        var backends = await SharedBackends.CreateAsync();
        try
        {
            // The pooled string leads nowhere: only a command that goes direct can reach the database.
            var nowhere = new Dictionary<string, string>
            {
                ["ConnectionStrings__Postgres"] = $"Host=127.0.0.1;Port={ApiProcess.FreePort()};Database=viopay;Username=postgres;Timeout=3",
                ["Database__Pooler"] = "PgBouncerTransaction",
            };
            var direct = new Dictionary<string, string>(nowhere) { ["ConnectionStrings__PostgresDirect"] = backends.Postgres };

            var runs = await Task.WhenAll(
                ApiProcess.RunToExitAsync(backends.Environment(direct), Patience, "migrate"),
                ApiProcess.RunToExitAsync(backends.Environment(nowhere), Patience, "migrate"));

            Assert.True(runs[0].ExitCode == 0, runs[0].ToString());
            Assert.Equal("ok", runs[0].Json.GetProperty("status").GetString());
            Assert.Contains("PostgreSQL through ConnectionStrings:PostgresDirect, pooler None", runs[0].Stdout, StringComparison.Ordinal);
            Assert.True(runs[1].ExitCode == 1, runs[1].ToString());
            Assert.Equal(1, await backends.CountAsync("SELECT count(*) FROM lmk_record"));
        }
        finally
        {
            await TestDependencies.DropDatabaseAsync(backends.Postgres);
        }
    }
}
