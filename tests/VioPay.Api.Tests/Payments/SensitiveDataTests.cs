using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using StackExchange.Redis;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Payments;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Payments;

public sealed class CapturingApp : VioPayApp
{
    public CapturingApp() => Logs = CapturedLogs.AttachTo(this);

    public CapturedLogs Logs { get; }
}

/// <summary>
/// PROTOCOL §8 and §9: no full PAN, PIN block or track-2 equivalent data is stored or logged, nor any key, token or
/// client secret in clear. Every payment path is driven with sensitive data, then every table, every Redis value and
/// every log line the app wrote is searched.
/// </summary>
public sealed class SensitiveDataTests(CapturingApp app) : IClassFixture<CapturingApp>
{
    private const string PinBlock = "0412AC89ABCDEF67";
    private static readonly string[] Pans =
    [
        "4111111111111111", "5555555555554444", "378282246310005", "6011111111111117", "2221000000000009",
        AcquirerSimulator.DeclinedCard, AcquirerSimulator.InsufficientFundsCard, AcquirerSimulator.IncorrectPinCard, AcquirerSimulator.TimeoutCard,
    ];

    /// <summary>A chip read that carries the PAN (5A), track 2 (57) and the cardholder name (5F20) as a real kernel's would.</summary>
    private static string EmvWithCardData(string pan)
    {
        var bcd = pan.Length % 2 == 0 ? pan : pan + "F";
        var track2 = pan + "D29122011234567890";
        track2 = track2.Length % 2 == 0 ? track2 : track2 + "F";
        var name = Convert.ToHexString(Encoding.ASCII.GetBytes("DOE/JANE"));
        return $"5A{bcd.Length / 2:X2}{bcd}57{track2.Length / 2:X2}{track2}5F20{name.Length / 2:X2}{name}9F2608A1B2C3D4E5F6A7B8";
    }

    [Fact]
    public async Task NoPanPinBlockTrackDataKeyTokenOrSecretIsStoredOrLogged()
    {
        var (terminal, portal, merchant) = await app.ActivatedTerminalAsync();
        var approved = new List<string>();
        foreach (var pan in Pans)
        {
            var json = terminal.ChargeJson(pan, pinBlock: PinBlock, emvData: EmvWithCardData(pan));
            var charge = await terminal.ChargeOkAsync(json, idempotencyKey: Guid.NewGuid().ToString());
            if (charge.Text("status") == "approved")
            {
                approved.Add(charge.Text("charge_id"));
            }

            // Every failing path sees the PAN too: a validation error, an idempotency conflict, a replay.
            await terminal.Http.SendAsync(terminal.ChargeRequest(terminal.ChargeJson(pan, stan: "12", pinBlock: PinBlock, emvData: EmvWithCardData(pan))));
            var key = Guid.NewGuid().ToString();
            await terminal.ChargeOkAsync(json, key);
            await terminal.Http.SendAsync(terminal.ChargeRequest(terminal.ChargeJson(pan, amount: "1", pinBlock: PinBlock), key));
            await terminal.SendEncryptedOkAsync(terminal.ChargeRequest(json, key));
        }

        await terminal.SendEncryptedOkAsync(terminal.RefundRequest(approved[0], "100"));
        await terminal.SendEncryptedOkAsync(terminal.Signed(HttpMethod.Post, $"/pos/charge/{approved[1]}/cancel", null));
        await terminal.SendEncryptedOkAsync(terminal.Signed(HttpMethod.Get, $"/pos/charge/{approved[2]}", null));
        // The lifecycle paths see the card too: a pre-authorization with a tipped capture and an increment, a tipped
        // final charge, a void, and the day close with its backoffice batch, CSV and merchant refund.
        var held = (await terminal.ChargeOkAsync(terminal.ChargeJson(Pans[0], pinBlock: PinBlock, emvData: EmvWithCardData(Pans[0]),
            authorizationType: "pre"))).Text("charge_id");
        await terminal.SendEncryptedOkAsync(terminal.IncrementRequest(held, "200"));
        await terminal.SendEncryptedOkAsync(terminal.CaptureRequest(held, tip: "100"));
        var voided = (await terminal.ChargeOkAsync(terminal.ChargeJson(Pans[0], authorizationType: "pre"))).Text("charge_id");
        await terminal.SendEncryptedOkAsync(terminal.CancelRequest(voided));
        await terminal.ChargeOkAsync(terminal.ChargeJson(Pans[0], amount: "1100", tip: "100", pinBlock: PinBlock));
        var backofficeRefund = await portal.PostAsync($"/merchant/charges/{approved[0]}/refund",
            JsonContent.Create(new { amount = new { value = "50", currency = "EUR" } }));
        Assert.Equal(System.Net.HttpStatusCode.Created, backofficeRefund.StatusCode);
        var batch = (await terminal.SendEncryptedOkAsync(terminal.Signed(HttpMethod.Post, "/pos/batch/close",
            terminal.EncryptedBody(JsonSerializer.Serialize(new { charge_ids = approved }))))).Body.Text("batch_id");
        await portal.GetStringAsync($"/merchant/batches/{batch}");
        await portal.GetStringAsync($"/merchant/batches/{batch}/transactions.csv");
        await portal.GetStringAsync("/merchant/charges");
        await portal.GetStringAsync($"/merchant/charges/{approved[0]}");
        await app.Services.GetRequiredService<PaymentsMaintenance>().RunOnceAsync(default);

        // Card data, and every secret the flow handled: identity secret, ZMK, the six clear keys of the key set, the API
        // client secret, the attestation token and the Bearer token.
        var secrets = Pans.Append(PinBlock).Append(Convert.ToHexString(Encoding.ASCII.GetBytes("DOE/JANE")))
            .Append(Convert.ToBase64String(terminal.IdentitySecret)).Append(Convert.ToHexString(terminal.IdentitySecret))
            .Append(Convert.ToHexString(terminal.Zmk))
            .Concat(terminal.ActiveKeys.Values.Select(Convert.ToHexString))
            .Append(merchant.ClientSecret).Append(terminal.AttestationToken!).Append(portal.DefaultRequestHeaders.Authorization!.Parameter!)
            .ToArray();
        Assert.Equal(23, secrets.Length);
        var database = await DatabaseTextAsync();
        var redis = await RedisTextAsync();
        var logs = string.Join("\n", app.Logs.Lines);
        Assert.Contains(approved[0], database);
        Assert.True(app.Logs.Lines.Count > 0, $"no log line was captured ({app.Logs.Lines.Count})");
        Assert.Contains("/pos/charge", logs, StringComparison.Ordinal);
        foreach (var secret in secrets)
        {
            Assert.False(database.Contains(secret, StringComparison.OrdinalIgnoreCase), $"the database holds {secret[..4]}…");
            Assert.False(redis.Contains(secret, StringComparison.OrdinalIgnoreCase), $"Redis holds {secret[..4]}…");
            Assert.False(logs.Contains(secret, StringComparison.OrdinalIgnoreCase), $"the logs hold {secret[..4]}…");
        }

        // The fingerprint is keyed: it is not the bare hash anyone could compute by enumerating card numbers.
        using var scope = app.Services.CreateScope();
        var row = await scope.ServiceProvider.GetRequiredService<VioPayDbContext>().Charges.FirstAsync(c => c.Id == approved[0]);
        Assert.NotEqual(SHA256.HashData(Encoding.ASCII.GetBytes("4111111111111111")), row.CardFingerprint);
        Assert.Equal(scope.ServiceProvider.GetRequiredService<CardFingerprints>().Pan("4111111111111111"), row.CardFingerprint);
    }

    /// <summary>Every row of every table of the app's database, as JSON text.</summary>
    private async Task<string> DatabaseTextAsync()
    {
        var text = new StringBuilder();
        await using var connection = new NpgsqlConnection(app.PostgresConnectionString);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'", connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        Assert.Contains("charges", tables);
        foreach (var table in tables)
        {
            await using var dump = new NpgsqlCommand($"SELECT row_to_json(t)::text FROM \"{table}\" t", connection);
            await using var reader = await dump.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                text.AppendLine(reader.GetString(0));
            }
        }

        return text.ToString();
    }

    /// <summary>Every key and value under this app's Redis prefix.</summary>
    private async Task<string> RedisTextAsync()
    {
        var multiplexer = app.Services.GetRequiredService<IConnectionMultiplexer>();
        var server = multiplexer.GetServers().First();
        var db = multiplexer.GetDatabase();
        var text = new StringBuilder();
        await foreach (var key in server.KeysAsync(pattern: app.RedisPrefix + "*"))
        {
            text.AppendLine(key.ToString());
            var type = await db.KeyTypeAsync(key);
            text.AppendLine(type switch
            {
                RedisType.String => (string?)await db.StringGetAsync(key),
                RedisType.Hash => string.Join(",", (await db.HashGetAllAsync(key)).Select(e => $"{e.Name}={e.Value}")),
                RedisType.Set => string.Join(",", await db.SetMembersAsync(key)),
                RedisType.List => string.Join(",", await db.ListRangeAsync(key)),
                _ => type.ToString(),
            });
        }

        return text.ToString();
    }
}
