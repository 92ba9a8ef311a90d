using System.CommandLine;
using System.Security.Cryptography;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Infrastructure.Security;

namespace VioPay.Api.Infrastructure.Cli;

/// <summary><c>check-lmk</c> and <c>rotate-lmk</c>: the LMK against the database's record, and the move to a new one.</summary>
internal sealed class LmkCommands
{
    // The new key is read from a file or an environment variable, never from the command line, which `ps` shows.
    private readonly Option<FileInfo> NewLmkFile = new("--new-lmk-file")
    {
        Description = "A file holding the new LMK: 64 hex characters (an AES-256 key).",
    };

    private readonly Option<string> NewLmkEnv = new("--new-lmk-env")
    {
        Description = "The name of an environment variable holding the new LMK (64 hex characters).",
    };

    private readonly Option<bool> DryRun = new("--dry-run")
    {
        Description = "Counts the blocks that would be re-wrapped; changes nothing.",
    };

    public IEnumerable<Command> Build(AdminCli cli)
    {
        var rotate = cli.Define("rotate-lmk",
            "Re-wraps every stored key block from the configured LMK (Security:LocalMasterKey) to a new one, in batches, then " +
            "records the new KCV. Resumable: run it again after an interruption; blocks already under the new LMK are skipped. " +
            "Stop the API first, and start it with the new LMK after (README, \"LMK rotation\").",
            RotateAsync, [NewLmkFile, NewLmkEnv, DryRun], checksLmk: false);
        rotate.Validators.Add(result =>
        {
            var given = (result.GetResult(NewLmkFile) is { Implicit: false } ? 1 : 0) + (result.GetResult(NewLmkEnv) is { Implicit: false } ? 1 : 0);
            if (given != 1)
            {
                result.AddError("Give exactly one of --new-lmk-file and --new-lmk-env.");
            }
        });
        return
        [
            cli.Define("check-lmk",
                "Compares the configured LMK's KCV with the one recorded in the database; exits 0 when they match, 1 otherwise " +
                "(both KCVs in the JSON either way). Changes nothing.",
                CheckAsync, checksLmk: false),
            rotate,
        ];
    }

    private async Task<object> CheckAsync(ParseResult parse, IServiceProvider services)
    {
        var result = await LmkCheck.VerifyAsync(services.GetRequiredService<VioPayDbContext>(),
            services.GetRequiredService<LocalMasterKey>(), recordIfAbsent: false, CancellationToken.None);
        var body = new
        {
            status = result.Ok ? "ok" : null,
            error = result.Error,
            configured_kcv = result.ConfiguredKcv,
            recorded_kcv = result.RecordedKcv,
            rotating_to_kcv = result.RotatingToKcv,
        };
        return result.Ok ? body : new AdminCli.Failed(body);
    }

    private async Task<object> RotateAsync(ParseResult parse, IServiceProvider services)
    {
        var key = ReadNewKey(parse);
        using var next = new LocalMasterKey(key);
        CryptographicOperations.ZeroMemory(key);
        var report = await new LmkRotation(services.GetRequiredService<VioPayDbContext>(), services.GetRequiredService<LocalMasterKey>(), next)
            .RunAsync(parse.GetValue(DryRun), CancellationToken.None);
        return new
        {
            status = report.DryRun ? "dry-run" : "rotated",
            from_kcv = report.FromKcv,
            to_kcv = report.ToKcv,
            dry_run = report.DryRun,
            rewrapped = report.Rewrapped,
            tables = report.Tables.Select(t => new { table = t.Table, rewrapped = t.Rewrapped, already_under_new_lmk = t.AlreadyUnderNewLmk }),
        };
    }

    private byte[] ReadNewKey(ParseResult parse)
    {
        if (parse.GetValue(NewLmkFile) is { } file)
        {
            if (!file.Exists)
            {
                throw new ArgumentException($"--new-lmk-file: {file.FullName} does not exist.");
            }

            return SecurityExtensions.Parse(File.ReadAllText(file.FullName), file.FullName);
        }

        var variable = parse.GetRequiredValue(NewLmkEnv);
        var value = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException($"--new-lmk-env: the environment variable {variable} is not set.");
        }

        return SecurityExtensions.Parse(value, "$" + variable);
    }
}
