using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace VioPay.Api.Tests.Infrastructure;

/// <summary>
/// The real app on its own PostgreSQL database and its own Redis key prefix, so test classes run
/// in parallel without seeing each other's state. Settings can be overridden per instance.
/// </summary>
public class VioPayApp : WebApplicationFactory<Program>, IAsyncLifetime
{
    private readonly Dictionary<string, string?> _settings = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<Action<IServiceCollection>> _services = [];

    public string PostgresConnectionString { get; private set; } = "";
    public string RedisConnectionString { get; private set; } = "";
    public string RedisPrefix { get; } = $"test:{Guid.NewGuid():N}:";
    public string LocalMasterKeyHex { get; } = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));

    /// <summary>The app's clock: real time plus an offset tests can advance.</summary>
    public AdjustableTime Time { get; } = new();

    /// <summary>Overrides a configuration value (call before the first request).</summary>
    public VioPayApp With(string key, string? value)
    {
        _settings[key] = value;
        return this;
    }

    public VioPayApp WithServices(Action<IServiceCollection> configure)
    {
        _services.Add(configure);
        return this;
    }

    public virtual async Task InitializeAsync()
    {
        var servers = await TestDependencies.GetAsync();
        PostgresConnectionString = await TestDependencies.CreateDatabaseAsync();
        RedisConnectionString = servers.Redis;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Postgres", PostgresConnectionString);
        builder.UseSetting("ConnectionStrings:Redis", RedisConnectionString);
        builder.UseSetting("Redis:KeyPrefix", RedisPrefix);
        builder.UseSetting("Security:LocalMasterKey", LocalMasterKeyHex);
        // Outside Development the acquirer must be chosen explicitly (the tests run as "Testing").
        builder.UseSetting("Payments:Processor", "Simulator");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(Time);
            foreach (var configure in _services)
            {
                configure(services);
            }
        });
    }

    public new virtual async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (PostgresConnectionString.Length > 0)
        {
            await TestDependencies.DropDatabaseAsync(PostgresConnectionString);
        }
    }
}
