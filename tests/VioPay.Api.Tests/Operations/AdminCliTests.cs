using System.Net;
using System.Net.Http.Json;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Operations;

/// <summary>Issue 14: the admin CLI as operators and Kubernetes Jobs run it, the built VioPay.Api.dll as a process.</summary>
public sealed class AdminCliTests
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(30);

    private static readonly string[] Commands =
    [
        "migrate", "create-reseller", "create-merchant", "list-merchants", "provision-device", "create-user", "mint-user-token",
        "create-api-client", "list-api-clients", "revoke-api-client", "rotate-api-client-secret", "check-lmk", "rotate-lmk",
        "healthcheck",
    ];

    /// <summary>No database, Redis or LMK: help and usage errors are answered before any host is built.</summary>
    private static readonly Dictionary<string, string> NoConfiguration = new() { ["ASPNETCORE_ENVIRONMENT"] = "Production" };

    [Fact]
    public async Task HelpListsEveryCommandAndEveryCommandHasHelp()
    {
        var root = await ApiProcess.RunToExitAsync(NoConfiguration, Quick, "--help");

        Assert.Equal(0, root.ExitCode);
        foreach (var command in Commands)
        {
            Assert.Contains(command, root.Stdout, StringComparison.Ordinal);
        }

        await Task.WhenAll(Commands.Select(async command =>
        {
            var help = await ApiProcess.RunToExitAsync(NoConfiguration, Quick, command, "--help");
            Assert.True(help.ExitCode == 0, $"{command} --help: {help}");
            Assert.Contains($"VioPay.Api {command} [options]", help.Stdout, StringComparison.Ordinal);
        }));
    }

    [Fact]
    public async Task AMistypedCommandExitsTwoAtOnceInsteadOfStartingTheServer()
    {
        var run = await ApiProcess.RunToExitAsync(NoConfiguration, Quick, "migrat");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Unknown command 'migrat'", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("create-reseller", "--name", "Acme", "--nmae", "typo")]
    [InlineData("migrate", "--dry-run")]
    [InlineData("create-merchant", "--name", "No reseller")]
    [InlineData("create-merchant", "--reseller", "not-a-uuid", "--name", "Acme")]
    [InlineData("rotate-lmk", "--dry-run")]
    [InlineData("healthcheck", "--url", "not a url")]
    public async Task AnUnknownOptionOrAMissingOrMalformedValueExitsTwoWithAMessage(params string[] args)
    {
        var run = await ApiProcess.RunToExitAsync(NoConfiguration, Quick, args);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains($"See 'VioPay.Api {args[0]} --help'", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MerchantsAndApiClientsAreListedAndAClientIsRotatedAndRevokedThroughTheCli()
    {
        var backends = await SharedBackends.CreateAsync();
        try
        {
            await using var api = await ApiProcess.StartAsync(backends);
            var reseller = await ApiProcess.AdminAsync(backends, "create-reseller", "--name", "CLI reseller");
            var resellerId = reseller.GetProperty("reseller_id").GetString()!;
            var merchant = await ApiProcess.AdminAsync(backends, "create-merchant", "--reseller", resellerId, "--name", "CLI merchant");
            var merchantId = merchant.GetProperty("merchant_id").GetString()!;
            var client = await ApiProcess.AdminAsync(backends, "create-api-client", "--merchant", merchantId);
            var clientId = client.GetProperty("client_id").GetString()!;
            var firstSecret = client.GetProperty("client_secret").GetString()!;

            var merchants = await ApiProcess.AdminAsync(backends, "list-merchants", "--reseller", resellerId);
            var listed = Assert.Single(merchants.GetProperty("merchants").EnumerateArray());
            Assert.Equal(merchantId, listed.GetProperty("merchant_id").GetString());
            Assert.Equal("CLI merchant", listed.GetProperty("name").GetString());

            var clients = await ApiProcess.AdminAsync(backends, "list-api-clients", "--merchant", merchantId);
            var listedClient = Assert.Single(clients.GetProperty("api_clients").EnumerateArray());
            Assert.Equal(clientId, listedClient.GetProperty("client_id").GetString());
            Assert.DoesNotContain(firstSecret, clients.GetRawText(), StringComparison.Ordinal);
            Assert.DoesNotContain("hmac-sha256", clients.GetRawText(), StringComparison.Ordinal);

            var rotated = await ApiProcess.AdminAsync(backends, "rotate-api-client-secret", "--client-id", clientId);
            var secondSecret = rotated.GetProperty("client_secret").GetString()!;
            Assert.NotEqual(firstSecret, secondSecret);
            await SessionAsync(api, clientId, firstSecret, HttpStatusCode.Unauthorized);
            await SessionAsync(api, clientId, secondSecret, HttpStatusCode.OK);

            using var issued = await api.Client.PostAsJsonAsync("/client/session",
                new { client_id = clientId, client_secret = secondSecret, grant_type = "client_credentials" });
            var token = (await issued.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("access_token").GetString()!;
            Assert.Equal(HttpStatusCode.OK, (await DevicesAsync(api, token)).StatusCode);

            var revoked = await ApiProcess.AdminAsync(backends, "revoke-api-client", "--client-id", clientId);
            Assert.NotEqual(System.Text.Json.JsonValueKind.Null, revoked.GetProperty("revoked_at").ValueKind);
            await SessionAsync(api, clientId, secondSecret, HttpStatusCode.Unauthorized);
            // The token issued before the revocation ends with it, not at its expiry.
            await (await DevicesAsync(api, token)).AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
            var again = await ApiProcess.AdminAsync(backends, "revoke-api-client", "--client-id", clientId);
            Assert.Equal(revoked.GetProperty("revoked_at").GetString(), again.GetProperty("revoked_at").GetString());

            var unknown = await ApiProcess.RunToExitAsync(backends.Environment(), Quick, "revoke-api-client", "--client-id", "mrc_nobody");
            Assert.Equal(1, unknown.ExitCode);
            Assert.Contains("not found", unknown.Json.GetProperty("error").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            await TestDependencies.DropDatabaseAsync(backends.Postgres);
        }
    }

    [Fact]
    public async Task HealthcheckExitsZeroForAReadyInstanceAndOneWhenNothingAnswers()
    {
        var backends = await SharedBackends.CreateAsync();
        try
        {
            await using var api = await ApiProcess.StartAsync(backends);

            var ready = await ApiProcess.RunToExitAsync(NoConfiguration, Quick, "healthcheck", "--url", api.BaseAddress.ToString());
            var down = await ApiProcess.RunToExitAsync(NoConfiguration, Quick, "healthcheck", "--url", $"http://127.0.0.1:{ApiProcess.FreePort()}");

            Assert.True(ready.ExitCode == 0, ready.ToString());
            Assert.Equal("ready", ready.Json.GetProperty("status").GetString());
            Assert.Equal(1, down.ExitCode);
            Assert.Contains("did not answer", down.Json.GetProperty("error").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            await TestDependencies.DropDatabaseAsync(backends.Postgres);
        }
    }

    private static async Task<HttpResponseMessage> DevicesAsync(ApiProcess api, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/merchant/devices");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return await api.Client.SendAsync(request);
    }

    private static async Task SessionAsync(ApiProcess api, string clientId, string secret, HttpStatusCode expected)
    {
        using var response = await api.Client.PostAsJsonAsync("/client/session",
            new { client_id = clientId, client_secret = secret, grant_type = "client_credentials" });
        Assert.True(response.StatusCode == expected,
            $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}\n{string.Join('\n', api.Output.TakeLast(15))}");
    }
}
