using System.Net;
using System.Security.Cryptography;
using Npgsql;
using VioPay.Api.Tests.Infrastructure;
using VioPay.Api.Tests.Reliability;
using VioPay.Crypto;

namespace VioPay.Api.Tests.Operations;

/// <summary>Issue 14: the LMK's KCV recorded in the database, a wrong LMK refused at start-up, and rotate-lmk.</summary>
public sealed class LmkRotationTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task AnApiStartedWithAnotherLmkThanTheDatabaseWasWrittenUnderExitsNamingBothKcvs()
    {
        var backends = await SharedBackends.CreateAsync();
        try
        {
            // The first start records the LMK's KCV (and writes the token-signing key under it).
            await using (var first = await ApiProcess.StartAsync(backends))
            {
                await first.TerminateAsync(TimeSpan.FromSeconds(30));
            }

            var wrong = backends with { LocalMasterKeyHex = NewLmk() };
            var run = await ApiProcess.RunToExitAsync(wrong.Environment(), Patience, "--urls", $"http://127.0.0.1:{ApiProcess.FreePort()}");

            Assert.NotEqual(0, run.ExitCode);
            Assert.Contains(Kcv(wrong.LocalMasterKeyHex), run.Stdout, StringComparison.Ordinal);
            Assert.Contains(Kcv(backends.LocalMasterKeyHex), run.Stdout, StringComparison.Ordinal);
            Assert.Contains("Refusing to start", run.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", run.Stdout + run.Stderr, StringComparison.Ordinal);

            var check = await ApiProcess.RunToExitAsync(wrong.Environment(), Patience, "check-lmk");
            Assert.Equal(1, check.ExitCode);
            Assert.Equal(Kcv(wrong.LocalMasterKeyHex), check.Json.GetProperty("configured_kcv").GetString());
            Assert.Equal(Kcv(backends.LocalMasterKeyHex), check.Json.GetProperty("recorded_kcv").GetString());
            var create = await ApiProcess.RunToExitAsync(wrong.Environment(), Patience, "create-reseller", "--name", "Written under the wrong key");
            Assert.Equal(1, create.ExitCode);
            Assert.Equal(0, await backends.CountAsync("SELECT count(*) FROM resellers"));
        }
        finally
        {
            await TestDependencies.DropDatabaseAsync(backends.Postgres);
        }
    }

    [Fact]
    public async Task ADatabaseWithKeysButNoRecordIsNotPinnedToAWrongLmk()
    {
        var backends = await SharedBackends.CreateAsync();
        try
        {
            var reseller = await ApiProcess.AdminAsync(backends, "create-reseller", "--name", "Keys before the record");
            await ApiProcess.AdminAsync(backends, "provision-device", "--reseller", reseller.GetProperty("reseller_id").GetString()!);

            // As a database written before the record existed: keys under one LMK, no KCV recorded.
            await ExecuteAsync(backends, "DELETE FROM lmk_record");
            var wrong = backends with { LocalMasterKeyHex = NewLmk() };
            var run = await ApiProcess.RunToExitAsync(wrong.Environment(), Patience, "--urls", $"http://127.0.0.1:{ApiProcess.FreePort()}");

            Assert.NotEqual(0, run.ExitCode);
            Assert.Contains("does not open the key blocks", run.Stdout, StringComparison.Ordinal);
            Assert.Equal(0, await backends.CountAsync("SELECT count(*) FROM lmk_record"));
        }
        finally
        {
            await TestDependencies.DropDatabaseAsync(backends.Postgres);
        }
    }

    [Fact]
    public async Task RotationMovesEveryKeyToTheNewLmkAndTerminalsAndClientsKeepWorking()
    {
        var backends = await SharedBackends.CreateAsync();
        var rotated = backends with { LocalMasterKeyHex = NewLmk() };
        var newLmk = new Dictionary<string, string> { ["VIOPAY_NEW_LMK"] = rotated.LocalMasterKeyHex };
        try
        {
            TestTerminal terminal;
            string clientId, clientSecret;
            var port = ApiProcess.FreePort();
            await using (var before = await ApiProcess.StartAsync(backends, port: port))
            {
                var fleet = TwoInstances.Over(backends, before, before);
                var reseller = await ApiProcess.AdminAsync(backends, "create-reseller", "--name", "Rotation reseller");
                var merchant = await ApiProcess.AdminAsync(backends, "create-merchant", "--reseller", reseller.GetProperty("reseller_id").GetString()!,
                    "--name", "Rotation merchant");
                var client = await ApiProcess.AdminAsync(backends, "create-api-client", "--merchant", merchant.GetProperty("merchant_id").GetString()!);
                (clientId, clientSecret) = (client.GetProperty("client_id").GetString()!, client.GetProperty("client_secret").GetString()!);
                var portal = await new HttpClient { BaseAddress = before.BaseAddress }.SignInAsync(clientId, clientSecret);
                terminal = await fleet.TerminalAsync(portal, new HttpClient { BaseAddress = before.BaseAddress });
                await terminal.PairAndClaimAsync(portal);
                await terminal.ActivateFullyAsync();
                Assert.Equal("approved", (await terminal.ChargeOkAsync()).Text("status"));
                // A webhook endpoint's signing secret is a key block too (TEST-NET-1 address: never routed).
                var endpoint = await portal.PostAsync("/merchant/webhook-endpoints",
                    System.Net.Http.Json.JsonContent.Create(new { url = "https://192.0.2.10/hooks", events = new[] { "*" } }));
                Assert.Equal(HttpStatusCode.Created, endpoint.StatusCode);
                // The procedure: stop (or drain) every instance before rotating.
                await before.TerminateAsync(TimeSpan.FromSeconds(30));
            }

            var blocks = await BlocksAsync(backends);
            var dry = await ApiProcess.RunToExitAsync(backends.Environment(newLmk), Patience, "rotate-lmk", "--new-lmk-env", "VIOPAY_NEW_LMK", "--dry-run");
            Assert.True(dry.ExitCode == 0, dry.ToString());
            Assert.True(dry.Json.GetProperty("rewrapped").GetInt32() >= 10, dry.Stdout); // ZMK, identity secret, 6 key-set keys, signing key, webhook secret
            Assert.Equal(blocks, await BlocksAsync(backends));
            Assert.Equal(0, (await ApiProcess.RunToExitAsync(backends.Environment(), Patience, "check-lmk")).ExitCode);

            var real = await ApiProcess.RunToExitAsync(backends.Environment(newLmk), Patience, "rotate-lmk", "--new-lmk-env", "VIOPAY_NEW_LMK");
            Assert.True(real.ExitCode == 0, real.ToString());
            Assert.Equal(dry.Json.GetProperty("rewrapped").GetInt32(), real.Json.GetProperty("rewrapped").GetInt32());
            Assert.DoesNotContain(rotated.LocalMasterKeyHex, real.Stdout + real.Stderr, StringComparison.OrdinalIgnoreCase);
            Assert.Empty((await BlocksAsync(backends)).Intersect(blocks));

            var oldCheck = await ApiProcess.RunToExitAsync(backends.Environment(), Patience, "check-lmk");
            var newCheck = await ApiProcess.RunToExitAsync(rotated.Environment(), Patience, "check-lmk");
            Assert.Equal(1, oldCheck.ExitCode);
            Assert.True(newCheck.ExitCode == 0, newCheck.ToString());
            Assert.Equal(Kcv(rotated.LocalMasterKeyHex), newCheck.Json.GetProperty("recorded_kcv").GetString());

            // Interrupted just before the last step: the rotation is marked, every block already moved. Start-ups refuse,
            // and running it again finishes it, moving nothing twice.
            await ExecuteAsync(backends, $"UPDATE lmk_record SET kcv = '{Kcv(backends.LocalMasterKeyHex)}', rotating_to_kcv = '{Kcv(rotated.LocalMasterKeyHex)}'");
            var refused = await ApiProcess.RunToExitAsync(rotated.Environment(), Patience, "--urls", $"http://127.0.0.1:{ApiProcess.FreePort()}");
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains("has not finished", refused.Stdout, StringComparison.Ordinal);
            var resumed = await ApiProcess.RunToExitAsync(backends.Environment(newLmk), Patience, "rotate-lmk", "--new-lmk-env", "VIOPAY_NEW_LMK");
            Assert.True(resumed.ExitCode == 0, resumed.ToString());
            Assert.Equal(0, resumed.Json.GetProperty("rewrapped").GetInt32());
            Assert.Equal(0, (await ApiProcess.RunToExitAsync(rotated.Environment(), Patience, "check-lmk")).ExitCode);

            // Under the new LMK, same address: the identity secret still verifies, the key set issued before the rotation
            // still serves a charge, a new key set is still issued under the ZMK, and the API client's secret (a hash
            // under an LMK-derived key) still signs in.
            await using var after = await ApiProcess.StartAsync(rotated, port: port);
            await terminal.AttestAsync();
            Assert.Equal("approved", (await terminal.ChargeOkAsync()).Text("status"));
            await terminal.InstallKeysAsync();
            await terminal.ConfigAsync();
            var portalAfter = await new HttpClient { BaseAddress = after.BaseAddress }.SignInAsync(clientId, clientSecret);
            Assert.Equal(HttpStatusCode.OK, (await portalAfter.GetAsync("/merchant/devices")).StatusCode);
        }
        finally
        {
            await TestDependencies.DropDatabaseAsync(backends.Postgres);
        }
    }

    private static string NewLmk() => Convert.ToHexString(RandomNumberGenerator.GetBytes(32));

    private static string Kcv(string lmkHex) => KeyCheckValue.Cmac(Convert.FromHexString(lmkHex));

    /// <summary>Every key block the database holds, as stored.</summary>
    private static async Task<HashSet<string>> BlocksAsync(SharedBackends backends)
    {
        const string sql = """
            SELECT zmk_block FROM devices UNION ALL SELECT secret_block FROM device_identity_keys
            UNION ALL SELECT key_block FROM server_keys UNION ALL SELECT secret_block FROM webhook_endpoints
            UNION ALL SELECT unnest(ARRAY[tmk_block, kek_block, msk_block, tpk_block, tdk_block, mac_block]) FROM key_sets
            """;
        await using var connection = new NpgsqlConnection(backends.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var blocks = new HashSet<string>();
        while (await reader.ReadAsync())
        {
            blocks.Add(reader.GetString(0));
        }

        return blocks;
    }

    private static async Task ExecuteAsync(SharedBackends backends, string sql)
    {
        await using var connection = new NpgsqlConnection(backends.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
