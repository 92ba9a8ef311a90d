using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace VioPay.Api.Infrastructure.Persistence;

public static class PersistenceExtensions
{
    /// <summary>
    /// One Npgsql data source for EF and the raw statements of the hot paths, on the connection string
    /// <see cref="DatabaseConnection"/> resolves (<c>ConnectionStrings:PostgresDirect</c> for an admin command when it is set).
    /// </summary>
    public static WebApplicationBuilder AddPersistence(this WebApplicationBuilder builder, bool adminCommand = false)
    {
        var connection = DatabaseConnection.Resolve(builder.Configuration, adminCommand);
        builder.Services.AddSingleton(connection);
        var dataSource = new NpgsqlDataSourceBuilder(connection.ConnectionString).Build();
        builder.Services.AddSingleton(dataSource);
        builder.Services.AddDbContextPool<VioPayDbContext>(options => Configure(options, dataSource));
        return builder;
    }

    /// <summary>
    /// Start-up, before serving or running an admin command: a configuration that contradicts itself (a pooler that cannot
    /// keep prepared statements, and a connection string that asks for them) stops here with one critical line and no
    /// stack trace, as a wrong LMK does; the caller exits 1.
    /// </summary>
    public static bool CheckDatabaseConnection(this WebApplication app)
    {
        var connection = app.Services.GetRequiredService<DatabaseConnection>();
        if (connection.Refusal is not null)
        {
            app.Logger.LogCritical("Refusing to start: {Reason}", connection.Refusal);
            return false;
        }

        if (connection.Pooler != DatabasePooler.None || connection.Source != DatabaseConnection.ConnectionStringName)
        {
            app.Logger.LogInformation("PostgreSQL through ConnectionStrings:{ConnectionStringName:l}, pooler {DatabasePooler}",
                connection.Source, connection.Pooler);
        }

        return true;
    }

    internal static void Configure(DbContextOptionsBuilder options, NpgsqlDataSource dataSource) =>
        options.UseNpgsql(dataSource, Npgsql).UseSnakeCaseNamingConvention();

    internal static void Configure(DbContextOptionsBuilder options, string connectionString) =>
        options.UseNpgsql(connectionString, Npgsql).UseSnakeCaseNamingConvention();

    private static void Npgsql(Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure.NpgsqlDbContextOptionsBuilder npgsql) =>
        npgsql.MigrationsHistoryTable("__ef_migrations_history");
}
