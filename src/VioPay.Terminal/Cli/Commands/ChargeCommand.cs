using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace VioPay.Terminal.Cli.Commands;

/// <summary><c>charge</c>: a card payment, final or a pre-authorization (--pre), with an optional tip.</summary>
internal sealed class ChargeCommand(CliContext cli)
{
    public Command Build()
    {
        var amount = new Option<string>("--amount") { Description = "Minor units, e.g. 1500 = 15.00 (the total, tip included).", Required = true };
        var currency = new Option<string>("--currency") { Description = "ISO 4217 code.", DefaultValueFactory = _ => "EUR" };
        var card = new Option<string>("--card") { Description = "Card number (see the simulator's test cards).", DefaultValueFactory = _ => "4111111111111111" };
        var expiry = new Option<string>("--expiry") { Description = "MM/YYYY.", DefaultValueFactory = _ => "12/2030" };
        var pin = new Option<string?>("--pin-block") { Description = "ISO 9564 PIN block (hex); makes the CVM pin." };
        var pre = new Option<bool>("--pre") { Description = "A pre-authorization (authorization_type pre): holds the amount until captured." };
        var tip = new Option<string?>("--tip") { Description = "Tip in minor units, part of --amount (final charges only)." };
        var key = new Option<string?>("--idempotency-key") { Description = "Idempotency-Key; a new UUID when absent." };
        var command = cli.StateCommand("charge",
            "Take a card payment (POST /pos/charge), or hold an amount with --pre; retried safely under its Idempotency-Key.");
        foreach (var option in new Option[] { amount, currency, card, expiry, pin, pre, tip, key })
        {
            command.Options.Add(option);
        }

        command.SetAction((result, ct) => cli.Guarded(result, async output =>
        {
            using var http = cli.Http(result);
            var terminal = cli.Terminal(result, http);
            var (month, year) = CliContext.ParseExpiry(result.GetValue(expiry)!);
            var pan = result.GetValue(card)!;
            var idempotencyKey = result.GetValue(key) ?? Guid.NewGuid().ToString();
            var request = ChargeRequest.Create(pan, year, month, result.GetValue(amount)!, result.GetValue(currency)!, StanFor(idempotencyKey),
                result.GetValue(pin), authorizationType: result.GetValue(pre) ? "pre" : "final", tipMinor: result.GetValue(tip));
            var charge = await terminal.ChargeAsync(request, idempotencyKey, ct);
            cli.Save(result, terminal);
            output.Step(Steps.Charge($"{(result.GetValue(pre) ? "Pre-authorization" : "Charge")} {Flows.Masked(pan)}", charge, idempotencyKey));
            output.Finish(charge);
        }));
        return command;
    }

    /// <summary>
    /// The STAN follows from the key: running the same command again is a retry of the same request, which the server
    /// recognises by its plaintext and answers with the first result (a fresh STAN would make it a new one).
    /// </summary>
    private static string StanFor(string idempotencyKey) =>
        (BitConverter.ToUInt32(SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey))) % 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
}
