using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Npgsql;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Reliability;

/// <summary>One API process shared by the transport tests.</summary>
public sealed class OneInstance : IAsyncLifetime
{
    public SharedBackends Backends { get; private set; } = null!;
    public ApiProcess Api { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Backends = await SharedBackends.CreateAsync();
        Api = await ApiProcess.StartAsync(Backends);
    }

    public async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        await TestDependencies.DropDatabaseAsync(Backends.Postgres);
    }
}

/// <summary>
/// Issue 6: the Kestrel limits (KestrelExtensions) on a real socket. Oversized or too many headers are refused with a
/// 4xx; a client that trickles its headers or its body is cut off instead of holding a connection and a thread; nothing
/// is stored; the server keeps answering. Kestrel answers these before any middleware runs, so they carry no envelope.
/// </summary>
public sealed class TransportLimitTests(OneInstance instance) : IClassFixture<OneInstance>
{
    [Fact]
    public async Task AnOversizedHeaderBlockIsRefusedWith431()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/pos/bootstrap");
        request.Headers.TryAddWithoutValidation("X-Padding", new string('a', 40 * 1024));
        var response = await instance.Api.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await instance.Api.Client.GetAsync("/health/live")).StatusCode);
    }

    [Fact]
    public async Task TooManyHeadersAreRefusedWith431()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health/live");
        for (var i = 0; i < 80; i++)
        {
            request.Headers.TryAddWithoutValidation($"X-H{i}", "1");
        }

        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, (await instance.Api.Client.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task AClientTricklingItsHeadersIsCutOff()
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, instance.Api.BaseAddress.Port);
        var stream = client.GetStream();
        await stream.WriteAsync("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "u8.ToArray());
        var watch = Stopwatch.StartNew();
        var closed = await TrickleUntilClosedAsync(stream, watch, TimeSpan.FromSeconds(30));
        Assert.True(closed, "the connection was still open after 30 s of trickled headers");
        Assert.InRange(watch.Elapsed.TotalSeconds, 5, 30);
    }

    [Fact]
    public async Task AClientTricklingItsBodyIsCutOffAndNothingIsStored()
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, instance.Api.BaseAddress.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            "POST /merchant/devices HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 20000\r\n\r\n{\"label\":\""));
        var watch = Stopwatch.StartNew();
        var closed = await TrickleUntilClosedAsync(stream, watch, TimeSpan.FromSeconds(40));
        Assert.True(closed, "the connection was still open after 40 s of a trickled body");

        await using var connection = new NpgsqlConnection(instance.Backends.Postgres);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM devices", connection);
        Assert.Equal(0L, (long)(await count.ExecuteScalarAsync())!);
        Assert.Equal(HttpStatusCode.OK, (await instance.Api.Client.GetAsync("/health/live")).StatusCode);
    }

    /// <summary>
    /// Sends one byte a second until the server ends the exchange: it closes the connection, or answers (a 4xx such as
    /// 408 or 400) and closes. True when that happened within <paramref name="limit"/>.
    /// </summary>
    private static async Task<bool> TrickleUntilClosedAsync(NetworkStream stream, Stopwatch watch, TimeSpan limit)
    {
        var buffer = new byte[4096];
        var read = stream.ReadAsync(buffer).AsTask();
        while (watch.Elapsed < limit)
        {
            if (await Task.WhenAny(read, Task.Delay(1000)) == read)
            {
                var answer = Encoding.ASCII.GetString(buffer, 0, read.IsCompletedSuccessfully ? read.Result : 0);
                Assert.True(answer.Length == 0 || answer.StartsWith("HTTP/1.1 4", StringComparison.Ordinal), answer);
                return true;
            }

            try
            {
                await stream.WriteAsync("a"u8.ToArray());
            }
            catch (IOException)
            {
                return true;
            }
        }

        return false;
    }
}
