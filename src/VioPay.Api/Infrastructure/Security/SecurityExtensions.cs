using System.Security.Cryptography;
using Npgsql;
using VioPay.Api.Infrastructure.Persistence;

namespace VioPay.Api.Infrastructure.Security;

public static class SecurityExtensions
{
    public const string LmkKey = "Security:LocalMasterKey";
    public const string LmkFileKey = "Security:LocalMasterKeyFile";

    /// <summary>
    /// Loads the LMK. Production without one stops start-up with the key's full path. Development
    /// without one generates a key once and keeps it in a file outside the repository, so a local
    /// database stays readable across runs.
    /// </summary>
    public static WebApplicationBuilder AddLocalMasterKey(this WebApplicationBuilder builder)
    {
        var key = LoadKey(builder.Configuration, builder.Environment);
        builder.Services.AddSingleton(new LocalMasterKey(key));
        CryptographicOperations.ZeroMemory(key);
        return builder;
    }

    /// <summary>Logs the LMK's CMAC KCV (never the key) so operators can check every instance runs with the same one.</summary>
    public static WebApplication LogLocalMasterKey(this WebApplication app)
    {
        app.Logger.LogInformation("Local master key loaded, KCV {LmkKcv}", app.Services.GetRequiredService<LocalMasterKey>().Kcv);
        return app;
    }

    /// <summary>
    /// Start-up: refuses to serve with another LMK than the one the database's keys are under (see <see cref="LmkCheck"/>),
    /// with one critical line naming both KCVs and no stack trace. A database that does not answer yet is waited for
    /// (up to <paramref name="patience"/>), as an orchestrator may start the API and PostgreSQL together.
    /// </summary>
    public static async Task<bool> CheckLocalMasterKeyAsync(this WebApplication app, TimeSpan? patience = null)
    {
        var lmk = app.Services.GetRequiredService<LocalMasterKey>();
        var deadline = DateTimeOffset.UtcNow + (patience ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            try
            {
                await using var scope = app.Services.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
                var result = await LmkCheck.VerifyAsync(db, lmk, recordIfAbsent: true, app.Lifetime.ApplicationStopping);
                if (!result.Ok)
                {
                    app.Logger.LogCritical("Refusing to start: {Reason} (configured LMK KCV {LmkKcv}, recorded KCV {RecordedLmkKcv})",
                        result.Error, result.ConfiguredKcv, result.RecordedKcv ?? "none");
                    return false;
                }

                return true;
            }
            catch (NpgsqlException e) when (e is not PostgresException && DateTimeOffset.UtcNow < deadline)
            {
                app.Logger.LogWarning("Waiting for PostgreSQL to check the LMK KCV: {Reason}", e.Message);
                await Task.Delay(TimeSpan.FromSeconds(2));
            }
            catch (NpgsqlException e)
            {
                app.Logger.LogCritical("Refusing to start: the LMK KCV could not be checked against the database: {Reason}", e.Message);
                return false;
            }
        }
    }

    internal static byte[] LoadKey(IConfiguration configuration, IHostEnvironment environment)
    {
        var configured = configuration[LmkKey];
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Parse(configured, LmkKey);
        }

        if (!environment.IsDevelopment())
        {
            throw new InvalidOperationException(
                $"Configuration '{LmkKey}' is required outside Development: 64 hex characters (an AES-256 key). " +
                "Set it from your secret store, e.g. the environment variable Security__LocalMasterKey.");
        }

        var path = configuration[LmkFileKey] ?? Path.Combine(
            Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create),
            "viopay", "lmk-development.hex");
        if (File.Exists(path))
        {
            return Parse(File.ReadAllText(path).Trim(), path);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var fresh = RandomNumberGenerator.GetBytes(32);
        File.WriteAllText(path, Convert.ToHexString(fresh));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return fresh;
    }

    internal static byte[] Parse(string hex, string source)
    {
        try
        {
            var bytes = Convert.FromHexString(hex.Trim());
            if (bytes.Length == 32)
            {
                return bytes;
            }
        }
        catch (FormatException)
        {
        }

        throw new InvalidOperationException($"'{source}' must be 64 hex characters (an AES-256 key).");
    }
}
