using System.CommandLine;
using System.Globalization;
using VioPay.Terminal.Portal;

namespace VioPay.Terminal.Cli;

/// <summary>
/// <c>viopay-terminal provision|activate|charge|refund|cancel|status|demo|load</c>: the reference terminal on the
/// command line. Every command takes --api (default $VIOPAY_API_URL or http://127.0.0.1:8080) and --json; the
/// merchant's part (provisioning, claim) uses API client credentials from --client-id/--client-secret or
/// $VIOPAY_CLIENT_ID/$VIOPAY_CLIENT_SECRET.
/// </summary>
public sealed class TerminalCli(Func<Uri, HttpClient>? httpFactory = null)
{
    private readonly Func<Uri, HttpClient> _http = httpFactory ?? (uri => new HttpClient { BaseAddress = uri, Timeout = TimeSpan.FromSeconds(30) });

    private readonly Option<string> _api = new("--api")
    {
        Description = "Base URL of the VioPay API.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("VIOPAY_API_URL") ?? "http://127.0.0.1:8080",
        Recursive = true,
    };

    private readonly Option<bool> _json = new("--json") { Description = "Print one JSON document instead of readable lines.", Recursive = true };

    private readonly Option<string> _state = new("--state")
    {
        Description = "The terminal's state file (device secrets, key sets, terminal id), written with mode 0600.",
        DefaultValueFactory = _ => "terminal.json",
    };

    private readonly Option<string?> _clientId = new("--client-id")
    {
        Description = "Merchant API client id (default $VIOPAY_CLIENT_ID), for provisioning and the claim.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("VIOPAY_CLIENT_ID"),
    };

    private readonly Option<string?> _clientSecret = new("--client-secret")
    {
        Description = "Merchant API client secret (default $VIOPAY_CLIENT_SECRET).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("VIOPAY_CLIENT_SECRET"),
    };

    private TextWriter _output = Console.Out;
    private TextWriter _error = Console.Error;

    public async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken ct = default)
    {
        _output = output;
        _error = error;
        var root = new RootCommand("VioPay reference POS terminal: every step of the POS protocol, byte for byte.");
        root.Options.Add(_api);
        root.Options.Add(_json);
        root.Subcommands.Add(Provision());
        root.Subcommands.Add(Activate());
        root.Subcommands.Add(Charge());
        root.Subcommands.Add(Refund());
        root.Subcommands.Add(Cancel());
        root.Subcommands.Add(Status());
        root.Subcommands.Add(Demo());
        root.Subcommands.Add(new LoadCommand(this).Build());
        return await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, ct);
    }

    internal HttpClient Http(ParseResult result) => _http(new Uri(result.GetValue(_api)!));

    internal CliOutput Output(ParseResult result) => new(_output, result.GetValue(_json));

    internal TextWriter Error => _error;

    internal void AddCredentials(Command command)
    {
        command.Options.Add(_clientId);
        command.Options.Add(_clientSecret);
    }

    internal async Task<MerchantPortal> PortalAsync(ParseResult result, HttpClient http, CancellationToken ct)
    {
        var id = result.GetValue(_clientId);
        var secret = result.GetValue(_clientSecret);
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(secret))
        {
            throw new CliException("Merchant API client credentials are needed: --client-id and --client-secret " +
                "(or VIOPAY_CLIENT_ID / VIOPAY_CLIENT_SECRET). Create them with the API's admin CLI: create-api-client --merchant <id>.");
        }

        var portal = new MerchantPortal(http);
        await portal.SignInAsync(id, secret, ct);
        return portal;
    }

    private Command Provision()
    {
        var label = new Option<string?>("--label") { Description = "A label for the device, e.g. \"Till 1\"." };
        var model = new Option<string?>("--model") { Description = "The hardware model, e.g. PAX-A920.", DefaultValueFactory = _ => "PAX-A920" };
        var command = new Command("provision", "Pre-provision a new device for the merchant and write its secrets to the state file.");
        command.Options.Add(_state);
        command.Options.Add(label);
        command.Options.Add(model);
        AddCredentials(command);
        command.SetAction((result, ct) => Guarded(result, async output =>
        {
            using var http = Http(result);
            var portal = await PortalAsync(result, http, ct);
            var device = await portal.ProvisionDeviceAsync(result.GetValue(label), result.GetValue(model), ct);
            var path = result.GetValue(_state)!;
            device.ToState().Save(path);
            output.Step(new("Provision (merchant portal)", [("device_id", device.DeviceId), ("identity_key_id", device.IdentityKey.KeyId),
                ("zmk_kcv", device.Zmk.Kcv), ("state", path)]));
            output.Finish(new { device.DeviceId, IdentityKeyId = device.IdentityKey.KeyId, ZmkKcv = device.Zmk.Kcv, State = path });
        }));
        return command;
    }

    private Command Activate()
    {
        var command = new Command("activate",
            "Run the activation flow on a provisioned device: bootstrap, pairing code, claim (as the merchant), attest, keys, config, " +
            "terminal parameters, activate. Also rotates the keys of an activated device.");
        command.Options.Add(_state);
        AddCredentials(command);
        command.SetAction((result, ct) => Guarded(result, async output =>
        {
            using var http = Http(result);
            var path = result.GetValue(_state)!;
            var terminal = new PosTerminal(http, LoadState(path));
            if (terminal.State.Active is not null)
            {
                // Already activated: attest → keys → config → activate rotates its key set (PROTOCOL §6).
                await terminal.AttestAsync(ct);
                var keys = await terminal.InstallKeysAsync(ct);
                (await terminal.DownloadConfigAsync(ct)).Dispose();
                await terminal.ActivateAsync(ct: ct);
                output.Step(new("Keys rotated", [("key_set_id", keys.KeySetId)]));
            }
            else
            {
                var portal = await PortalAsync(result, http, ct);
                await Flows.ActivateAsync(terminal, portal, output.Step, ct);
            }

            terminal.State.Save(path);
            output.Finish(new { terminal.State.DeviceId, terminal.State.TerminalId, KeySetId = terminal.State.Active!.KeySetId });
        }));
        return command;
    }

    private Command Charge()
    {
        var amount = new Option<string>("--amount") { Description = "Minor units, e.g. 1500 = 15.00.", Required = true };
        var currency = new Option<string>("--currency") { Description = "ISO 4217 code.", DefaultValueFactory = _ => "EUR" };
        var card = new Option<string>("--card") { Description = "Card number (see the simulator's test cards).", DefaultValueFactory = _ => "4111111111111111" };
        var expiry = new Option<string>("--expiry") { Description = "MM/YYYY.", DefaultValueFactory = _ => "12/2030" };
        var pin = new Option<string?>("--pin-block") { Description = "ISO 9564 PIN block (hex); makes the CVM pin." };
        var key = new Option<string?>("--idempotency-key") { Description = "Idempotency-Key; a new UUID when absent." };
        var command = new Command("charge", "Take a card payment (POST /pos/charge), retried safely under its Idempotency-Key.");
        command.Options.Add(_state);
        command.Options.Add(amount);
        command.Options.Add(currency);
        command.Options.Add(card);
        command.Options.Add(expiry);
        command.Options.Add(pin);
        command.Options.Add(key);
        command.SetAction((result, ct) => Guarded(result, async output =>
        {
            using var http = Http(result);
            var path = result.GetValue(_state)!;
            var terminal = new PosTerminal(http, LoadState(path));
            var (month, year) = ParseExpiry(result.GetValue(expiry)!);
            var pan = result.GetValue(card)!;
            var idempotencyKey = result.GetValue(key) ?? Guid.NewGuid().ToString();
            // The STAN follows from the key: running the same command again is a retry of the same request, which the
            // server recognises by its plaintext and answers with the first result (a fresh STAN would make it a new one).
            var stan = (BitConverter.ToUInt32(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(idempotencyKey))) % 1_000_000)
                .ToString("D6", CultureInfo.InvariantCulture);
            var charge = await terminal.ChargeAsync(ChargeRequest.Create(pan, year, month, result.GetValue(amount)!, result.GetValue(currency)!, stan,
                result.GetValue(pin)), idempotencyKey, ct);
            terminal.State.Save(path);
            output.Step(ChargeStep($"Charge {Flows.Masked(pan)}", charge, idempotencyKey));
            output.Finish(charge);
        }));
        return command;
    }

    private Command Refund()
    {
        var charge = new Option<string>("--charge") { Description = "The charge id (ch_…).", Required = true };
        var amount = new Option<string>("--amount") { Description = "Minor units to refund.", Required = true };
        var currency = new Option<string>("--currency") { Description = "Must be the charge's currency.", DefaultValueFactory = _ => "EUR" };
        var key = new Option<string?>("--idempotency-key") { Description = "Idempotency-Key; a new UUID when absent." };
        var command = new Command("refund", "Refund part or all of an approved charge (POST /pos/charge/{id}/refund).");
        command.Options.Add(_state);
        command.Options.Add(charge);
        command.Options.Add(amount);
        command.Options.Add(currency);
        command.Options.Add(key);
        command.SetAction((result, ct) => Guarded(result, async output =>
        {
            using var http = Http(result);
            var terminal = new PosTerminal(http, LoadState(result.GetValue(_state)!));
            var refund = await terminal.RefundAsync(result.GetValue(charge)!, result.GetValue(amount)!, result.GetValue(currency)!,
                "customer_request", result.GetValue(key) ?? Guid.NewGuid().ToString(), ct);
            output.Step(new("Refund", [("refund_id", refund.RefundId), ("status", refund.Status),
                ("amount", $"{refund.Amount.Value} {refund.Amount.Currency}")]));
            output.Finish(refund);
        }));
        return command;
    }

    private Command Cancel()
    {
        var charge = new Option<string?>("--charge") { Description = "The charge id (ch_…)." };
        var key = new Option<string?>("--idempotency-key")
        {
            Description = "Instead of --charge: reverse the charge this key created (POST /pos/charge/reverse), or record the " +
                "reversal so a late charge with the key is refused. The recovery when a charge's answer was lost.",
        };
        var reverse = new Option<bool>("--reverse") { Description = "Use /reverse instead of /cancel (same rules, same answer)." };
        var command = new Command("cancel", "Cancel an approved, unrefunded charge (POST /pos/charge/{id}/cancel), or reverse one by its Idempotency-Key.");
        command.Options.Add(_state);
        command.Options.Add(charge);
        command.Options.Add(key);
        command.Options.Add(reverse);
        command.SetAction((result, ct) => Guarded(result, async output =>
        {
            using var http = Http(result);
            var terminal = new PosTerminal(http, LoadState(result.GetValue(_state)!));
            if (result.GetValue(key) is { } idempotencyKey)
            {
                var byKey = await terminal.ReverseByIdempotencyKeyAsync(idempotencyKey, ct);
                output.Step(new("Reverse by Idempotency-Key", [("idempotency_key", byKey.IdempotencyKey), ("status", byKey.Status),
                    ("charge_id", byKey.ChargeId ?? "(none yet: a late charge with this key will be refused)")]));
                output.Finish(byKey);
                return;
            }

            var id = result.GetValue(charge) ?? throw new CliException("cancel needs --charge <ch_…> or --idempotency-key <key>.");
            var cancelled = result.GetValue(reverse) ? await terminal.ReverseAsync(id, ct) : await terminal.CancelAsync(id, ct);
            output.Step(new("Cancel", [("charge_id", cancelled.ChargeId), ("status", cancelled.Status)]));
            output.Finish(cancelled);
        }));
        return command;
    }

    private Command Status()
    {
        var charge = new Option<string?>("--charge") { Description = "Show this charge (GET /pos/charge/{id})." };
        var key = new Option<string?>("--idempotency-key") { Description = "Show the charge this key created (GET /pos/charge?idempotency_key=)." };
        var command = new Command("status", "The device's status (GET /pos/status), or a charge's.");
        command.Options.Add(_state);
        command.Options.Add(charge);
        command.Options.Add(key);
        command.SetAction((result, ct) => Guarded(result, async output =>
        {
            using var http = Http(result);
            var terminal = new PosTerminal(http, LoadState(result.GetValue(_state)!));
            if (result.GetValue(charge) is { } id)
            {
                var found = await terminal.GetChargeAsync(id, ct);
                output.Step(ChargeStep("Charge", found, null));
                output.Finish(found);
            }
            else if (result.GetValue(key) is { } idempotencyKey)
            {
                var found = await terminal.FindChargeByIdempotencyKeyAsync(idempotencyKey, ct)
                    ?? throw new CliException($"No charge was created with Idempotency-Key {idempotencyKey}.");
                output.Step(ChargeStep("Charge", found, idempotencyKey));
                output.Finish(found);
            }
            else
            {
                var status = await terminal.GetStatusAsync(ct);
                output.Step(new("Status", [("device_id", terminal.State.DeviceId), ("device_status", status.DeviceStatus),
                    ("is_claimed", $"{status.IsClaimed}".ToLowerInvariant()), ("terminal_id", terminal.State.TerminalId ?? "")]));
                output.Finish(status);
            }
        }));
        return command;
    }

    private Command Demo()
    {
        var command = new Command("demo",
            "Walk a fresh simulated terminal through provisioning, pairing, claim, attestation, key install, config, terminal " +
            "parameters and activation, then an approved charge, a declined charge, a partial refund and a cancel.");
        AddCredentials(command);
        command.SetAction((result, ct) => Guarded(result, async output =>
        {
            using var http = Http(result);
            var portal = await PortalAsync(result, http, ct);
            var device = await portal.ProvisionDeviceAsync("Demo till", "PAX-A920", ct);
            output.Step(new("Provision (merchant portal)", [("device_id", device.DeviceId), ("identity_key_id", device.IdentityKey.KeyId),
                ("zmk_kcv", device.Zmk.Kcv)]));
            var terminal = new PosTerminal(http, device.ToState());
            await Flows.ActivateAsync(terminal, portal, output.Step, ct);

            var year = DateTime.UtcNow.Year + 2;
            var approved = await terminal.ChargeAsync(ChargeRequest.Create("4111111111111111", year, 12, "1500", "EUR", "000001",
                pinBlock: "0412AC89ABCDEF67"), Guid.NewGuid().ToString(), ct);
            output.Step(ChargeStep("Charge 15.00 EUR, Visa 411111••••••1111, PIN", approved, null));
            var declined = await terminal.ChargeAsync(ChargeRequest.Create("4000000000000002", year, 12, "2500", "EUR", "000002"),
                Guid.NewGuid().ToString(), ct);
            output.Step(ChargeStep("Charge 25.00 EUR, test card 400000••••••0002", declined, null));
            var refund = await terminal.RefundAsync(approved.ChargeId, "500", "EUR", "customer_request", Guid.NewGuid().ToString(), ct);
            output.Step(new("Partial refund 5.00 EUR of the approved charge", [("refund_id", refund.RefundId), ("status", refund.Status),
                ("amount", $"{refund.Amount.Value} {refund.Amount.Currency}")]));
            var toCancel = await terminal.ChargeAsync(ChargeRequest.Create("5555555555554444", year, 6, "990", "EUR", "000003"),
                Guid.NewGuid().ToString(), ct);
            output.Step(ChargeStep("Charge 9.90 EUR, Mastercard 555555••••••4444", toCancel, null));
            var cancelled = await terminal.CancelAsync(toCancel.ChargeId, ct);
            output.Step(new("Cancel of that charge", [("charge_id", cancelled.ChargeId), ("status", cancelled.Status)]));
            var status = await terminal.GetChargeAsync(approved.ChargeId, ct);
            output.Step(ChargeStep("Status of the first charge", status, null));
            output.Line("Demo complete: approved, declined, refunded and cancelled.");
            output.Finish(new
            {
                terminal.State.DeviceId, terminal.State.TerminalId, Approved = approved.ChargeId, Declined = declined.ChargeId,
                Refund = refund.RefundId, Cancelled = cancelled.ChargeId,
            });
        }));
        return command;
    }

    internal static FlowStep ChargeStep(string title, ChargeResult charge, string? idempotencyKey)
    {
        var facts = new List<(string, string)>
        {
            ("charge_id", charge.ChargeId),
            ("status", charge.Status),
            ("amount", $"{charge.Amount.Value} {charge.Amount.Currency}"),
        };
        if (charge.RefundedAmount is { Value: not "0" } refunded)
        {
            facts.Add(("refunded_amount", $"{refunded.Value} {refunded.Currency}"));
        }

        if (charge.Card is { } card)
        {
            facts.Add(("card", $"{card.Brand} …{card.Last4}"));
        }

        if (charge.GatewayData?.AuthorizationCode is { } code)
        {
            facts.Add(("authorization_code", code));
        }

        if (charge.GatewayData?.Rrn is { } rrn)
        {
            facts.Add(("rrn", rrn));
        }

        if (charge.DeclineCode is { } decline)
        {
            facts.Add(("decline_code", decline));
        }

        if (idempotencyKey is not null)
        {
            facts.Add(("idempotency_key", idempotencyKey + (charge.Replayed ? " (replayed)" : "")));
        }

        return new FlowStep(title, facts);
    }

    internal static TerminalState LoadState(string path) => File.Exists(path)
        ? TerminalState.Load(path)
        : throw new CliException($"No state file at {path}: run `viopay-terminal provision --state {path}` first.");

    private static (int Month, int Year) ParseExpiry(string value)
    {
        var parts = value.Split('/');
        return parts.Length == 2 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var month) &&
            int.TryParse(parts[1], CultureInfo.InvariantCulture, out var year)
            ? (month, year < 100 ? 2000 + year : year)
            : throw new CliException("--expiry must be MM/YYYY, e.g. 12/2030.");
    }

    /// <summary>Runs a command; API and usage failures become one readable line on stderr (and exit 1), never a stack trace.</summary>
    internal async Task<int> Guarded(ParseResult result, Func<CliOutput, Task> action)
    {
        var output = Output(result);
        try
        {
            await action(output);
            return 0;
        }
        catch (PosApiException e)
        {
            await _error.WriteLineAsync(
                $"error: the API answered {e.StatusCode} {e.Code}: {e.ErrorMessage}" + (e.TraceId is null ? "" : $" (trace_id {e.TraceId})"));
            return 1;
        }
        catch (Exception e) when (e is CliException or PosProtocolException or HttpRequestException or InvalidOperationException or KeyInstallException)
        {
            await _error.WriteLineAsync("error: " + e.Message);
            return 1;
        }
    }
}

/// <summary>A usage problem the CLI explains in one line.</summary>
public sealed class CliException(string message) : Exception(message);
