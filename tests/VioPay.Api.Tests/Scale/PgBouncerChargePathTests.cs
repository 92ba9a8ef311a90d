using System.Net;
using System.Text.Json;
using Npgsql;
using VioPay.Api.Payments;
using VioPay.Api.Tests.Infrastructure;
using VioPay.Api.Tests.Reliability;

namespace VioPay.Api.Tests.Scale;

/// <summary>
/// Issue 15: the charge path through PgBouncer 1.18 in transaction pooling mode, two API processes with
/// <c>Database:Pooler=PgBouncerTransaction</c> and <c>ConnectionStrings:Postgres</c> pointing at PgBouncer, a few server
/// connections shared by many client connections. What the processes answered is reconciled with PostgreSQL read directly.
/// </summary>
public sealed class PgBouncerChargePathTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private void Phase(string name) => output.WriteLine($"{_clock.Elapsed.TotalSeconds:F1}s {name}");

    private const int Terminals = 3;
    private const int ChargesPerTerminal = 10;
    private const int TwinsPerTerminal = 3;

    [PgBouncerFact]
    public async Task TwoInstancesBehindPgBouncerInTransactionModeChargeRefundCancelAndCloseWithNothingLostOrDuplicated()
    {
        var backends = await SharedBackends.CreateAsync();
        var database = new NpgsqlConnectionStringBuilder(backends.Postgres).Database!;
        var pooled = new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = PgBouncer.Through(backends.Postgres),
            ["Database__Pooler"] = "PgBouncerTransaction",
        };
        // The merchant is made with the admin CLI (directly on PostgreSQL) while the two instances start.
        var client = MerchantClientAsync(backends);
        var started = await Task.WhenAll(ApiProcess.StartAsync(backends, pooled), ApiProcess.StartAsync(backends, pooled));
        var (a, b) = (started[0], started[1]);
        try
        {
            var (clientId, clientSecret) = await client;
            Phase("started");

            // The whole flow, each step on the other instance than the one before: sign-in, pairing, claim, attest, keys,
            // config, terminal parameters, activate.
            var instances = TwoInstances.Over(backends, a, b);
            var portal = await instances.Alternating().SignInAsync(clientId, clientSecret);
            var terminals = await Task.WhenAll(Enumerable.Range(0, Terminals).Select(async _ =>
            {
                var terminal = await instances.TerminalAsync(portal);
                await terminal.PairAndClaimAsync(portal);
                await terminal.ActivateFullyAsync();
                return terminal;
            }));
            Phase("activated");

            // The burst: every charge of every terminal at once, a few sent twice at the same moment (a terminal's retry
            // racing its first attempt), one decline per terminal. Meanwhile PostgreSQL's own count of sessions on the
            // database is watched.
            using var watching = new CancellationTokenSource();
            var watch = MostServerSessionsAsync(database, watching.Token);
            var sent = terminals.SelectMany(t => Enumerable.Range(0, ChargesPerTerminal).Select(i =>
                new Sent(t, Guid.NewGuid().ToString(), t.ChargeJson(i == 0 ? AcquirerSimulator.DeclinedCard : PaymentsTerminal.VisaApproved,
                    (1000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture), stan: $"{i:D6}"), Twin: i < TwinsPerTerminal))).ToList();
            var answers = await Task.WhenAll(sent.SelectMany(s => s.Twin ? new[] { s, s } : [s]).Select(s => ChargeAsync(s)));
            await watching.CancelAsync();
            var mostSessions = await watch;
            Phase("burst");

            var byKey = new Dictionary<string, Answer>();
            foreach (var answer in answers)
            {
                Assert.True(answer.Status is HttpStatusCode.OK || (answer.Status is HttpStatusCode.Conflict && answer.Sent.Twin),
                    $"charge {answer.Sent.Key}: {(int)answer.Status}");
                if (answer.Status is HttpStatusCode.OK)
                {
                    // A twin's 200 is the replay of the first answer: the same charge, the same status.
                    if (byKey.TryGetValue(answer.Sent.Key, out var other))
                    {
                        Assert.Equal((other.ChargeId, other.ChargeStatus), (answer.ChargeId, answer.ChargeStatus));
                    }

                    byKey[answer.Sent.Key] = answer;
                }
            }

            Assert.Equal(sent.Select(s => s.Key).Order(), byKey.Keys.Order());
            Assert.Equal(Terminals, byKey.Values.Count(x => x.ChargeStatus == "declined"));
            Assert.Equal(Terminals * (ChargesPerTerminal - 1), byKey.Values.Count(x => x.ChargeStatus == "approved"));

            // Every key once more, all at once: each answers its first answer, replayed.
            foreach (var replay in await Task.WhenAll(sent.Select(s => ChargeAsync(s))))
            {
                Assert.Equal(HttpStatusCode.OK, replay.Status);
                Assert.True(replay.Replayed);
                Assert.Equal((byKey[replay.Sent.Key].ChargeId, byKey[replay.Sent.Key].ChargeStatus), (replay.ChargeId, replay.ChargeStatus));
            }

            Phase("replays");
            // Reconciliation against PostgreSQL itself: one charge per key, nothing else, stored as answered.
            var stored = await StoredChargesAsync(backends.Postgres, terminals.Select(t => t.TerminalId!).ToArray());
            Assert.Equal(sent.Count, stored.Count);
            foreach (var (key, answer) in byKey)
            {
                Assert.Equal((answer.ChargeId, answer.ChargeStatus), stored[key]);
            }

            // A refund, a cancel and a day close on each terminal (the close under its advisory lock, which is taken per
            // transaction and so holds through the pooler); two closes of the first terminal at once.
            foreach (var terminal in terminals)
            {
                var approved = byKey.Values.Where(x => x.Sent.Terminal == terminal && x.ChargeStatus == "approved").ToList();
                await terminal.RefundOkAsync(approved[0].ChargeId!, "500");
                await terminal.CancelOkAsync(approved[1].ChargeId!);
            }

            await Task.WhenAll(terminals.Select(t => t.CloseOkAsync()).Append(terminals[0].CloseOkAsync()));
            Assert.Equal(Terminals * 500, await backends.CountAsync("SELECT coalesce(sum(refunded_minor), 0)::bigint FROM charges"));
            Assert.Equal(Terminals, await backends.CountAsync("SELECT count(*) FROM refunds WHERE status = 'approved'"));
            Assert.Equal(Terminals, await backends.CountAsync("SELECT count(*) FROM charges WHERE status = 'cancelled'"));
            Assert.Equal(0, await backends.CountAsync("SELECT count(*) FROM charges WHERE status IN ('approved', 'cancelled') AND batch_id IS NULL"));
            Assert.Equal(Terminals + 1, await backends.CountAsync("SELECT count(*) FROM batches"));

            Phase("closes");
            // It really went through the pooler: PostgreSQL never had more sessions on this database than PgBouncer's pool,
            // while the two processes held more client connections to PgBouncer than that.
            Assert.InRange(mostSessions, 1, PgBouncer.PoolSize);
            var servers = (await PgBouncer.ShowAsync("SERVERS")).Count(r => r["database"] == database);
            var clients = (await PgBouncer.ShowAsync("CLIENTS")).Count(r => r["database"] == database);
            Assert.InRange(servers, 1, PgBouncer.PoolSize);
            output.WriteLine($"at most {mostSessions} PostgreSQL sessions; PgBouncer: {clients} client connections, {servers} server connections");
            Assert.True(clients > PgBouncer.PoolSize, $"{clients} client connections to PgBouncer, {servers} server connections");
            var pool = Assert.Single(await PgBouncer.ShowAsync("POOLS"), r => r["database"] == database);
            Assert.Equal("transaction", pool["pool_mode"]);
            // And nothing failed on the way that a retry hid: no error in either process's log.
            Assert.DoesNotContain(a.Output.Concat(b.Output), line => line.Contains("\"@l\":\"Error\"", StringComparison.Ordinal) ||
                line.Contains("\"@l\":\"Fatal\"", StringComparison.Ordinal));
        }
        finally
        {
            await a.DisposeAsync();
            await b.DisposeAsync();
            await TestDependencies.DropDatabaseAsync(backends.Postgres);
        }
    }

    private static async Task<(string Id, string Secret)> MerchantClientAsync(SharedBackends backends)
    {
        var reseller = await ApiProcess.AdminAsync(backends, "create-reseller", "--name", "Pooled reseller");
        var merchant = await ApiProcess.AdminAsync(backends, "create-merchant", "--reseller", reseller.GetProperty("reseller_id").GetString()!,
            "--name", "Pooled merchant");
        var client = await ApiProcess.AdminAsync(backends, "create-api-client", "--merchant", merchant.GetProperty("merchant_id").GetString()!);
        return (client.GetProperty("client_id").GetString()!, client.GetProperty("client_secret").GetString()!);
    }

    private sealed record Sent(TestTerminal Terminal, string Key, string Json, bool Twin);

    private sealed record Answer(Sent Sent, HttpStatusCode Status, string? ChargeId, string? ChargeStatus, bool Replayed);

    private static async Task<Answer> ChargeAsync(Sent sent)
    {
        var t = sent.Terminal;
        using var response = await t.Http.SendAsync(t.ChargeRequest(sent.Json, sent.Key));
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return new Answer(sent, response.StatusCode, null, text, false);
        }

        using var envelope = JsonDocument.Parse(text);
        var body = t.Decrypt(envelope.RootElement);
        var replayed = response.Headers.TryGetValues("Idempotent-Replayed", out var values) && values.Single() == "true";
        return new Answer(sent, response.StatusCode, body.Text("charge_id"), body.Text("status"), replayed);
    }

    /// <summary>The charges of these terminals by idempotency key, as (id, status); a key stored twice fails here.</summary>
    private static async Task<Dictionary<string, (string?, string?)>> StoredChargesAsync(string direct, string[] terminalIds)
    {
        await using var connection = new NpgsqlConnection(direct);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT idempotency_key, id, status FROM charges WHERE terminal_id = ANY(@terminals)", connection);
        command.Parameters.AddWithValue("terminals", terminalIds);
        var stored = new Dictionary<string, (string?, string?)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            stored.Add(reader.GetString(0), (reader.GetString(1), reader.GetString(2)));
        }

        return stored;
    }

    /// <summary>The most sessions PostgreSQL had on <paramref name="database"/> at any look, until cancelled.</summary>
    private static async Task<long> MostServerSessionsAsync(string database, CancellationToken stop)
    {
        var admin = (await TestDependencies.GetAsync()).PostgresAdmin;
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(admin) { Database = "postgres", Pooling = false }.ConnectionString);
        await connection.OpenAsync(CancellationToken.None);
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = @database AND backend_type = 'client backend'", connection);
        command.Parameters.AddWithValue("database", database);
        var most = 0L;
        while (!stop.IsCancellationRequested)
        {
            most = Math.Max(most, (long)(await command.ExecuteScalarAsync(CancellationToken.None))!);
            await Task.Delay(10, CancellationToken.None);
        }

        return most;
    }
}
