using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace VioPay.Api.Infrastructure.Persistence;

public static class PersistenceExtensions
{
    public const string ConnectionStringName = "Postgres";

    public static WebApplicationBuilder AddPersistence(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"Configuration 'ConnectionStrings:{ConnectionStringName}' is required " +
                "(environment variable ConnectionStrings__Postgres), e.g. Host=127.0.0.1;Port=5432;Database=viopay;Username=viopay;Password=…");
        }

        var dataSource = new NpgsqlDataSourceBuilder(WithDefaults(connectionString)).Build();
        builder.Services.AddSingleton(dataSource);
        builder.Services.AddDbContextPool<VioPayDbContext>(options => Configure(options, dataSource));
        return builder;
    }

    /// <summary>
    /// Short timeouts so that a database that is down answers 503 quickly instead of holding requests; statements
    /// prepared automatically after their second use (PostgreSQL then plans the charge path's statements once per
    /// connection, not once per call); and no session reset when a connection goes back to the pool (Npgsql's
    /// <c>DISCARD ALL</c>, which also drops prepared statements): the service keeps no session state (no SET, no
    /// session advisory lock, no temporary table, no LISTEN), and an open transaction is rolled back on return either
    /// way. Callers can still override any of these in the connection string.
    /// </summary>
    private static string WithDefaults(string connectionString)
    {
        var csb = new NpgsqlConnectionStringBuilder(connectionString);
        if (!connectionString.Contains("Timeout", StringComparison.OrdinalIgnoreCase))
        {
            csb.Timeout = 5;
        }

        if (!connectionString.Contains("Command Timeout", StringComparison.OrdinalIgnoreCase))
        {
            csb.CommandTimeout = 15;
        }

        if (!connectionString.Contains("Maximum Pool Size", StringComparison.OrdinalIgnoreCase) &&
            !connectionString.Contains("MaxPoolSize", StringComparison.OrdinalIgnoreCase))
        {
            csb.MaxPoolSize = 64;
        }

        if (!connectionString.Contains("Max Auto Prepare", StringComparison.OrdinalIgnoreCase) &&
            !connectionString.Contains("MaxAutoPrepare", StringComparison.OrdinalIgnoreCase))
        {
            csb.MaxAutoPrepare = 64;
            csb.AutoPrepareMinUsages = 2;
        }

        if (!connectionString.Contains("No Reset On Close", StringComparison.OrdinalIgnoreCase) &&
            !connectionString.Contains("NoResetOnClose", StringComparison.OrdinalIgnoreCase))
        {
            csb.NoResetOnClose = true;
        }

        return csb.ConnectionString;
    }

    internal static void Configure(DbContextOptionsBuilder options, NpgsqlDataSource dataSource) =>
        options.UseNpgsql(dataSource, Npgsql).UseSnakeCaseNamingConvention();

    internal static void Configure(DbContextOptionsBuilder options, string connectionString) =>
        options.UseNpgsql(connectionString, Npgsql).UseSnakeCaseNamingConvention();

    private static void Npgsql(Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure.NpgsqlDbContextOptionsBuilder npgsql) =>
        npgsql.MigrationsHistoryTable("__ef_migrations_history");
}
