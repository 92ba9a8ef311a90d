namespace VioPay.Api.Tests.Infrastructure;

/// <summary>The system clock plus an offset a test can move forward, to reach expiry without waiting.</summary>
public sealed class AdjustableTime : TimeProvider
{
    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}
