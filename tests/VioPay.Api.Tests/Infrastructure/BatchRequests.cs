using System.Text.Json;

namespace VioPay.Api.Tests.Infrastructure;

/// <summary>Day close on the test terminal (PROTOCOL §11.7).</summary>
public static class BatchRequests
{
    public const string Mastercard = "5555555555554444";
    public const string Amex = "378282246310005";

    /// <summary>A day on one terminal; BatchTotalsMatchAHandComputedDayOfSeveralCurrenciesBrandsRefundsAndACancel computes its totals by hand.</summary>
    public static async Task<BatchDay> ADayOfChargesAsync(this TestTerminal t)
    {
        var visaEur = await t.ChargeIdAsync(amount: "1500");
        var mastercardEur = await t.ChargeIdAsync(Mastercard, "2500");
        await t.RefundOkAsync(mastercardEur, "700");
        var visaUsd = await t.ChargeIdAsync(amount: "1000", currency: "USD");
        var amexUsd = await t.ChargeIdAsync(Amex, "3000", "USD");
        await t.CancelOkAsync(amexUsd);
        var declined = (await t.ChargeOkAsync(t.ChargeJson(VioPay.Api.Payments.AcquirerSimulator.DeclinedCard, "2000"))).Text("charge_id");
        var visaJpy = await t.ChargeIdAsync(amount: "500", currency: "JPY");
        await t.RefundOkAsync(visaJpy, "500", "JPY");
        return new BatchDay(visaEur, mastercardEur, visaUsd, amexUsd, declined, visaJpy);
    }

    public static HttpRequestMessage CloseRequest(this TestTerminal t, object? body = null, string? idempotencyKey = null) =>
        t.Signed(HttpMethod.Post, "/pos/batch/close", body is null ? null : t.EncryptedBody(JsonSerializer.Serialize(body)), idempotencyKey);

    public static async Task<JsonElement> CloseOkAsync(this TestTerminal t, object? body = null, string? idempotencyKey = null) =>
        (await t.SendEncryptedOkAsync(t.CloseRequest(body, idempotencyKey))).Body;

    public static async Task<string> ChargeIdAsync(this TestTerminal t, string pan = PaymentsTerminal.VisaApproved, string amount = "1500",
        string currency = "EUR") =>
        (await t.ChargeOkAsync(t.ChargeJson(pan, amount, currency))).Text("charge_id");

    public static async Task RefundOkAsync(this TestTerminal t, string chargeId, string amount, string currency = "EUR") =>
        Assert.Equal("approved", (await t.SendEncryptedOkAsync(t.RefundRequest(chargeId, amount, currency))).Body.Text("status"));

    public static async Task CancelOkAsync(this TestTerminal t, string chargeId) =>
        Assert.Equal("cancelled", (await t.SendEncryptedOkAsync(t.Signed(HttpMethod.Post, $"/pos/charge/{chargeId}/cancel", null))).Body.Text("status"));

    /// <summary>The totals entry of one currency, as (sales_count, sales_amount, tips_amount, refunds_count, refunds_amount, cancelled_count, net_amount).</summary>
    public static (int, string, string, int, string, int, string) Total(this JsonElement batch, string currency)
    {
        var t = batch.GetProperty("totals").EnumerateArray().Single(x => x.Text("currency") == currency);
        return (t.GetProperty("sales_count").GetInt32(), t.Text("sales_amount"), t.Text("tips_amount"), t.GetProperty("refunds_count").GetInt32(),
            t.Text("refunds_amount"), t.GetProperty("cancelled_count").GetInt32(), t.Text("net_amount"));
    }

    /// <summary>An RFC 4180 reader: quoted fields with doubled quotes, CRLF records.</summary>
    public static List<string[]> ParseCsv(string text)
    {
        var rows = new List<string[]>();
        var row = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var ch = text[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (ch == '"') { quoted = false; }
                else { field.Append(ch); }
            }
            else if (ch == '"') { quoted = true; }
            else if (ch == ',') { row.Add(field.ToString()); field.Clear(); }
            else if (ch == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                row.Add(field.ToString()); field.Clear(); rows.Add([.. row]); row.Clear(); i++;
            }
            else { field.Append(ch); }
        }

        Assert.True(field.Length == 0 && row.Count == 0, "the CSV ends with CRLF");
        return rows;
    }
}

/// <summary>The charges of <see cref="BatchRequests.ADayOfChargesAsync"/>: four sales, a cancel and a decline.</summary>
public sealed record BatchDay(string VisaEur, string MastercardEur, string VisaUsd, string AmexUsd, string Declined, string VisaJpy)
{
    public string[] Sales => [VisaEur, MastercardEur, VisaUsd, VisaJpy];
}
