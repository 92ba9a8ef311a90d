using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using VioPay.Api.Infrastructure.Persistence;

namespace VioPay.Api.Infrastructure.Cli;

/// <summary>
/// The admin command mode of the API executable: <c>VioPay.Api migrate</c>, … Every command prints
/// one JSON document on stdout and exits 0, or prints <c>{"error":…}</c> and exits 1 (2 for usage).
/// </summary>
public sealed class AdminCli(string command, string[] arguments)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    public static readonly string[] Commands = ["migrate"];

    public string Command { get; } = command;

    public static AdminCli? TryParse(string[] args) =>
        args.Length > 0 && Commands.Contains(args[0]) ? new AdminCli(args[0], args[1..]) : null;

    public async Task<int> RunAsync(WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        try
        {
            object result = Command switch
            {
                "migrate" => await MigrateAsync(scope.ServiceProvider),
                _ => throw new InvalidOperationException($"Unknown command '{Command}'."),
            };
            Console.Out.WriteLine(JsonSerializer.Serialize(result, Json));
            return 0;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(new { error = e.Message }, Json));
            return 1;
        }
    }

    private static async Task<object> MigrateAsync(IServiceProvider services)
    {
        var db = services.GetRequiredService<VioPayDbContext>();
        var pending = (await db.Database.GetPendingMigrationsAsync()).ToList();
        await db.Database.MigrateAsync();
        return new { status = "ok", applied = pending };
    }

    internal string[] Arguments { get; } = arguments;
}
