using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace VioPay.Api.Tests.Infrastructure;

/// <summary>
/// Reads one app's own instruments. Meters are listened to by name across the whole process, and every app of a test
/// run creates a "VioPay.Api" meter, so an in-process test asks for the meters its app's <see cref="IMeterFactory"/>
/// created, never for a name alone.
/// </summary>
public static class HostMeters
{
    /// <summary>The sum of what <paramref name="instrument"/> of this app observes now, over the measurements carrying <paramref name="tag"/>.</summary>
    public static long? Observe(IServiceProvider services, string instrument, (string Key, string Value)? tag = null)
    {
        var factory = services.GetRequiredService<IMeterFactory>();
        long? sum = null;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) =>
        {
            if (ReferenceEquals(i.Meter.Scope, factory) && i.Name == instrument)
            {
                l.EnableMeasurementEvents(i);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            if (tag is not { } wanted || tags.ToArray().Any(t => t.Key == wanted.Key && Equals(t.Value, wanted.Value)))
            {
                sum = (sum ?? 0) + value;
            }
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return sum;
    }
}
