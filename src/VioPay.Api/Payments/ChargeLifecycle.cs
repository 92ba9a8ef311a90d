using VioPay.Api.Events;
using VioPay.Api.Infrastructure.Errors;

namespace VioPay.Api.Payments;

/// <summary>What a request or the sweep does to a charge (PROTOCOL §11.1).</summary>
public enum ChargeOperation
{
    /// <summary>The acquirer approved a final charge.</summary>
    Approve,

    /// <summary>The acquirer (or the server itself: an expired card) declined the charge.</summary>
    Decline,

    /// <summary>The acquirer did not answer the authorization: declined, and whatever it may hold is reversed.</summary>
    DeclineUnanswered,

    /// <summary>The acquirer granted a pre-authorization.</summary>
    Hold,

    /// <summary>The hold is raised (an approved increment) or left as it was (a declined one).</summary>
    Increment,

    Capture,

    /// <summary>Cancel or reverse by the terminal: voids a hold, reverses an approval.</summary>
    Cancel,

    /// <summary>The sweep's: a hold past its <c>expires_at</c>.</summary>
    Expire,

    /// <summary>The sweep's: a charge left pending by a crash is declined <c>processing_error</c> and reversed.</summary>
    SweepPending,
}

/// <summary>
/// One allowed move: from which status, to which, what is then owed to the acquirer, and the event it raises for the
/// merchant's webhooks (PROTOCOL §13.3), if any.
/// </summary>
public sealed record ChargeTransition(ChargeOperation Operation, string From, string To, string Owed, string? Event = null);

/// <summary>
/// The charge status machine (PROTOCOL §11.1), as a table: every handler and the sweep asks it whether an operation may
/// move a charge, and what the move leaves owed to the acquirer (<see cref="AcquirerDebt"/>), which the caller writes to
/// the outbox in the same transaction. Anything not in the table is refused 409 <c>4009</c> with
/// <c>details.charge_status</c>. Rules beyond the status (no refund before a cancel, no hold operation in flight, a
/// lapsed hold) are checked here too, so no handler repeats them.
/// </summary>
public static class ChargeLifecycle
{
    public static readonly IReadOnlyList<ChargeTransition> Table =
    [
        new(ChargeOperation.Approve, ChargeStatus.Pending, ChargeStatus.Approved, AcquirerDebt.Nothing, EventTypes.ChargeApproved),
        new(ChargeOperation.Decline, ChargeStatus.Pending, ChargeStatus.Declined, AcquirerDebt.Nothing, EventTypes.ChargeDeclined),
        new(ChargeOperation.DeclineUnanswered, ChargeStatus.Pending, ChargeStatus.Declined, AcquirerDebt.Reversal, EventTypes.ChargeDeclined),
        new(ChargeOperation.SweepPending, ChargeStatus.Pending, ChargeStatus.Declined, AcquirerDebt.Reversal, EventTypes.ChargeDeclined),
        new(ChargeOperation.Hold, ChargeStatus.Pending, ChargeStatus.Authorized, AcquirerDebt.Nothing, EventTypes.ChargeAuthorized),
        new(ChargeOperation.Increment, ChargeStatus.Authorized, ChargeStatus.Authorized, AcquirerDebt.Nothing),
        // The capture call itself tells the acquirer the final amount; it releases the uncaptured rest (§11.4).
        new(ChargeOperation.Capture, ChargeStatus.Authorized, ChargeStatus.Approved, AcquirerDebt.Nothing, EventTypes.ChargeCaptured),
        new(ChargeOperation.Cancel, ChargeStatus.Authorized, ChargeStatus.Cancelled, AcquirerDebt.Void, EventTypes.ChargeCancelled),
        new(ChargeOperation.Cancel, ChargeStatus.Approved, ChargeStatus.Cancelled, AcquirerDebt.Reversal, EventTypes.ChargeCancelled),
        // A repeated cancel answers the cancelled charge again and owes nothing more (§8).
        new(ChargeOperation.Cancel, ChargeStatus.Cancelled, ChargeStatus.Cancelled, AcquirerDebt.Nothing),
        new(ChargeOperation.Expire, ChargeStatus.Authorized, ChargeStatus.Expired, AcquirerDebt.Release, EventTypes.ChargeExpired),
    ];

    private static readonly Dictionary<(ChargeOperation, string), ChargeTransition> ByStart =
        Table.ToDictionary(t => (t.Operation, t.From));

    /// <summary>The transition <paramref name="operation"/> makes from the charge's status, or null when there is none.</summary>
    public static ChargeTransition? Find(ChargeOperation operation, string status) =>
        ByStart.GetValueOrDefault((operation, status));

    /// <summary>
    /// The status a request sees: a hold past its <c>expires_at</c> is expired even before the sweep has voided it, so
    /// capture, increment and void of it are refused at once (§11.5).
    /// </summary>
    public static string EffectiveStatus(Charge charge, DateTimeOffset now) =>
        charge.Status == ChargeStatus.Authorized && charge.ExpiresAt is { } expires && expires <= now ? ChargeStatus.Expired : charge.Status;

    /// <summary>
    /// The transition a terminal's request asks for, or 409 <c>4009</c> naming the charge's status when the table has
    /// none or a rule beyond the status forbids it.
    /// </summary>
    public static ChargeTransition Require(ChargeOperation operation, Charge charge, DateTimeOffset now)
    {
        var status = EffectiveStatus(charge, now);
        var transition = Find(operation, status) ?? throw Refused(operation, charge, status);
        if (transition.From == ChargeStatus.Authorized && charge.PendingOperation is not null)
        {
            throw ApiException.Conflict($"A {charge.PendingOperation} of this charge is in progress; retry later",
                new Dictionary<string, object?> { ["charge_status"] = status, ["operation_in_progress"] = charge.PendingOperation });
        }

        if (operation == ChargeOperation.Cancel && transition.From == ChargeStatus.Approved && charge.RefundedMinor > 0)
        {
            throw Refused(operation, charge, status);
        }

        return transition;
    }

    /// <summary>Moves the charge along <paramref name="transition"/>, stamping what the move stamps.</summary>
    public static void Apply(Charge charge, ChargeTransition transition, DateTimeOffset now)
    {
        charge.Status = transition.To;
        charge.UpdatedAt = now;
        if (transition.Operation == ChargeOperation.Cancel && charge.CancelledAt is null)
        {
            charge.CancelledAt = now;
        }
    }

    /// <summary>The owed debt as an outbox row, or null when the move owes nothing.</summary>
    public static AcquirerReversal? Debt(Charge charge, ChargeTransition transition, string reason, DateTimeOffset now) =>
        transition.Owed == AcquirerDebt.Nothing ? null : ReversalOutbox.New(charge.Id, reason, now, transition.Owed);

    private static ApiException Refused(ChargeOperation operation, Charge charge, string status)
    {
        var details = new Dictionary<string, object?> { ["charge_status"] = status };
        var message = operation switch
        {
            ChargeOperation.Cancel => "Only an approved charge without refunds, or an authorized one, can be cancelled",
            ChargeOperation.Capture => "Only an authorized charge can be captured",
            ChargeOperation.Increment => "Only an authorized charge can be incremented",
            _ => $"A {status} charge cannot be moved by {operation}",
        };
        if (operation == ChargeOperation.Cancel)
        {
            details["refunded_amount"] = MoneyView.Of(charge.RefundedMinor, charge.Currency);
        }

        return ApiException.Conflict(message, details);
    }
}
