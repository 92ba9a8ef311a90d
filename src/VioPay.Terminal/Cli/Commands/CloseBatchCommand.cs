using System.CommandLine;

namespace VioPay.Terminal.Cli.Commands;

/// <summary>
/// <c>close-batch</c>: end of day. Sends the terminal's own totals and the charge ids it holds (from the state file's
/// journal) so the server reconciles them, and prints the end-of-day report.
/// </summary>
internal sealed class CloseBatchCommand(CliContext cli)
{
    public Command Build()
    {
        var withoutTotals = new Option<bool>("--no-reconcile") { Description = "Send neither totals nor charge ids (reconciliation not_provided)." };
        var key = new Option<string?>("--idempotency-key") { Description = "Idempotency-Key; a new UUID when absent." };
        var command = cli.StateCommand("close-batch",
            "Close the day (POST /pos/batch/close): send this terminal's totals and charge ids, print the report and the reconciliation.");
        command.Options.Add(withoutTotals);
        command.Options.Add(key);
        command.SetAction((result, ct) => cli.Guarded(result, async output =>
        {
            using var http = cli.Http(result);
            var terminal = cli.Terminal(result, http);
            var batch = await terminal.CloseBatchAsync(!result.GetValue(withoutTotals), result.GetValue(key) ?? Guid.NewGuid().ToString(), ct);
            cli.Save(result, terminal);
            foreach (var step in Report(batch))
            {
                output.Step(step);
            }

            output.Finish(batch);
        }));
        return command;
    }

    /// <summary>The end-of-day report: the batch, one step per currency, the brands, and the reconciliation.</summary>
    public static IEnumerable<FlowStep> Report(BatchResult batch)
    {
        yield return new FlowStep("Day close", [("batch_id", batch.BatchId), ("status", batch.Status), ("opened_at", batch.OpenedAt.ToString("u")),
            ("closed_at", batch.ClosedAt.ToString("u")), ("open_authorizations", $"{batch.OpenAuthorizations}")]);
        foreach (var total in batch.Totals)
        {
            yield return new FlowStep($"Totals {total.Currency}", [
                ("sales", $"{total.SalesCount} for {total.SalesAmount} (tips {total.TipsAmount})"),
                ("refunds", $"{total.RefundsCount} for {total.RefundsAmount}"),
                ("cancelled", $"{total.CancelledCount}"),
                ("net_amount", total.NetAmount),
            ]);
        }

        if (batch.ByBrand.Count > 0)
        {
            yield return new FlowStep("Sales by brand", batch.ByBrand.Select(b => (b.Brand, $"{b.Count} for {b.Amount} {b.Currency}")).ToList());
        }

        var reconciliation = batch.Reconciliation;
        var facts = new List<(string, string)> { ("status", reconciliation.Status) };
        facts.AddRange(reconciliation.Differences.Select(d => ($"{d.Currency} {d.Field}", $"terminal {d.Terminal}, server {d.Server}")));
        if (reconciliation.MissingOnServer.Count > 0)
        {
            facts.Add(("missing_on_server", string.Join(", ", reconciliation.MissingOnServer)));
        }

        if (reconciliation.MissingOnTerminal.Count > 0)
        {
            facts.Add(("missing_on_terminal", string.Join(", ", reconciliation.MissingOnTerminal)));
        }

        yield return new FlowStep("Reconciliation", facts);
    }
}
