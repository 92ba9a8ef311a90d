using System.CommandLine;

namespace VioPay.Terminal.Cli.Commands;

/// <summary>
/// <c>demo</c>: a fresh simulated terminal through the whole flow, one heartbeat, and a day's business: an approved charge, a declined
/// one, a partial refund, a cancel, a pre-authorization captured with a tip, and the day close.
/// </summary>
internal sealed class DemoCommand(CliContext cli)
{
    public Command Build()
    {
        var command = new Command("demo",
            "Walk a fresh simulated terminal through provisioning, pairing, claim, attestation, key install, config, terminal " +
            "parameters and activation, a heartbeat, then an approved charge, a declined charge, a partial refund, a cancel, a pre-authorization " +
            "captured with a tip, and the day close.");
        cli.AddCredentials(command);
        command.SetAction((result, ct) => cli.Guarded(result, async output =>
        {
            using var http = cli.Http(result);
            var portal = await cli.PortalAsync(result, http, ct);
            var device = await portal.ProvisionDeviceAsync("Demo till", "PAX-A920", ct);
            output.Step(new("Provision (merchant portal)", [("device_id", device.DeviceId), ("identity_key_id", device.IdentityKey.KeyId),
                ("zmk_kcv", device.Zmk.Kcv)]));
            var terminal = new PosTerminal(http, device.ToState());
            await Flows.ActivateAsync(terminal, portal, output.Step, ct);
            var heartbeat = await Flows.HeartbeatAsync(terminal, new HeartbeatReport(BatteryPercent: 100, Network: "ethernet", QueuedTransactions: 0),
                rotate: false, output.Step, ct);

            var year = DateTime.UtcNow.Year + 2;
            async Task<ChargeResult> Charge(string title, ChargeRequest request)
            {
                var charge = await terminal.ChargeAsync(request, Guid.NewGuid().ToString(), ct);
                output.Step(Steps.Charge(title, charge));
                return charge;
            }

            var approved = await Charge("Charge 15.00 EUR, Visa 411111••••••1111, PIN",
                ChargeRequest.Create("4111111111111111", year, 12, "1500", "EUR", "000001", pinBlock: "0412AC89ABCDEF67"));
            var declined = await Charge("Charge 25.00 EUR, test card 400000••••••0002",
                ChargeRequest.Create("4000000000000002", year, 12, "2500", "EUR", "000002"));
            var refund = await terminal.RefundAsync(approved.ChargeId, "500", "EUR", "customer_request", Guid.NewGuid().ToString(), ct);
            output.Step(Steps.Refund("Partial refund 5.00 EUR of the approved charge", refund));
            var toCancel = await Charge("Charge 9.90 EUR, Mastercard 555555••••••4444",
                ChargeRequest.Create("5555555555554444", year, 6, "990", "EUR", "000003"));
            output.Step(Steps.Cancel("Cancel of that charge", await terminal.CancelAsync(toCancel.ChargeId, ct)));
            output.Step(Steps.Charge("Status of the first charge", await terminal.GetChargeAsync(approved.ChargeId, ct)));

            var held = await Charge("Pre-authorization 40.00 EUR (a table's bill), Visa 411111••••••1111",
                ChargeRequest.Create("4111111111111111", year, 12, "4000", "EUR", "000004", authorizationType: "pre"));
            var captured = await terminal.CaptureAsync(held.ChargeId, new Money("3650", "EUR"), new Money("500", "EUR"),
                Guid.NewGuid().ToString(), ct);
            output.Step(Steps.Charge("Capture 36.50 EUR with a 5.00 EUR tip (the rest is released)", captured));

            var batch = await terminal.CloseBatchAsync(sendTotals: true, Guid.NewGuid().ToString(), ct);
            foreach (var step in CloseBatchCommand.Report(batch))
            {
                output.Step(step);
            }

            output.Line($"Demo complete: approved, declined, refunded, cancelled, pre-authorized and captured with a tip, day closed ({batch.Reconciliation.Status}).");
            output.Finish(new
            {
                terminal.State.DeviceId, terminal.State.TerminalId, heartbeat.ConfigVersion, Approved = approved.ChargeId, Declined = declined.ChargeId,
                Refund = refund.RefundId, Cancelled = toCancel.ChargeId, Captured = captured.ChargeId, Batch = batch.BatchId,
            });
        }));
        return command;
    }
}
