using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;

namespace VioPay.Api.Tests.Infrastructure;

/// <summary>What API processes share: one database, one Redis (and key prefix), one LMK.</summary>
public sealed record SharedBackends(string Postgres, string Redis, string RedisPrefix, string LocalMasterKeyHex)
{
    public static async Task<SharedBackends> CreateAsync()
    {
        var servers = await TestDependencies.GetAsync();
        return new SharedBackends(await TestDependencies.CreateDatabaseAsync(), servers.Redis, $"test:{Guid.NewGuid():N}:",
            Convert.ToHexString(RandomNumberGenerator.GetBytes(32)));
    }

    /// <summary>One count(*) over the shared database, for tests that check what the processes wrote.</summary>
    public async Task<long> CountAsync(string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(Postgres);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public Dictionary<string, string> Environment(IReadOnlyDictionary<string, string>? extra = null)
    {
        var env = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ConnectionStrings__Postgres"] = Postgres,
            ["ConnectionStrings__Redis"] = Redis,
            ["Redis__KeyPrefix"] = RedisPrefix,
            ["Security__LocalMasterKey"] = LocalMasterKeyHex,
            ["Payments__Processor"] = "Simulator",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            env[key] = value;
        }

        return env;
    }
}

/// <summary>
/// The API as a real process (the built VioPay.Api.dll on Kestrel, 127.0.0.1 only), for what an in-process host
/// cannot show: two instances sharing state, SIGKILL, SIGTERM. Its stdout and stderr are kept for the test to read.
/// </summary>
public sealed class ApiProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private ApiProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public IReadOnlyCollection<string> Output => _output;

    private static string DllPath => Path.Combine(AppContext.BaseDirectory, "VioPay.Api.dll");

    public static async Task<ApiProcess> StartAsync(SharedBackends backends, IReadOnlyDictionary<string, string>? settings = null, int? port = null)
    {
        var url = new Uri($"http://127.0.0.1:{port ?? FreePort()}");
        var process = Start(backends.Environment(settings), DllPath, "--urls", url.ToString().TrimEnd('/'));
        var api = new ApiProcess(process, url);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { api._output.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { api._output.Enqueue(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await api.WaitReadyAsync(TimeSpan.FromSeconds(90));
        return api;
    }

    /// <summary>Runs an admin CLI command with the same configuration and answers its JSON.</summary>
    public static async Task<JsonElement> AdminAsync(SharedBackends backends, params string[] args)
    {
        using var process = Start(backends.Environment(), DllPath, args);
        var stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"admin {string.Join(' ', args)}: {stdout}");
        // Log events are JSON lines too ({"@t":…}); the command's answer is the last document that is not one.
        var lines = stdout.Split('\n');
        var first = Array.FindLastIndex(lines, l => l.StartsWith('{') && !l.StartsWith("{\"@t\"", StringComparison.Ordinal));
        Assert.True(first >= 0, $"admin {string.Join(' ', args)} printed no JSON: {stdout}");
        using var document = JsonDocument.Parse(string.Join('\n', lines[first..]));
        return document.RootElement.Clone();
    }

    /// <summary>
    /// Runs the API executable with <paramref name="args"/> to its end (an admin command, or a start-up expected to fail)
    /// and answers its exit code and output; a process still running after <paramref name="timeout"/> is killed and
    /// fails the test, so a command that hangs (or serves) cannot pass.
    /// </summary>
    public static async Task<CliRun> RunToExitAsync(IReadOnlyDictionary<string, string> environment, TimeSpan timeout, params string[] args)
    {
        using var process = Start(new Dictionary<string, string>(environment), DllPath, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail($"'{string.Join(' ', args)}' was still running after {timeout}:\n{await stdout}\n{await stderr}");
        }

        return new CliRun(process.ExitCode, await stdout, await stderr);
    }

    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            Assert.False(_process.HasExited, "the API exited during start-up:\n" + string.Join('\n', _output.TakeLast(30)));
            try
            {
                using var response = await Client.GetAsync("/health/ready");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(200);
        }

        Assert.Fail($"the API at {BaseAddress} was not ready within {timeout}");
    }

    /// <summary>SIGKILL: the process ends at once, mid-request, with no chance to clean up.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as an orchestrator stops a container; answers the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Process Start(Dictionary<string, string> environment, string dll, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
    }
}

/// <summary>What a run of the API executable to its end printed, and its exit code.</summary>
public sealed record CliRun(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>The command's JSON answer: the last document on stdout that is not a log event.</summary>
    public JsonElement Json
    {
        get
        {
            var lines = Stdout.Split('\n');
            var first = Array.FindLastIndex(lines, l => l.StartsWith('{') && !l.StartsWith("{\"@t\"", StringComparison.Ordinal));
            Assert.True(first >= 0, $"no JSON answer in: {Stdout}");
            using var document = JsonDocument.Parse(string.Join('\n', lines[first..]));
            return document.RootElement.Clone();
        }
    }

    public override string ToString() => $"exit {ExitCode}\n{Stdout}\n{Stderr}";
}

/// <summary>Sends each request to the next instance in turn, so one client's requests alternate between them.</summary>
public sealed class RoundRobin(params Uri[] instances) : DelegatingHandler(new HttpClientHandler())
{
    private int _next;

    /// <summary>When set, the next request goes to this instance instead (then alternation resumes).</summary>
    public int? Pin { get; set; }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var index = Pin ?? (Interlocked.Increment(ref _next) - 1) % instances.Length;
        Pin = null;
        request.RequestUri = new Uri(instances[index], request.RequestUri!.PathAndQuery);
        return base.SendAsync(request, cancellationToken);
    }
}
