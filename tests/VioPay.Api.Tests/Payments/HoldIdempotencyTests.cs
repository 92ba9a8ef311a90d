using System.Net;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Payments;

/// <summary>Idempotency-Key on increment and capture, exactly as on charges (PROTOCOL §8, §11).</summary>
public sealed class HoldIdempotencyTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    [Fact]
    public async Task AnIncrementRetriedWithItsKeyIsReplayedAndAppliedOnce()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var id = await terminal.PreAuthorizedAsync("1000");
        var (first, firstReplayed) = await terminal.SendEncryptedOkAsync(terminal.IncrementRequest(id, "300", idempotencyKey: "inc-1"));
        var (again, replayed) = await terminal.SendEncryptedOkAsync(terminal.IncrementRequest(id, "300", idempotencyKey: "inc-1"));

        Assert.False(firstReplayed);
        Assert.True(replayed);
        Assert.Equal(first.ToString(), again.ToString());
        Assert.Equal("1300", (await terminal.GetChargeAsync(id)).Value("authorized_amount"));
        await (await terminal.Http.SendAsync(terminal.IncrementRequest(id, "400", idempotencyKey: "inc-1")))
            .AssertErrorAsync(HttpStatusCode.UnprocessableEntity, "4022");
    }

    [Fact]
    public async Task ACaptureRetriedWithItsKeyIsReplayedNotRefusedAsASecondCapture()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var id = await terminal.PreAuthorizedAsync("1000");
        var (first, _) = await terminal.SendEncryptedOkAsync(terminal.CaptureRequest(id, tip: "100", idempotencyKey: "cap-1"));
        var (again, replayed) = await terminal.SendEncryptedOkAsync(terminal.CaptureRequest(id, tip: "100", idempotencyKey: "cap-1"));

        Assert.True(replayed);
        Assert.Equal(first.ToString(), again.ToString());
        Assert.Equal(("approved", "1100"), (again.Text("status"), again.Value("amount")));
        await (await terminal.Http.SendAsync(terminal.CaptureRequest(id, tip: "50", idempotencyKey: "cap-1")))
            .AssertErrorAsync(HttpStatusCode.UnprocessableEntity, "4022");
        // Without the key, or with another, it is a second capture: 409.
        await terminal.AssertRefusedAsync(terminal.CaptureRequest(id, tip: "100", idempotencyKey: "cap-2"), "approved");
    }

    [Fact]
    public async Task ARefusedCaptureLeavesItsKeyUnused()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var id = await terminal.PreAuthorizedAsync("1000");
        await (await terminal.Http.SendAsync(terminal.CaptureRequest(id, amount: "5000", idempotencyKey: "cap-x")))
            .AssertErrorAsync(HttpStatusCode.UnprocessableEntity, "4022");
        var (captured, replayed) = await terminal.SendEncryptedOkAsync(terminal.CaptureRequest(id, amount: "900", idempotencyKey: "cap-x"));
        Assert.False(replayed);
        Assert.Equal("900", captured.Value("amount"));
    }

    [Fact]
    public async Task AKeyUsedForAChargeIsNotReusableForACapture()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var charge = await terminal.ChargeOkAsync(terminal.ChargeJson(authorizationType: "pre"), idempotencyKey: "shared");
        await (await terminal.Http.SendAsync(terminal.CaptureRequest(charge.Text("charge_id"), idempotencyKey: "shared")))
            .AssertErrorAsync(HttpStatusCode.UnprocessableEntity, "4022");
        Assert.Equal("authorized", (await terminal.GetChargeAsync(charge.Text("charge_id"))).Text("status"));
    }
}
