using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace VioPay.Api.Tests.Infrastructure;

/// <summary>
/// Every log event the app writes, rendered by the same formatter production uses (Serilog picks registered
/// <see cref="ILogEventSink"/>s up through ReadFrom.Services), so a test can search the logs as an operator would see them.
/// </summary>
public sealed class CapturedLogs : ILogEventSink
{
    private readonly RenderedCompactJsonFormatter _formatter = new();
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public void Emit(LogEvent logEvent)
    {
        using var writer = new StringWriter();
        _formatter.Format(logEvent, writer);
        _lines.Enqueue(writer.ToString());
    }

    public static CapturedLogs AttachTo(VioPayApp app)
    {
        var logs = new CapturedLogs();
        app.WithServices(services => services.AddSingleton<ILogEventSink>(logs));
        return logs;
    }
}
