using System.Security.Cryptography;

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

    private static byte[] Parse(string hex, string source)
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
