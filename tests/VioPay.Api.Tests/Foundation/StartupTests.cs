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
                     "idempotency_records", "audit_events", "acquirer_reversals", "server_keys" })
        {
            Assert.Contains(table, tables);
        }
    }

    private static string Flatten(Exception e) => e.InnerException is null ? e.Message : e.Message + " | " + Flatten(e.InnerException);

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
