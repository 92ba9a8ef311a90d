using System.Diagnostics;
using System.Globalization;
using System.Net;
using StackExchange.Redis;

namespace VioPay.Api.Tests.Cluster;

/// <summary>
/// The two real Redis Clusters scripts/test starts (three masters each, loopback): <see cref="Shared"/>, which the
/// cluster tests share, and <see cref="Fault"/>, which only the test that kills a master uses, so the kill cannot break
/// a test running beside it.
/// </summary>
public static class TestClusters
{
    public static string? Shared => Variable("VIOPAY_TEST_REDIS_CLUSTER");

    public static string? Fault => Variable("VIOPAY_TEST_REDIS_FAULT_CLUSTER");

    /// <summary>Each fault-cluster node's directory, in the order of <see cref="Fault"/>; its redis.conf restarts it.</summary>
    public static IReadOnlyList<string> FaultDirectories => (Variable("VIOPAY_TEST_REDIS_FAULT_CLUSTER_DIRS") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries);

    public static string RedisServer => Variable("VIOPAY_TEST_REDIS_CLUSTER_SERVER") ?? "redis-server";

    /// <summary>A client of its own on <paramref name="nodes"/>, allowed the admin commands (INFO) the tests use.</summary>
    public static Task<ConnectionMultiplexer> ConnectAsync(string nodes)
    {
        var options = ConfigurationOptions.Parse(nodes);
        options.AllowAdmin = true;
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 3000;
        return ConnectionMultiplexer.ConnectAsync(options);
    }

    /// <summary>The master that serves <paramref name="key"/>'s slot, as the cluster itself says.</summary>
    public static EndPoint MasterOf(this IConnectionMultiplexer redis, RedisKey key)
    {
        var slot = redis.HashSlot(key);
        var configuration = redis.GetServers().First(s => s.IsConnected).ClusterConfiguration
            ?? throw new InvalidOperationException("not a cluster");
        return configuration.GetBySlot(slot)?.EndPoint ?? throw new InvalidOperationException($"slot {slot} has no master");
    }

    public static IReadOnlyList<EndPoint> Masters(this IConnectionMultiplexer redis) =>
        redis.GetServers().Where(s => !s.IsReplica).Select(s => s.EndPoint).ToArray();

    /// <summary>SIGKILL to the node's redis-server (its pid read from INFO): it dies at once, keeping nothing.</summary>
    public static async Task KillAsync(this IConnectionMultiplexer redis, EndPoint node)
    {
        var info = await redis.GetServer(node).InfoAsync("server");
        var pid = int.Parse(info.SelectMany(g => g).Single(p => p.Key == "process_id").Value, CultureInfo.InvariantCulture);
        using var process = Process.GetProcessById(pid);
        process.Kill();
        await process.WaitForExitAsync();
    }

    /// <summary>
    /// Starts the fault cluster's node on <paramref name="node"/>'s port again from its redis.conf: it keeps its node id
    /// and slots (nodes.conf), none of its data. scripts/test stops it with the rest of the cluster.
    /// </summary>
    public static void RestartFaultNode(EndPoint node)
    {
        var nodes = Fault!.Split(',');
        var index = Array.FindIndex(nodes, n => n.EndsWith(":" + Port(node), StringComparison.Ordinal));
        Assert.True(index >= 0, $"{node} is not a node of {Fault}");
        var start = new ProcessStartInfo(RedisServer) { UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(FaultDirectories[index], "redis.conf"));
        using var process = Process.Start(start);
    }

    /// <summary>Waits until every node answers and says cluster_state:ok.</summary>
    public static async Task WaitHealthyAsync(this IConnectionMultiplexer redis, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var states = await Task.WhenAll(redis.GetServers().Select(s => s.ExecuteAsync("CLUSTER", "INFO")));
                if (states.All(s => s.ToString().Contains("cluster_state:ok", StringComparison.Ordinal)))
                {
                    return;
                }
            }
            catch (RedisException)
            {
            }

            Assert.True(deadline.Elapsed < timeout, $"the cluster was not healthy within {timeout}");
            await Task.Delay(200);
        }
    }

    private static int Port(EndPoint node) => node switch
    {
        IPEndPoint ip => ip.Port,
        DnsEndPoint dns => dns.Port,
        _ => throw new ArgumentException($"unexpected endpoint {node}"),
    };

    private static string? Variable(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
}

/// <summary>
/// A test that needs a real Redis Cluster (<see cref="TestClusters"/>): skipped, with the reason, only when scripts/test
/// did not start one and CI is not set. In CI it always runs (and fails when the cluster is missing), as the portal's
/// browser tests do.
/// </summary>
public sealed class ClusterFactAttribute : FactAttribute
{
    public ClusterFactAttribute(bool fault = false)
    {
        var missing = fault ? TestClusters.Fault is null || TestClusters.FaultDirectories.Count == 0 : TestClusters.Shared is null;
        if (missing && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")))
        {
            Skip = fault
                ? "VIOPAY_TEST_REDIS_FAULT_CLUSTER(_DIRS) is not set: run the tests with scripts/test, which starts a Redis Cluster for this test"
                : "VIOPAY_TEST_REDIS_CLUSTER is not set: run the tests with scripts/test, which starts a 3-master Redis Cluster";
        }
    }
}
