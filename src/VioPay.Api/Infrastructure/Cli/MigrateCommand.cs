using System.CommandLine;
using Microsoft.EntityFrameworkCore;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Infrastructure.Security;

namespace VioPay.Api.Infrastructure.Cli;

/// <summary><c>migrate</c>: the schema, then the LMK record, then the one-off re-wrap of legacy key blocks.</summary>
internal static class MigrateCommand
{
    public static IEnumerable<Command> Build(AdminCli cli) =>
    [
        cli.Define("migrate",
            "Applies pending schema migrations, records the LMK's KCV on a fresh database (or refuses another LMK than " +
            "the recorded one), and re-wraps legacy key blocks with their binding. Idempotent; run it before serving.",
            MigrateAsync, checksLmk: false),
    ];

    private static async Task<object> MigrateAsync(ParseResult parse, IServiceProvider services)
    {
        var db = services.GetRequiredService<VioPayDbContext>();
        var lmk = services.GetRequiredService<LocalMasterKey>();
        var pending = (await db.Database.GetPendingMigrationsAsync()).ToList();
        // No command timeout while migrating: an index built CONCURRENTLY on a large table (HotPathIndexes) takes as long
        // as it takes, and a client-side cancel would leave an invalid index behind on every attempt.
        db.Database.SetCommandTimeout(TimeSpan.Zero);
        await db.Database.MigrateAsync();
        // The LMK is checked once the schema has its table, and before anything is written under it.
        var check = await LmkCheck.VerifyAsync(db, lmk, recordIfAbsent: true, CancellationToken.None);
        if (!check.Ok)
        {
            throw new InvalidOperationException(check.Error);
        }

        // After the schema: re-wrap stored keys written before they were bound to their purpose and owner (idempotent).
        var rebound = await new StoredKeyRebinding(db, lmk).RunAsync(CancellationToken.None);
        return new { status = "ok", applied = pending, rebound_keys = rebound, lmk_kcv = lmk.Kcv };
    }
}
