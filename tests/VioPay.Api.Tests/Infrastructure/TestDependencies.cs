using Microsoft.EntityFrameworkCore;
using Npgsql;
using Testcontainers.PostgreSql;
using Testcontainers.Redis;
using VioPay.Api.Infrastructure.Persistence;

namespace VioPay.Api.Tests.Infrastructure;

/// <summary>
/// The real PostgreSQL and Redis every integration test runs against: from
/// <c>VIOPAY_TEST_POSTGRES</c> / <c>VIOPAY_TEST_REDIS</c> when set (scripts/test starts throwaway
/// servers and sets them), else from Testcontainers when Docker works. The schema is migrated once
/// into a template database; each app gets its own copy of it, so tests never share rows.
/// </summary>
public static class TestDependencies
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static Servers? _servers;

    public sealed record Servers(string PostgresAdmin, string Redis, string TemplateDatabase);

    public static async Task<Servers> GetAsync()
    {
        if (_servers is not null)
        {
            return _servers;
        }

        await Gate.WaitAsync();
        try
        {
            return _servers ??= await StartAsync();
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task<Servers> StartAsync()
    {
        var postgres = Environment.GetEnvironmentVariable("VIOPAY_TEST_POSTGRES");
        var redis = Environment.GetEnvironmentVariable("VIOPAY_TEST_REDIS");
        if (string.IsNullOrWhiteSpace(postgres) || string.IsNullOrWhiteSpace(redis))
        {
            try
            {
                var pg = new PostgreSqlBuilder("postgres:16-alpine").Build();
                var rd = new RedisBuilder("redis:7-alpine").Build();
                await Task.WhenAll(pg.StartAsync(), rd.StartAsync());
                postgres = pg.GetConnectionString();
                redis = rd.GetConnectionString();
            }
            catch (Exception e)
            {
                throw new InvalidOperationException(
                    "Integration tests need PostgreSQL and Redis. Run them with `scripts/test` (it starts throwaway " +
                    "local servers), or set VIOPAY_TEST_POSTGRES (an Npgsql connection string with the right to create " +
                    "databases) and VIOPAY_TEST_REDIS (host:port), or make Docker available for Testcontainers. " +
                    $"Testcontainers said: {e.Message}", e);
            }
        }

        var template = $"viopay_tmpl_{Guid.NewGuid():N}"[..24];
        await ExecuteAsync(postgres, $"CREATE DATABASE \"{template}\"");
        var options = new DbContextOptionsBuilder<VioPayDbContext>();
        PersistenceExtensions.Configure(options, WithDatabase(postgres, template));
        await using (var db = new VioPayDbContext(options.Options))
        {
            await db.Database.MigrateAsync();
        }

        // CREATE DATABASE … TEMPLATE refuses while anyone is connected to the template.
        NpgsqlConnection.ClearAllPools();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDrop(postgres, template);
        return new Servers(postgres, redis, template);
    }

    /// <summary>A fresh, migrated, empty database for one app instance.</summary>
    public static async Task<string> CreateDatabaseAsync()
    {
        var servers = await GetAsync();
        var name = $"viopay_t_{Guid.NewGuid():N}"[..28];
        await Gate.WaitAsync();
        try
        {
            await ExecuteAsync(servers.PostgresAdmin, $"CREATE DATABASE \"{name}\" TEMPLATE \"{servers.TemplateDatabase}\"");
        }
        finally
        {
            Gate.Release();
        }

        return WithDatabase(servers.PostgresAdmin, name);
    }

    public static async Task DropDatabaseAsync(string connectionString)
    {
        var servers = await GetAsync();
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync(servers.PostgresAdmin, $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
    }

    public static string WithDatabase(string connectionString, string database) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Database = database, Pooling = true }.ConnectionString;

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static void TryDrop(string admin, string database)
    {
        try
        {
            ExecuteAsync(admin, $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)").GetAwaiter().GetResult();
        }
        catch (NpgsqlException)
        {
            // The throwaway server may already be gone; nothing to clean then.
        }
    }
}
