using Npgsql;

namespace VioPay.Api.Infrastructure.Persistence;

/// <summary>What sits between the API and PostgreSQL (<c>Database:Pooler</c>); it decides whether prepared statements are safe.</summary>
public enum DatabasePooler
{
    /// <summary>
    /// Every client connection keeps its own server session: PostgreSQL itself, PgBouncer in session mode, or (not tested
    /// here) PgBouncer 1.21+ in transaction mode with <c>max_prepared_statements</c> &gt; 0, which tracks prepared statements.
    /// </summary>
    None,

    /// <summary>
    /// PgBouncer in transaction pooling mode that does not track protocol-level prepared statements (1.18 as Debian 12 ships
    /// it, or any version with <c>max_prepared_statements = 0</c>): each transaction may run on another server connection,
    /// so a statement prepared on one is unknown on the next (<c>26000</c>), and two clients' <c>_p1</c> collide on one
    /// (<c>42P05</c>). Automatic preparation is turned off.
    /// </summary>
    PgBouncerTransaction,
}

/// <summary>
/// The connection string this process uses, with the service's defaults applied, or why it must not start. Serving always
/// uses <c>ConnectionStrings:Postgres</c> (the pooler, when there is one). An admin command (<c>migrate</c> above all) uses
/// <c>ConnectionStrings:PostgresDirect</c> instead when it is set: the primary itself, past the pooler, so a long
/// <c>CREATE INDEX CONCURRENTLY</c> does not hold one of the pooler's few server connections, and no pooler timeout can cut
/// it off.
/// </summary>
public sealed record DatabaseConnection(string ConnectionString, string Source, DatabasePooler Pooler, string? Refusal)
{
    public const string ConnectionStringName = "Postgres";
    public const string DirectConnectionStringName = "PostgresDirect";
    public const string PoolerKey = "Database:Pooler";

    public static DatabaseConnection Resolve(IConfiguration configuration, bool adminCommand)
    {
        var pooled = configuration.GetConnectionString(ConnectionStringName);
        var direct = configuration.GetConnectionString(DirectConnectionStringName);
        var configuredPooler = configuration[PoolerKey];
        string? refusal = null;
        var pooler = DatabasePooler.None;
        if (!string.IsNullOrWhiteSpace(configuredPooler))
        {
            var named = Enum.GetValues<DatabasePooler>().Where(p => string.Equals(p.ToString(), configuredPooler.Trim(), StringComparison.OrdinalIgnoreCase));
            if (named.Any())
            {
                pooler = named.First();
            }
            else
            {
                refusal = $"{PoolerKey} is '{configuredPooler}'; expected {DatabasePooler.None} or {DatabasePooler.PgBouncerTransaction}";
            }
        }

        if (string.IsNullOrWhiteSpace(pooled) && !(adminCommand && !string.IsNullOrWhiteSpace(direct)))
        {
            throw new InvalidOperationException(
                $"Configuration 'ConnectionStrings:{ConnectionStringName}' is required " +
                "(environment variable ConnectionStrings__Postgres), e.g. Host=127.0.0.1;Port=5432;Database=viopay;Username=viopay;Password=…");
        }

        // The pooled string is checked even when an admin command goes direct: the same configuration serves the API next.
        var (served, unsafePooled) = string.IsNullOrWhiteSpace(pooled) ? ("", null) : WithDefaults(pooled, ConnectionStringName, pooler);
        refusal ??= unsafePooled;
        if (adminCommand && !string.IsNullOrWhiteSpace(direct))
        {
            return new DatabaseConnection(WithDefaults(direct, DirectConnectionStringName, DatabasePooler.None).ConnectionString,
                DirectConnectionStringName, DatabasePooler.None, refusal);
        }

        return new DatabaseConnection(served, ConnectionStringName, pooler, refusal);
    }

    /// <summary>
    /// Short timeouts so that a database that is down answers 503 quickly instead of holding requests; statements prepared
    /// automatically after their second use (PostgreSQL then plans the charge path's statements once per connection, not once
    /// per call), except behind <see cref="DatabasePooler.PgBouncerTransaction"/>, where an explicit <c>Max Auto Prepare</c>
    /// above 0 is refused; and no session reset when a connection goes back to the pool (Npgsql's <c>DISCARD ALL</c>, which
    /// also drops prepared statements): the service keeps no session state (no SET, no session advisory lock, no temporary
    /// table, no LISTEN), and an open transaction is rolled back on return either way. Behind PgBouncer in transaction mode
    /// the reset would be worse than useless: one more round trip per checkout, run on whichever server connection that
    /// statement lands on, not the one the next transaction gets. Callers can still override any of these.
    /// </summary>
    internal static (string ConnectionString, string? Refusal) WithDefaults(string connectionString, string name, DatabasePooler pooler)
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

        string? refusal = null;
        var autoPrepareSet = connectionString.Contains("Max Auto Prepare", StringComparison.OrdinalIgnoreCase) ||
            connectionString.Contains("MaxAutoPrepare", StringComparison.OrdinalIgnoreCase);
        if (pooler == DatabasePooler.PgBouncerTransaction)
        {
            if (autoPrepareSet && csb.MaxAutoPrepare > 0)
            {
                refusal = $"{PoolerKey} is {pooler}, and ConnectionStrings:{name} sets Max Auto Prepare={csb.MaxAutoPrepare}: " +
                    "PgBouncer in transaction mode hands each transaction to any server connection, where a prepared statement " +
                    "is missing or another client's; remove Max Auto Prepare (it is then 0), or set Database:Pooler=None only " +
                    "for PgBouncer 1.21+ with max_prepared_statements > 0";
            }

            csb.MaxAutoPrepare = 0;
        }
        else if (!autoPrepareSet)
        {
            csb.MaxAutoPrepare = 64;
            csb.AutoPrepareMinUsages = 2;
        }

        if (!connectionString.Contains("No Reset On Close", StringComparison.OrdinalIgnoreCase) &&
            !connectionString.Contains("NoResetOnClose", StringComparison.OrdinalIgnoreCase))
        {
            csb.NoResetOnClose = true;
        }

        return (csb.ConnectionString, refusal);
    }
}
