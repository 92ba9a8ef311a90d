using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Infrastructure.Security;
using VioPay.Api.Tests.Infrastructure;
using VioPay.Crypto;

namespace VioPay.Api.Tests.Keys;

/// <summary>The one-off re-wrap that <c>VioPay.Api migrate</c> runs after the schema migrations (issue 10 point 10).</summary>
public sealed class StoredKeyRebindingTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    private static readonly Tr31Header LegacyIdentity = new("M7", 'H', 'C', "00", 'N', [new Tr31OptionalBlock("HM", "21")]);
    private static readonly Tr31Header LegacyZmk = new("K0", 'A', 'B', "00", 'N', []);
    private static readonly Tr31Header LegacyServerKey = new("S0", 'R', 'S', "00", 'N', []);

    private string Legacy(Tr31Header header, byte[] key) => Tr31KeyBlock.Wrap(Convert.FromHexString(app.LocalMasterKeyHex), header, key);

    private async Task<RebindingReport> RunMigrationStepAsync()
    {
        using var scope = app.Services.CreateScope();
        return await new StoredKeyRebinding(scope.ServiceProvider.GetRequiredService<VioPayDbContext>(),
            scope.ServiceProvider.GetRequiredService<LocalMasterKey>()).RunAsync(CancellationToken.None);
    }

    [Fact]
    public async Task LegacyBlocksAreRefusedUntilTheMigrationStepRewrapsThemAndTheStepIsIdempotent()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        using (var scope = app.Services.CreateScope())
        {
            // Rows as the service wrote them before bindings existed: the old headers and no owner.
            var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
            var lmk = scope.ServiceProvider.GetRequiredService<LocalMasterKey>();
            var keys = terminal.ActiveKeys;
            await db.IdentityKeys.Where(k => k.KeyId == terminal.IdentityKeyId)
                .ExecuteUpdateAsync(u => u.SetProperty(k => k.SecretBlock, Legacy(LegacyIdentity, terminal.IdentitySecret)));
            await db.Devices.Where(d => d.Id == terminal.DeviceId).ExecuteUpdateAsync(u => u.SetProperty(d => d.ZmkBlock, Legacy(LegacyZmk, terminal.Zmk)));
            await db.KeySets.Where(k => k.DeviceId == terminal.DeviceId && k.Status == "active").ExecuteUpdateAsync(u => u
                .SetProperty(k => k.TmkBlock, Legacy(KeySetHeaders.For(KeySetKey.Tmk), keys["tmk"]))
                .SetProperty(k => k.KekBlock, Legacy(KeySetHeaders.For(KeySetKey.Kek), keys["kek"]))
                .SetProperty(k => k.MskBlock, Legacy(KeySetHeaders.For(KeySetKey.Msk), keys["msk"]))
                .SetProperty(k => k.TpkBlock, Legacy(KeySetHeaders.For(KeySetKey.Tpk), keys["tpk"]))
                .SetProperty(k => k.TdkBlock, Legacy(KeySetHeaders.For(KeySetKey.Tdk), keys["tdk"]))
                .SetProperty(k => k.MacBlock, Legacy(KeySetHeaders.For(KeySetKey.Mac), keys["mac"])));
            foreach (var serverKey in await db.ServerKeys.ToListAsync())
            {
                var der = lmk.Unprotect(StoredKeys.ServerKey(serverKey.Name), serverKey.KeyBlock);
                serverKey.KeyBlock = Legacy(LegacyServerKey, der);
            }

            await db.SaveChangesAsync();
        }

        var before = await terminal.Http.SendAsync(terminal.Attest());
        var error = await before.AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
        Assert.Equal("stored_key_invalid", error.GetProperty("details").GetProperty("reason").GetString());

        var report = await RunMigrationStepAsync();

        Assert.Equal(1, report.Devices);
        Assert.Equal(1, report.IdentityKeys);
        Assert.Equal(6, report.KeySets);
        Assert.Equal(1, report.ServerKeys);
        Assert.Equal(new RebindingReport(0, 0, 0, 0), await RunMigrationStepAsync());
        await terminal.AttestAsync();
        Assert.Equal("approved", (await terminal.ChargeOkAsync()).Text("status"));
        await terminal.InstallKeysAsync();
        await terminal.ConfigAsync();
        using (var scope = app.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
            var blocks = await db.KeySets.Where(k => k.DeviceId == terminal.DeviceId)
                .Select(k => new[] { k.TmkBlock, k.KekBlock, k.MskBlock, k.TpkBlock, k.TdkBlock, k.MacBlock }).ToListAsync();
            Assert.All(blocks.SelectMany(b => b), b => Assert.True(BoundKeyBlock.IsBound(b)));
        }
    }

    [Fact]
    public async Task TheMigrationStepRefusesToRewrapALegacyBlockFromAnotherColumn()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
        // A legacy TPK block (P0 A E) in the ZMK column: re-wrapping it as a ZMK would launder the swap.
        await db.Devices.Where(d => d.Id == terminal.DeviceId)
            .ExecuteUpdateAsync(u => u.SetProperty(d => d.ZmkBlock, Legacy(KeySetHeaders.For(KeySetKey.Tpk), terminal.ActiveKeys["tpk"])));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(RunMigrationStepAsync);

        Assert.Contains(terminal.DeviceId, error.Message, StringComparison.Ordinal);
        var bound = scope.ServiceProvider.GetRequiredService<LocalMasterKey>().Protect(StoredKeys.Zmk(terminal.DeviceId), terminal.Zmk);
        await db.Devices.Where(d => d.Id == terminal.DeviceId).ExecuteUpdateAsync(u => u.SetProperty(d => d.ZmkBlock, bound));
    }
}
