using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace VioPay.Api.Infrastructure.Health;

/// <summary>
/// Readiness of Redis, one server or a Redis Cluster. One server: healthy when it answers PING, unhealthy otherwise.
/// A cluster: every master is pinged; all answer, healthy; some do not, <b>degraded</b> (readiness stays 200, naming
/// them); none does, unhealthy. A master that is down takes its slots with it on every API instance alike, so turning
/// every instance unready would only widen a partial outage into a whole one: the requests that need the lost slots
/// answer 503 each (they fail closed), the rest are served.
/// </summary>
public sealed class RedisHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var servers = redis.GetServers();
        var cluster = servers.Any(s => s.ServerType == ServerType.Cluster);
        var masters = cluster ? servers.Where(s => !s.IsReplica).ToArray() : servers;
        if (masters.Length == 0)
        {
            return HealthCheckResult.Unhealthy("no Redis server is known");
        }

        var answers = await Task.WhenAll(masters.Select(PingAsync));
        var down = masters.Where((_, i) => !answers[i]).Select(s => s.EndPoint.ToString()).ToArray();
        if (down.Length == 0)
        {
            return HealthCheckResult.Healthy();
        }

        return cluster && down.Length < masters.Length
            ? HealthCheckResult.Degraded($"{down.Length} of {masters.Length} Redis Cluster masters unreachable: {string.Join(", ", down)}")
            : HealthCheckResult.Unhealthy("Redis unreachable");
    }

    private static async Task<bool> PingAsync(IServer server)
    {
        try
        {
            await server.PingAsync().WaitAsync(TimeSpan.FromSeconds(3));
            return true;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return false;
        }
    }
}
