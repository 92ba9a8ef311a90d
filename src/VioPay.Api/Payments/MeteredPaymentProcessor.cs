using System.Diagnostics;
using VioPay.Api.Infrastructure.Telemetry;

namespace VioPay.Api.Payments;

/// <summary>
/// Times every acquirer call for <c>viopay.acquirer.duration</c> (by operation and outcome) around whichever
/// <see cref="IPaymentProcessor"/> is configured, so a real acquirer is measured the same way as the simulator.
/// </summary>
public sealed class MeteredPaymentProcessor(IPaymentProcessor inner, string acquirer, VioPayMetrics metrics) : IPaymentProcessor
{
    public Task<AuthorizationResult> AuthorizeAsync(AuthorizationRequest request, CancellationToken cancellationToken) =>
        TimeAsync("authorize", Stopwatch.GetTimestamp(), inner.AuthorizeAsync(request, cancellationToken));

    public Task<AuthorizationResult> IncrementAsync(IncrementRequest request, CancellationToken cancellationToken) =>
        TimeAsync("increment", Stopwatch.GetTimestamp(), inner.IncrementAsync(request, cancellationToken));

    public Task CaptureAsync(CaptureRequest request, CancellationToken cancellationToken) =>
        TimeAsync("capture", Stopwatch.GetTimestamp(), inner.CaptureAsync(request, cancellationToken));

    public Task ReverseAsync(string chargeId, string reason, CancellationToken cancellationToken) =>
        TimeAsync("reverse", Stopwatch.GetTimestamp(), inner.ReverseAsync(chargeId, reason, cancellationToken));

    public Task ReleaseAsync(string chargeId, string reason, CancellationToken cancellationToken) =>
        TimeAsync("release", Stopwatch.GetTimestamp(), inner.ReleaseAsync(chargeId, reason, cancellationToken));

    public async Task<RefundResult> RefundAsync(string chargeId, string refundId, long amountMinor, string currency,
        CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await inner.RefundAsync(chargeId, refundId, amountMinor, currency, cancellationToken);
            metrics.AcquirerCall(acquirer, "refund", result.Approved ? "approved" : "declined", Stopwatch.GetElapsedTime(started));
            return result;
        }
        catch (Exception e)
        {
            metrics.AcquirerCall(acquirer, "refund", Outcome(e), Stopwatch.GetElapsedTime(started));
            throw;
        }
    }

    // The start is taken by the caller, before the call's task is created (arguments are evaluated left to right).
    private async Task<AuthorizationResult> TimeAsync(string operation, long started, Task<AuthorizationResult> call)
    {
        try
        {
            var result = await call;
            metrics.AcquirerCall(acquirer, operation, result.Approved ? "approved" : "declined", Stopwatch.GetElapsedTime(started));
            return result;
        }
        catch (Exception e)
        {
            metrics.AcquirerCall(acquirer, operation, Outcome(e), Stopwatch.GetElapsedTime(started));
            throw;
        }
    }

    private async Task TimeAsync(string operation, long started, Task call)
    {
        try
        {
            await call;
            metrics.AcquirerCall(acquirer, operation, "acknowledged", Stopwatch.GetElapsedTime(started));
        }
        catch (Exception e)
        {
            metrics.AcquirerCall(acquirer, operation, Outcome(e), Stopwatch.GetElapsedTime(started));
            throw;
        }
    }

    /// <summary>No answer (timeout, unreachable, cancelled) is what the sweep and the alerts care about; the rest is an error.</summary>
    private static string Outcome(Exception e) => e switch
    {
        AcquirerTimeoutException or TaskCanceledException or OperationCanceledException => "timeout",
        AcquirerUnavailableException or HttpRequestException => "unavailable",
        _ => "error",
    };
}
