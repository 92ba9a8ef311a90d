using VioPay.Api.Backoffice;
using VioPay.Api.Events;
using VioPay.Api.Fleet;
using VioPay.Api.Infrastructure;
using VioPay.Api.Infrastructure.Cli;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.Health;
using VioPay.Api.Infrastructure.OpenApi;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Infrastructure.Redis;
using VioPay.Api.Infrastructure.Security;
using VioPay.Api.Infrastructure.Telemetry;
using VioPay.Api.Keys;
using VioPay.Api.Payments;
using VioPay.Api.Portal;
using VioPay.Api.Pos;
using VioPay.Api.Sessions;

// `VioPay.Api <command> …` runs an admin command instead of serving (see README, "Admin CLI"); help, usage errors and
// `healthcheck` need no host.
var cli = AdminCli.Parse(args);
if (await cli.RunWithoutHostAsync() is { } exitCode)
{
    return exitCode;
}

var builder = WebApplication.CreateBuilder(cli.Serves ? args : []);

builder.AddLogging();
builder.AddTelemetry();
builder.AddVioPayOptions();
builder.AddKestrelLimits();
builder.AddForwardedHeaders();
builder.AddJson();
// Before AddErrorHandling: MVC registers routing's matcher policies again, and AddErrorHandling removes the one that
// would answer 415 before authentication (PROTOCOL §10.2).
builder.AddPortal();
builder.AddErrorHandling();
// An admin command (migrate) goes past the pooler to the primary when ConnectionStrings:PostgresDirect is set.
builder.AddPersistence(adminCommand: !cli.Serves);
builder.AddRedis();
builder.AddLocalMasterKey();
builder.AddBackofficeAuthentication();
builder.AddPosServices();
builder.AddPayments();
builder.AddEvents();
builder.AddFleet();
builder.AddHealth();
builder.AddShutdownDrain();
builder.AddApiDocumentation();

var app = builder.Build();
if (!app.CheckDatabaseConnection())
{
    return 1;
}

if (!cli.Serves)
{
    return await cli.RunAsync(app);
}

app.LogLocalMasterKey();
if (!await app.CheckLocalMasterKeyAsync())
{
    return 1;
}

app.LogPaymentProcessor();
// First, so that everything after it (rate limits included) sees the client's address, not the proxy's.
app.UseForwardedClientAddress();
// Outermost, so the line it writes has the status the client got (a 409 thrown as ApiException is logged as 409, not
// as the 500 the exception looks like before the handler answers it).
app.UseRequestLogging();
app.UseShutdownDrain();
app.UseErrorHandling();
app.UseMiddleware<RequestBodyBufferingMiddleware>();
app.UseAuthentication();
app.UseAuthorization();

app.MapApiDocumentation();
app.MapHealthApi();
app.MapMetrics();
app.MapSessionsApi();
app.MapActivationApi();
app.MapAttestApi();
app.MapKeysApi();
app.MapChargesApi();
app.MapBatchesApi();
app.MapHeartbeatApi();
app.MapMerchantDevicesApi();
app.MapMerchantSettingsApi();
app.MapTerminalParametersApi();
app.MapInventoryBackofficeApi();
app.MapChargesBackofficeApi();
app.MapChargeActionsBackofficeApi();
app.MapBatchesBackofficeApi();
app.MapWebhookEndpointsApi();
app.MapEventsApi();
app.MapPortal();

await app.RunAsync();
// 1 when a deferred LMK check stopped the instance (see CheckLocalMasterKeyAsync).
return Environment.ExitCode;

/// <summary>The entry point, public so that tests can host the app with WebApplicationFactory.</summary>
public partial class Program;
