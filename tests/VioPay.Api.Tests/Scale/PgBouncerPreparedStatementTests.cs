using Npgsql;
using VioPay.Api.Infrastructure.Persistence;

namespace VioPay.Api.Tests.Scale;

/// <summary>
/// Issue 15: why <c>Database:Pooler=PgBouncerTransaction</c> exists. Two client connections through PgBouncer 1.18 in
/// transaction mode, on a database with one server connection, so both land on the same PostgreSQL session. With the
/// service's default settings each client auto-prepares its own statement (Npgsql names them <c>_auto1</c>, …) and the
/// second collides with the first on that session; with the settings the pooler mode gives, the same workload runs. Raw
/// Npgsql, on the very connection strings <see cref="DatabaseConnection"/> builds.
/// </summary>
public sealed class PgBouncerPreparedStatementTests
{
    private const int Rounds = 20;

    [PgBouncerFact]
    public async Task WithTheDefaultAutoPrepareTwoClientsOnOneServerConnectionCollideOnTheirPreparedStatements()
    {
        var (settings, refusal) = DatabaseConnection.WithDefaults(PgBouncer.SingleServerConnection(), "Postgres", DatabasePooler.None);
        Assert.Null(refusal);
        Assert.True(new NpgsqlConnectionStringBuilder(settings).MaxAutoPrepare > 0);
        await using var source = NpgsqlDataSource.Create(settings);

        var e = await Assert.ThrowsAsync<PostgresException>(() => TwoClientsAsync(source));

        // 42P05: "prepared statement "_auto1" already exists" (the other client's); 26000 would be "does not exist" (prepared
        // on a server connection this transaction did not get). Either way a charge would have failed.
        Assert.Contains(e.SqlState, new[] { PostgresErrorCodes.DuplicatePreparedStatement, PostgresErrorCodes.InvalidSqlStatementName });
        Assert.Contains("_auto", e.MessageText, StringComparison.Ordinal);
    }

    [PgBouncerFact]
    public async Task WithPoolerPgBouncerTransactionTheSameTwoClientsShareOneServerConnectionSafely()
    {
        var (settings, refusal) = DatabaseConnection.WithDefaults(PgBouncer.SingleServerConnection(), "Postgres", DatabasePooler.PgBouncerTransaction);
        Assert.Null(refusal);
        var csb = new NpgsqlConnectionStringBuilder(settings);
        Assert.Equal(0, csb.MaxAutoPrepare);
        Assert.True(csb.NoResetOnClose);
        await using var source = NpgsqlDataSource.Create(settings);

        var (first, second) = await TwoClientsAsync(source);

        // The same PostgreSQL session served both clients: the pass above is not two sessions side by side.
        Assert.Equal(first, second);
    }

    /// <summary>
    /// Two connections open at once (two PgBouncer clients), alternating two different statements, each used often enough
    /// to be auto-prepared; every answer is checked. Answers the server process each client saw first.
    /// </summary>
    private static async Task<(int, int)> TwoClientsAsync(NpgsqlDataSource source)
    {
        await using var a = await source.OpenConnectionAsync();
        await using var b = await source.OpenConnectionAsync();
        var pidA = await ScalarAsync(a, "SELECT pg_backend_pid()");
        var pidB = await ScalarAsync(b, "SELECT pg_backend_pid()");
        for (var i = 0; i < Rounds; i++)
        {
            Assert.Equal(1, await ScalarAsync(a, "SELECT 1 AS first_client"));
            Assert.Equal(2, await ScalarAsync(b, "SELECT 2 AS second_client"));
        }

        return (pidA, pidB);
    }

    private static async Task<int> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (int)(await command.ExecuteScalarAsync())!;
    }
}
