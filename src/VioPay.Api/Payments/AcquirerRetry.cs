namespace VioPay.Api.Payments;

/// <summary>
/// How every acquirer call that is owed (a reversal, a void or release, a refund, a capture or increment) is retried
/// when it gets no answer: which failures mean "send it again", the doubling back-off, and what is kept of the error.
/// </summary>
public static class AcquirerRetry
{
    /// <summary>
    /// Whatever the acquirer's client threw, the call may or may not have happened, so it is sent again under its id;
    /// only the caller's own cancellation is not a failure of the acquirer.
    /// </summary>
    public static bool IsNoAnswer(Exception e, CancellationToken cancellationToken) =>
        e is not OperationCanceledException || !cancellationToken.IsCancellationRequested;

    /// <summary>Seconds until attempt <paramref name="attempts"/> + 1: the base doubled per attempt, capped.</summary>
    public static double DelaySeconds(PaymentOptions options, int attempts) =>
        Math.Min(options.ReversalRetryMaxSeconds, options.ReversalRetryBaseSeconds * Math.Pow(2, Math.Min(attempts - 1, 16)));

    /// <summary>The error as kept on the row: its type and the start of its message (the column holds 400 characters).</summary>
    public static string Describe(Exception e) => e.GetType().Name + ": " + e.Message[..Math.Min(e.Message.Length, 300)];
}
