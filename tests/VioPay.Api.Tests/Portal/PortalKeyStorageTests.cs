using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
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

    [Fact]
    public async Task A_key_written_to_redis_in_clear_is_ignored()
    {
        var merchant = await app.CreateMerchantAsync();
        await app.FormClient().SignedInAsync(merchant);
        var redis = app.Services.GetRequiredService<IConnectionMultiplexer>();
        var listKey = await app.FirstKeyAsync(redis, app.RedisPrefix + "*dataprotection*");
        var sealedKey = XElement.Parse((await redis.GetDatabase().ListRangeAsync(listKey)).First().ToString());

        // What an attacker with Redis write access would add: the same key shape with its own master key in clear.
        var forged = new XElement(sealedKey);
        var forgedId = Guid.NewGuid().ToString();
        forged.SetAttributeValue("id", forgedId);
        var secret = forged.Descendants().First(d => d.Name.LocalName == "encryptedSecret");
        secret.ReplaceWith(new XElement("masterKey", new XElement("value", Convert.ToBase64String(new byte[64]))));
        var forgedXml = forged.ToString(SaveOptions.DisableFormatting);
        await redis.GetDatabase().ListRightPushAsync(listKey, forgedXml);
        try
        {
            var repository = app.Services.GetRequiredService<IOptions<KeyManagementOptions>>().Value.XmlRepository!;
            var ids = repository.GetAllElements().Select(e => (string?)e.Attribute("id")).ToList();
            Assert.Contains((string?)sealedKey.Attribute("id"), ids);
            Assert.DoesNotContain(forgedId, ids);
        }
        finally
        {
            // The class shares one app (and key list) with the test that checks every stored key is sealed.
            await redis.GetDatabase().ListRemoveAsync(listKey, forgedXml);
        }
    }
}

internal static class RedisScan
{
    public static async Task<RedisKey> FirstKeyAsync(this VioPayApp app, IConnectionMultiplexer redis, string pattern)
    {
        await foreach (var key in redis.GetServers().First().KeysAsync(pattern: pattern))
        {
            return key;
        }

        throw new Xunit.Sdk.XunitException($"no Redis key matches {pattern} (app {app.RedisPrefix})");
    }
}
