using Microsoft.AspNetCore.Hosting;
using Npgsql;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Foundation;

public sealed class StartupTests
{
    [Fact]
    public async Task ProductionWithoutALocalMasterKeyRefusesToStart()
    {
        await using var app = new ProductionWithoutLmk();
        await app.InitializeAsync();

        var error = Assert.ThrowsAny<Exception>(() => app.CreateClient());

        Assert.Contains("Security:LocalMasterKey", Flatten(error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMalformedLocalMasterKeyRefusesToStart()
    {
        await using var app = new VioPayApp();
        app.With("Security:LocalMasterKey", "not-hex");
        await app.InitializeAsync();

        var error = Assert.ThrowsAny<Exception>(() => app.CreateClient());

        Assert.Contains("Security:LocalMasterKey", Flatten(error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheMigrationCreatesTheWholeDomainSchema()
    {
        await using var app = new VioPayApp();
        await app.InitializeAsync();
        await using var connection = new NpgsqlConnection(app.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'", connection);
        var tables = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        foreach (var table in new[] { "resellers", "merchants", "users", "merchant_api_clients", "devices",
                     "device_identity_keys", "key_sets", "terminals", "charges", "refunds",
                     "idempotency_records", "audit_events", "acquirer_reversals", "server_keys", "lmk_record" })
        {
            Assert.Contains(table, tables);
        }
    }

    [Fact]
    public async Task ProductionWithoutAnExplicitPaymentProcessorRefusesToStart()
    {
        await using var app = new ProductionApp(processor: "");
        await app.InitializeAsync();

        var error = Assert.ThrowsAny<Exception>(() => app.CreateClient());

        Assert.Contains("Payments:Processor", Flatten(error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownPaymentProcessorRefusesToStart()
    {
        await using var app = new ProductionApp(processor: "Acme");
        await app.InitializeAsync();

        var error = Assert.ThrowsAny<Exception>(() => app.CreateClient());

        Assert.Contains("names no known processor", Flatten(error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheSimulatorChosenInProductionIsShownInReadinessAndWarnedAtStartUp()
    {
        await using var app = new ProductionApp(processor: "Simulator");
        var logs = CapturedLogs.AttachTo(app);
        await app.InitializeAsync();

        var response = await app.CreateClient().GetAsync("/health/ready");

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var details = body.RootElement.GetProperty("details");
        Assert.Equal("Simulator", details.GetProperty("payment_processor").GetString());
        Assert.Contains("simulator", details.GetProperty("warning").GetString(), StringComparison.Ordinal);
        Assert.Contains(logs.Lines, l => l.Contains("acquirer simulator", StringComparison.Ordinal) &&
            l.Contains("\"@l\":\"Warning\"", StringComparison.Ordinal));
    }

    private static string Flatten(Exception e) => e.InnerException is null ? e.Message : e.Message + " | " + Flatten(e.InnerException);

    private sealed class ProductionApp(string processor) : VioPayApp
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseEnvironment("Production");
            builder.UseSetting("Payments:Processor", processor);
        }
    }

    private sealed class ProductionWithoutLmk : VioPayApp
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseEnvironment("Production");
            builder.UseSetting("Security:LocalMasterKey", "");
        }
    }
}
