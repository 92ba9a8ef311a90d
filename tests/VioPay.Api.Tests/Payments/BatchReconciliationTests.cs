using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Payments;

/// <summary>Reconciliation of a day close (PROTOCOL §11.7): the terminal's totals and charge ids against the batch.</summary>
public sealed class BatchReconciliationTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    [Fact]
    public async Task MatchingTerminalTotalsAndChargeIdsReconcileAsMatched()
    {
        var (t, _, _) = await app.ActivatedTerminalAsync();
        var day = await t.ADayOfChargesAsync();

        var batch = await t.CloseOkAsync(new
        {
            terminal_totals = new object[]
            {
                new { currency = "EUR", sales_count = 2, sales_amount = "4000", refunds_count = 1, refunds_amount = "700" },
                new { currency = "USD", sales_count = 1, sales_amount = "1000", refunds_count = 0, refunds_amount = "0" },
                new { currency = "JPY", sales_count = 1, sales_amount = "500", refunds_count = 1, refunds_amount = "500" },
            },
            // The cancelled charge may be listed or not.
            charge_ids = day.Sales.Append(day.AmexUsd),
        });

        var reconciliation = batch.GetProperty("reconciliation");
        Assert.Equal("matched", reconciliation.Text("status"));
        Assert.Empty(reconciliation.GetProperty("differences").EnumerateArray());
        Assert.Empty(reconciliation.GetProperty("missing_on_server").EnumerateArray());
        Assert.Empty(reconciliation.GetProperty("missing_on_terminal").EnumerateArray());
    }

    [Fact]
    public async Task DifferingTotalsAndChargeIdsReconcileAsMismatchedWithBothMissingLists()
    {
        var (t, _, _) = await app.ActivatedTerminalAsync();
        var day = await t.ADayOfChargesAsync();
        const string unknown = "ch_000000000000000000000000";

        var batch = await t.CloseOkAsync(new
        {
            terminal_totals = new object[]
            {
                new { currency = "EUR", sales_count = 2, sales_amount = "4100", refunds_count = 1, refunds_amount = "700" },
                new { currency = "JPY", sales_count = 1, sales_amount = "500", refunds_count = 1, refunds_amount = "500" },
                new { currency = "GBP", sales_count = 1, sales_amount = "900", refunds_count = 0, refunds_amount = "0" },
            },
            charge_ids = new[] { day.VisaEur, day.MastercardEur, day.VisaJpy, day.Declined, unknown },
        });

        var reconciliation = batch.GetProperty("reconciliation");
        Assert.Equal("mismatched", reconciliation.Text("status"));
        Assert.Equal(
            [
                "EUR sales_amount \"4100\" \"4000\"", "GBP sales_count 1 0", "GBP sales_amount \"900\" \"0\"",
                "USD sales_count 0 1", "USD sales_amount \"0\" \"1000\"",
            ],
            reconciliation.GetProperty("differences").EnumerateArray().Select(d =>
                $"{d.Text("currency")} {d.Text("field")} {d.GetProperty("terminal").GetRawText()} {d.GetProperty("server").GetRawText()}"));
        // The declined charge is in no batch: the terminal holding it is a difference too.
        Assert.Equal([day.Declined, unknown], reconciliation.GetProperty("missing_on_server").EnumerateArray().Select(x => x.GetString()));
        Assert.Equal([day.VisaUsd], reconciliation.GetProperty("missing_on_terminal").EnumerateArray().Select(x => x.GetString()));
    }

    [Fact]
    public async Task ChargeIdsAloneThatDifferMakeTheBatchMismatchedAndTotalsAloneThatAgreeMatch()
    {
        var (t, _, _) = await app.ActivatedTerminalAsync();
        var charge = await t.ChargeIdAsync();
        var onlyIds = await t.CloseOkAsync(new { charge_ids = Array.Empty<string>() });
        Assert.Equal("mismatched", onlyIds.GetProperty("reconciliation").Text("status"));
        Assert.Equal([charge], onlyIds.GetProperty("reconciliation").GetProperty("missing_on_terminal").EnumerateArray().Select(x => x.GetString()));

        await t.ChargeIdAsync(amount: "200");
        var onlyTotals = await t.CloseOkAsync(new
        {
            terminal_totals = new[] { new { currency = "EUR", sales_count = 1, sales_amount = "200", refunds_count = 0, refunds_amount = "0" } },
        });
        Assert.Equal("matched", onlyTotals.GetProperty("reconciliation").Text("status"));
    }

    [Fact]
    public async Task AMalformedCloseIs400NamingTheFieldsAndClosesNothing()
    {
        var (t, _, _) = await app.ActivatedTerminalAsync();
        await t.ChargeIdAsync();
        var response = await t.Http.SendAsync(t.CloseRequest(new
        {
            terminal_totals = new object[] { new { currency = "XXX", sales_count = -1, sales_amount = "12a", refunds_count = 0 } },
            charge_ids = "ch_1",
        }));
        var error = await response.AssertErrorAsync(HttpStatusCode.BadRequest, "4000");
        var fields = error.GetProperty("details").GetProperty("fields").EnumerateObject().Select(p => p.Name).Order();
        Assert.Equal(["charge_ids", "terminal_totals[0].currency", "terminal_totals[0].refunds_amount", "terminal_totals[0].sales_amount",
            "terminal_totals[0].sales_count"], fields);

        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
        Assert.False(await db.Batches.AnyAsync(b => b.TerminalId == t.TerminalId));
    }
}
