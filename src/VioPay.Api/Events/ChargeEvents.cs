using VioPay.Api.Backoffice;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Payments;

namespace VioPay.Api.Events;

/// <summary>
/// The events a charge's moves raise (the <c>Event</c> column of <see cref="ChargeLifecycle.Table"/>), each carrying the
/// charge as <c>GET /merchant/charges/{id}</c> shows it: first six and last four digits, never the PAN.
/// </summary>
public static class ChargeEvents
{
    /// <summary>Adds the move's event, if it raises one, to the unit of work that writes the moved charge.</summary>
    public static async Task RaiseAsync(VioPayDbContext db, TimeProvider time, Charge charge, ChargeTransition transition,
        CancellationToken cancellationToken)
    {
        if (transition.Event is null)
        {
            return;
        }

        var refunds = await ChargeQueries.RefundsAsync(db, charge.Id, cancellationToken);
        EventOutbox.Raise(db, time, charge.MerchantId, transition.Event, ChargeQueries.Detail(charge, refunds));
    }

    /// <summary>
    /// The event of a charge's first outcome (a new charge has no refunds), for <see cref="ChargeStore"/> to insert in the
    /// outcome's own statement; null when the move raises none.
    /// </summary>
    public static OutboxEvent? Outcome(Charge charge, ChargeTransition transition) => transition.Event is null
        ? null
        : EventOutbox.New(charge.UpdatedAt, charge.MerchantId, transition.Event, ChargeQueries.Detail(charge, []));
}
