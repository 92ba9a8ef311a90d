using System.Security.Cryptography;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
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
            services.AddTransient<IStartupFilter, TestPeerAddress>();
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

/// <summary>
/// TestServer connections have no remote address. A request may name the peer it comes from in
/// <see cref="Header"/>; this runs before the app's own pipeline (forwarded headers included), as a real
/// connection's address would be there before any middleware.
/// </summary>
public sealed class TestPeerAddress : IStartupFilter
{
    public const string Header = "X-Test-Peer-Address";

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, nextMiddleware) =>
        {
            if (context.Request.Headers.TryGetValue(Header, out var value) && IPAddress.TryParse(value.ToString(), out var address))
            {
                context.Request.Headers.Remove(Header);
                context.Connection.RemoteIpAddress = address;
            }

            return nextMiddleware(context);
        });
        next(app);
    };
}

public static class TestPeerExtensions
{
    /// <summary>The request as if it came over a connection from <paramref name="peer"/>.</summary>
    public static HttpRequestMessage From(this HttpRequestMessage request, string peer)
    {
        request.Headers.TryAddWithoutValidation(TestPeerAddress.Header, peer);
        return request;
    }
}
