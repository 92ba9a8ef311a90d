using Microsoft.Extensions.Configuration;
using Npgsql;
using VioPay.Api.Infrastructure.Persistence;

namespace VioPay.Api.Tests.Scale;

/// <summary>Issue 15: the connection string each pooler mode gives, and what it refuses (no server needed).</summary>
public sealed class DatabaseConnectionTests
{
    private const string Pooled = "Host=pgbouncer;Port=6432;Database=viopay;Username=viopay;Password=pooled-secret";
    private const string Direct = "Host=primary;Port=5432;Database=viopay;Username=viopay;Password=direct-secret";

    [Fact]
    public void WithoutAPoolerStatementsArePreparedAndConnectionsAreNotReset()
    {
        var connection = Resolve(("ConnectionStrings:Postgres", Pooled));

        var csb = new NpgsqlConnectionStringBuilder(connection.ConnectionString);
        Assert.Null(connection.Refusal);
        Assert.Equal(DatabasePooler.None, connection.Pooler);
        Assert.Equal((64, 2, true, 64), (csb.MaxAutoPrepare, csb.AutoPrepareMinUsages, csb.NoResetOnClose, csb.MaxPoolSize));
    }

    [Theory]
    [InlineData("PgBouncerTransaction")]
    [InlineData("pgbouncertransaction")]
    public void BehindPgBouncerInTransactionModeAutoPrepareIsOffAndConnectionsAreStillNotReset(string pooler)
    {
        var connection = Resolve(("ConnectionStrings:Postgres", Pooled), ("Database:Pooler", pooler));

        var csb = new NpgsqlConnectionStringBuilder(connection.ConnectionString);
        Assert.Null(connection.Refusal);
        Assert.Equal(DatabasePooler.PgBouncerTransaction, connection.Pooler);
        Assert.Equal((0, true, 64), (csb.MaxAutoPrepare, csb.NoResetOnClose, csb.MaxPoolSize));
    }

    [Fact]
    public void AnExplicitMaxAutoPrepareOfZeroIsWelcomeBehindPgBouncer()
    {
        var connection = Resolve(("ConnectionStrings:Postgres", Pooled + ";Max Auto Prepare=0"), ("Database:Pooler", "PgBouncerTransaction"));

        Assert.Null(connection.Refusal);
        Assert.Equal(0, new NpgsqlConnectionStringBuilder(connection.ConnectionString).MaxAutoPrepare);
    }

    [Theory]
    [InlineData(";Max Auto Prepare=16", "Max Auto Prepare=16")]
    [InlineData(";MaxAutoPrepare=64", "Max Auto Prepare=64")]
    public void AnExplicitMaxAutoPrepareAboveZeroIsRefusedBehindPgBouncerWithoutShowingTheConnectionString(string setting, string named)
    {
        var connection = Resolve(("ConnectionStrings:Postgres", Pooled + setting), ("Database:Pooler", "PgBouncerTransaction"));

        Assert.NotNull(connection.Refusal);
        Assert.Contains("Database:Pooler is PgBouncerTransaction", connection.Refusal, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings:Postgres sets " + named, connection.Refusal, StringComparison.Ordinal);
        Assert.DoesNotContain("pooled-secret", connection.Refusal, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', connection.Refusal);
    }

    [Theory]
    [InlineData("PgBouncer")]
    [InlineData("1")]
    [InlineData("Transaction")]
    public void AnUnknownPoolerIsRefused(string pooler)
    {
        var connection = Resolve(("ConnectionStrings:Postgres", Pooled), ("Database:Pooler", pooler));

        Assert.Equal($"Database:Pooler is '{pooler}'; expected None or PgBouncerTransaction", connection.Refusal);
    }

    [Fact]
    public void AnAdminCommandGoesToPostgresDirectWhenItIsSetAndServingNeverDoes()
    {
        (string, string)[] settings = [("ConnectionStrings:Postgres", Pooled), ("ConnectionStrings:PostgresDirect", Direct), ("Database:Pooler", "PgBouncerTransaction")];

        var admin = Resolve(adminCommand: true, settings);
        var serving = Resolve(adminCommand: false, settings);

        // The primary itself: prepared statements are safe there.
        Assert.Equal(("PostgresDirect", DatabasePooler.None, "primary"), (admin.Source, admin.Pooler, new NpgsqlConnectionStringBuilder(admin.ConnectionString).Host));
        Assert.Equal(64, new NpgsqlConnectionStringBuilder(admin.ConnectionString).MaxAutoPrepare);
        Assert.Equal(("Postgres", DatabasePooler.PgBouncerTransaction, "pgbouncer"), (serving.Source, serving.Pooler, new NpgsqlConnectionStringBuilder(serving.ConnectionString).Host));
        // Without it, an admin command uses the same connection string as serving.
        Assert.Equal("Postgres", Resolve(adminCommand: true, ("ConnectionStrings:Postgres", Pooled)).Source);
    }

    [Fact]
    public void AnAdminCommandNeedsNoPooledStringWhenItHasTheDirectOneButServingDoes()
    {
        Assert.Equal("PostgresDirect", Resolve(adminCommand: true, ("ConnectionStrings:PostgresDirect", Direct)).Source);

        var e = Assert.Throws<InvalidOperationException>(() => Resolve(adminCommand: false, ("ConnectionStrings:PostgresDirect", Direct)));
        Assert.Contains("ConnectionStrings:Postgres", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheUnsafePooledStringIsRefusedEvenWhenAnAdminCommandGoesDirect()
    {
        var connection = Resolve(adminCommand: true, ("ConnectionStrings:Postgres", Pooled + ";Max Auto Prepare=8"),
            ("ConnectionStrings:PostgresDirect", Direct), ("Database:Pooler", "PgBouncerTransaction"));

        Assert.Contains("Max Auto Prepare=8", connection.Refusal, StringComparison.Ordinal);
    }

    private static DatabaseConnection Resolve(params (string Key, string Value)[] settings) => Resolve(adminCommand: false, settings);

    private static DatabaseConnection Resolve(bool adminCommand, params (string Key, string Value)[] settings) =>
        DatabaseConnection.Resolve(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build(), adminCommand);
}
