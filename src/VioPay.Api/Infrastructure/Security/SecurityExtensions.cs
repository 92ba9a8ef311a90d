using System.Security.Cryptography;
using VioPay.Api.Infrastructure.Errors;
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
    /// with one critical line naming both KCVs and no stack trace. When PostgreSQL does not answer yet, the API starts
    /// anyway (readiness says 503 meanwhile, as an orchestrator may start both together) and the check runs as soon as
    /// it answers; a mismatch found then stops the instance with exit code 1.
    /// </summary>
    public static async Task<bool> CheckLocalMasterKeyAsync(this WebApplication app)
    {
        try
        {
            return await VerifyAsync(app);
        }
        catch (Exception e) when (ApiExceptionHandler.IsDependencyFailure(e))
        {
            app.Logger.LogWarning("PostgreSQL does not answer; the LMK KCV is checked as soon as it does ({Reason})", e.Message);
            _ = Task.Run(() => VerifyLaterAsync(app));
            return true;
        }
    }

    private static async Task VerifyLaterAsync(WebApplication app)
    {
        var stopping = app.Lifetime.ApplicationStopping;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(2), stopping);
                if (!await VerifyAsync(app))
                {
                    Environment.ExitCode = 1;
                    app.Lifetime.StopApplication();
                }

                return;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (ApiExceptionHandler.IsDependencyFailure(e))
            {
            }
            catch (InvalidOperationException e)
            {
                // E.g. a derivation root found after a request already derived keys from the LMK: restart, do not guess.
                app.Logger.LogCritical("Stopping: the LMK check found what this instance cannot serve with: {Reason}", e.Message);
                Environment.ExitCode = 1;
                app.Lifetime.StopApplication();
                return;
            }
        }
    }

    private static async Task<bool> VerifyAsync(WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var result = await LmkCheck.VerifyAsync(scope.ServiceProvider.GetRequiredService<VioPayDbContext>(),
            app.Services.GetRequiredService<LocalMasterKey>(), recordIfAbsent: true, app.Lifetime.ApplicationStopping);
        if (!result.Ok)
        {
            app.Logger.LogCritical("Refusing to start: {Reason} (configured LMK KCV {LmkKcv}, recorded KCV {RecordedLmkKcv})",
                result.Error, result.ConfiguredKcv, result.RecordedKcv ?? "none");
        }

        return result.Ok;
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
