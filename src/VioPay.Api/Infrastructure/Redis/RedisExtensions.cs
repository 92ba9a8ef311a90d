using StackExchange.Redis;

namespace VioPay.Api.Infrastructure.Redis;

/// <summary>Builds Redis keys under one configurable prefix, so several deployments (or test runs) can share a server.</summary>
public sealed class RedisKeys(string prefix)
{
    public string Prefix { get; } = prefix;

    public RedisKey For(string kind, string id) => $"{Prefix}{kind}:{id}";
}

public static class RedisExtensions
{
    public const string ConnectionStringName = "Redis";

    public static WebApplicationBuilder AddRedis(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"Configuration 'ConnectionStrings:{ConnectionStringName}' is required (environment variable ConnectionStrings__Redis), e.g. 127.0.0.1:6379");
        }

        var options = ConfigurationOptions.Parse(connectionString);
        // Start and keep running while Redis is down: requests that need it answer 503 at once
        // (FailFast), and the multiplexer reconnects by itself when Redis returns.
        options.AbortOnConnectFail = false;
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.ConnectTimeout = Math.Min(options.ConnectTimeout, 3000);
        options.SyncTimeout = Math.Min(options.SyncTimeout, 3000);
        options.AsyncTimeout = Math.Min(options.AsyncTimeout, 3000);
        options.ReconnectRetryPolicy = new LinearRetry(500);
        options.ClientName ??= "viopay-api";

        builder.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(options));
        builder.Services.AddSingleton(new RedisKeys(builder.Configuration["Redis:KeyPrefix"] ?? "viopay:"));
        return builder;
    }
}
