using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Infrastructure.Security;

namespace VioPay.Api.Sessions;

/// <summary>
/// The RS256 key local mode signs tokens with. It lives in PostgreSQL under the LMK, so every
/// instance signs and validates with the same key; the first instance to need it creates it, and
/// a race between two first instances is settled by the primary key (the loser reads the winner's).
/// </summary>
public sealed class LocalSigningKey(IServiceScopeFactory scopes, LocalMasterKey lmk)
{
    public const string Name = "token-signing-rs256";
    private readonly SemaphoreSlim _gate = new(1, 1);
    private RsaSecurityKey? _key;

    public async Task<RsaSecurityKey> GetAsync(CancellationToken cancellationToken = default)
    {
        if (_key is not null)
        {
            return _key;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            return _key ??= await LoadOrCreateAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<RsaSecurityKey> LoadOrCreateAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
        var stored = await db.ServerKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Name == Name, cancellationToken);
        if (stored is null)
        {
            using var fresh = RSA.Create(2048);
            var pkcs8 = fresh.ExportPkcs8PrivateKey();
            var block = lmk.Protect(StoredKeys.ServerKey(Name), pkcs8);
            CryptographicOperations.ZeroMemory(pkcs8);
            await db.Database.ExecuteSqlInterpolatedAsync(
                $"INSERT INTO server_keys (name, key_block, created_at) VALUES ({Name}, {block}, {DateTimeOffset.UtcNow}) ON CONFLICT (name) DO NOTHING",
                cancellationToken);
            stored = await db.ServerKeys.AsNoTracking().FirstAsync(k => k.Name == Name, cancellationToken);
        }

        var der = lmk.Unprotect(StoredKeys.ServerKey(Name), stored.KeyBlock);
        var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(der, out _);
        CryptographicOperations.ZeroMemory(der);
        var publicKey = rsa.ExportSubjectPublicKeyInfo();
        return new RsaSecurityKey(rsa)
        {
            KeyId = Base64UrlEncoder.Encode(SHA256.HashData(publicKey))[..16],
        };
    }
}

/// <summary>Feeds JwtBearer the local issuer and key the same way Keycloak's metadata would.</summary>
public sealed class LocalTokenConfiguration(LocalSigningKey key, IOptions<AuthOptions> options)
    : IConfigurationManager<OpenIdConnectConfiguration>
{
    public async Task<OpenIdConnectConfiguration> GetConfigurationAsync(CancellationToken cancel)
    {
        var configuration = new OpenIdConnectConfiguration { Issuer = options.Value.Local.Issuer };
        configuration.SigningKeys.Add(await key.GetAsync(cancel));
        return configuration;
    }

    public void RequestRefresh()
    {
        // The key never changes while the process runs; nothing to refresh.
    }
}
