using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Portal;

/// <summary>
/// The portal's data-protection keys sign and encrypt its cookies; they are shared through Redis, so they are stored
/// there only encrypted under an LMK-derived key: Redis access alone must not let anyone forge a portal session.
/// </summary>
public sealed class PortalKeyStorageTests(PortalApp app) : IClassFixture<PortalApp>
{
    [Fact]
    public async Task Data_protection_keys_reach_redis_only_encrypted_under_the_lmk()
    {
        var merchant = await app.CreateMerchantAsync();
        var client = await app.FormClient().SignedInAsync(merchant);
        Assert.Contains("Devices", await client.GetStringAsync("/portal/devices"), StringComparison.Ordinal);

        var redis = app.Services.GetRequiredService<IConnectionMultiplexer>();
        var server = redis.GetServers().First();
        var stored = new List<string>();
        await foreach (var key in server.KeysAsync(pattern: app.RedisPrefix + "*dataprotection*"))
        {
            stored.AddRange((await redis.GetDatabase().ListRangeAsync(key)).Select(v => v.ToString()));
        }

        Assert.NotEmpty(stored);
        Assert.All(stored, xml =>
        {
            Assert.Contains("LmkXmlDecryptor", xml, StringComparison.Ordinal);
            // An unencrypted key carries its secret as <masterKey><value>base64</value></masterKey>.
            Assert.DoesNotContain("masterKey", xml, StringComparison.Ordinal);
        });
    }
}
