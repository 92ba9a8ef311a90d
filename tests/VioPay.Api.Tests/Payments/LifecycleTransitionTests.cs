using Microsoft.AspNetCore.Http;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Payments;

namespace VioPay.Api.Tests.Payments;

/// <summary>The status machine's table itself (PROTOCOL §11.1): what it allows, what it refuses, what each move owes.</summary>
public sealed class LifecycleTransitionTests
{
    private static readonly string[] Statuses =
    [
        ChargeStatus.Pending, ChargeStatus.Approved, ChargeStatus.Declined, ChargeStatus.Authorized, ChargeStatus.Cancelled,
        ChargeStatus.Expired,
    ];

    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void TheTableAllowsExactlyTheTransitionsOfTheProtocol()
    {
        var allowed = ChargeLifecycle.Table.Select(t => $"{t.Operation}:{t.From}->{t.To}/{t.Owed}").Order().ToArray();
        Assert.Equal(new[]
        {
            "Approve:pending->approved/nothing",
            "Cancel:approved->cancelled/reversal",
            "Cancel:authorized->cancelled/void",
            "Cancel:cancelled->cancelled/nothing",
            "Capture:authorized->approved/nothing",
            "Decline:pending->declined/nothing",
            "DeclineUnanswered:pending->declined/reversal",
            "Expire:authorized->expired/release",
            "Hold:pending->authorized/nothing",
            "Increment:authorized->authorized/nothing",
            "SweepPending:pending->declined/reversal",
        }.Order(), allowed);
        // Declined and expired are final: nothing leaves them.
        Assert.DoesNotContain(ChargeLifecycle.Table, t => t.From is ChargeStatus.Declined or ChargeStatus.Expired);
    }

    [Theory]
    [InlineData(ChargeOperation.Capture)]
    [InlineData(ChargeOperation.Increment)]
    [InlineData(ChargeOperation.Cancel)]
    public void EveryStatusOutsideTheTableIsRefused409NamingIt(ChargeOperation operation)
    {
        foreach (var status in Statuses.Where(s => ChargeLifecycle.Find(operation, s) is null))
        {
            var error = Assert.Throws<ApiException>(() => ChargeLifecycle.Require(operation, Charge(status), Now));
            Assert.Equal((StatusCodes.Status409Conflict, status), (error.StatusCode, Details(error)["charge_status"]));
        }
    }

    [Fact]
    public void AHoldPastItsExpiryIsExpiredToRequestsBeforeTheSweepGetsThere()
    {
        var charge = Charge(ChargeStatus.Authorized);
        charge.ExpiresAt = Now;
        Assert.Equal(ChargeStatus.Expired, ChargeLifecycle.EffectiveStatus(charge, Now));
        var error = Assert.Throws<ApiException>(() => ChargeLifecycle.Require(ChargeOperation.Capture, charge, Now));
        Assert.Equal(ChargeStatus.Expired, Details(error)["charge_status"]);
        Assert.Equal(ChargeStatus.Authorized, ChargeLifecycle.EffectiveStatus(charge, Now.AddSeconds(-1)));
    }

    [Fact]
    public void NothingStartsOnAHoldWhileACaptureOrIncrementIsInFlightAndARefundedChargeIsNotCancelled()
    {
        var held = Charge(ChargeStatus.Authorized);
        held.PendingOperation = HoldOperation.Capture;
        foreach (var operation in new[] { ChargeOperation.Capture, ChargeOperation.Increment, ChargeOperation.Cancel })
        {
            Assert.Equal(StatusCodes.Status409Conflict, Assert.Throws<ApiException>(() => ChargeLifecycle.Require(operation, held, Now)).StatusCode);
        }

        var refunded = Charge(ChargeStatus.Approved);
        refunded.RefundedMinor = 1;
        Assert.Throws<ApiException>(() => ChargeLifecycle.Require(ChargeOperation.Cancel, refunded, Now));
    }

    private static IDictionary<string, object?> Details(ApiException error) => Assert.IsAssignableFrom<IDictionary<string, object?>>(error.Details);

    private static Charge Charge(string status) => new()
    {
        Id = "ch_x", TerminalId = "TID-000001", DeviceId = "POS-00000000", Currency = "EUR", CardBrand = "visa",
        CardFirst6 = "411111", CardLast4 = "1111", CardFingerprint = [], Stan = "000001", KeySetId = "ks", Status = status,
        AmountMinor = 1000, ExpiresAt = Now.AddHours(1),
    };
}
