using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Events;

/// <summary>One POST a receiver got: its headers, its raw body, and the status it answered.</summary>
public sealed record ReceivedWebhook(string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body, int AnsweredStatus)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();

    public string EventId => Json.GetProperty("id").GetString()!;

    public string Type => Json.GetProperty("type").GetString()!;
}

/// <summary>
/// A real HTTP receiver on 127.0.0.1 (Kestrel), as an integrator runs one: it records every POST and answers the status
/// <see cref="Answer"/> gives. It can be stopped (the port closes) and started again on the same port.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private WebApplication? _app;

    private WebhookReceiver(int port) => Port = port;

    public int Port { get; }

    public string Url(string path = "/hooks") => $"http://127.0.0.1:{Port}{path}";

    /// <summary>The status to answer the next POST (called once per request).</summary>
    public Func<int> Answer { get; set; } = () => 200;

    public IReadOnlyCollection<ReceivedWebhook> Received => _received;

    public static async Task<WebhookReceiver> StartAsync()
    {
        var receiver = new WebhookReceiver(ApiProcess.FreePort());
        await receiver.StartAgainAsync();
        return receiver;
    }

    public async Task StartAgainAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{Port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapPost("/{**path}", async (HttpContext http) =>
        {
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer);
            var headers = http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            var status = Answer();
            _received.Enqueue(new ReceivedWebhook(http.Request.Path.Value ?? "", headers, buffer.ToArray(), status));
            return Results.StatusCode(status);
        });
        await app.StartAsync();
        _app = app;
    }

    /// <summary>Stops listening: connections to the port are refused until <see cref="StartAgainAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
    }

    /// <summary>The first POST (already received or still to come) that matches, within a generous deadline.</summary>
    public async Task<ReceivedWebhook> WaitForAsync(Func<ReceivedWebhook, bool> match, int seconds = 60)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            if (_received.FirstOrDefault(match) is { } found)
            {
                return found;
            }

            await Task.Delay(50);
        }

        throw new Xunit.Sdk.XunitException($"no matching webhook within {seconds} s; received: " +
            string.Join(", ", _received.Select(r => $"{Encoding.UTF8.GetString(r.Body)} -> {r.AnsweredStatus}")));
    }

    public Task<ReceivedWebhook> WaitForEventAsync(string eventId, int status = (int)HttpStatusCode.OK) =>
        WaitForAsync(r => r.EventId == eventId && r.AnsweredStatus == status);

    public async ValueTask DisposeAsync() => await StopAsync();
}
