using StackExchange.Redis;

namespace VioPay.Api.Infrastructure.Redis;

/// <summary>
/// Builds Redis keys under one configurable prefix, so several deployments (or test runs) can share a server.
/// <para>
/// On a Redis Cluster a key's slot is the CRC16 of the whole key, or only of the part between the first <c>{</c> and
/// the next <c>}</c> (its hash tag). Every key the service writes today is used alone: each Lua script and each
/// MULTI touches one key, so no key needs a tag and the keys spread evenly over the masters. A script or transaction
/// that ever touches two keys must build both with <see cref="Tagged"/> and the same tag, so they share a slot (the
/// cluster refuses it otherwise, CROSSSLOT). The prefix may therefore hold no brace: a tag in it would pin every key of
/// the deployment to one slot, one master.
/// </para>
/// </summary>
public sealed class RedisKeys
{
    public RedisKeys(string prefix)
    {
        if (prefix.AsSpan().IndexOfAny('{', '}') >= 0)
        {
            throw new InvalidOperationException(
                $"Configuration 'Redis:KeyPrefix' may not contain '{{' or '}}' (a Redis Cluster hash tag would put every key on one master): {prefix}");
        }

        Prefix = prefix;
    }

    public string Prefix { get; }

    /// <summary><c>{prefix}{kind}:{id}</c>: a key used alone, on the slot of its whole name.</summary>
    public RedisKey For(string kind, string id) => $"{Prefix}{kind}:{id}";

    /// <summary>
    /// <c>{prefix}{kind}:{{tag}}:{id}</c>: a key on the slot of <paramref name="tag"/> alone, so that every key built with
    /// the same tag shares one slot and one script or MULTI may touch them together on a cluster.
    /// </summary>
    public RedisKey Tagged(string kind, string tag, string id)
    {
        if (tag.Length == 0 || tag.Contains('}', StringComparison.Ordinal))
        {
            throw new ArgumentException("A hash tag is not empty and holds no '}'.", nameof(tag));
        }

        return $"{Prefix}{kind}:{{{tag}}}:{id}";
    }
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

        // One endpoint, or a comma list of a Redis Cluster's nodes (any few of them: the client reads the rest of the
        // topology from CLUSTER NODES and routes each command to the master of its key's slot).
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
