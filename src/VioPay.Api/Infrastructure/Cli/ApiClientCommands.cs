using System.CommandLine;
using Microsoft.EntityFrameworkCore;
using VioPay.Api.Audit;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Infrastructure.Security;
using VioPay.Api.Tenancy;
using VioPay.Crypto;

namespace VioPay.Api.Infrastructure.Cli;

/// <summary>A merchant's machine-to-machine credentials: created, listed, revoked, their secret replaced.</summary>
internal sealed class ApiClientCommands
{
    private readonly Option<Guid> Merchant = new("--merchant") { Description = "The merchant's id (UUID).", Required = true };
    private readonly Option<Guid> MerchantFilter = new("--merchant") { Description = "Only this merchant's clients (UUID)." };
    private readonly Option<string> ClientId = new("--client-id") { Description = "The client id (mrc_…).", Required = true };

    public IEnumerable<Command> Build(AdminCli cli) =>
    [
        cli.Define("create-api-client", "Creates an API client for a merchant; answers client_id and client_secret (printed once).",
            CreateAsync, [Merchant]),
        cli.Define("list-api-clients", "Lists API clients (all, or one merchant's), with created_at and revoked_at; never secrets.",
            ListAsync, [MerchantFilter]),
        cli.Define("revoke-api-client",
            "Revokes an API client: it can get no new session token, and tokens already issued stop working at once. Idempotent.",
            RevokeAsync, [ClientId]),
        cli.Define("rotate-api-client-secret",
            "Replaces an API client's secret; answers the new client_secret (printed once). The old one stops working at once.",
            RotateSecretAsync, [ClientId]),
    ];

    private async Task<object> CreateAsync(ParseResult parse, IServiceProvider services)
    {
        var db = services.GetRequiredService<VioPayDbContext>();
        var hashing = services.GetRequiredService<SecretHashing>();
        var merchantId = parse.GetValue(Merchant);
        if (!await db.Merchants.AnyAsync(m => m.Id == merchantId))
        {
            throw new ArgumentException($"Merchant {merchantId} not found.");
        }

        var now = DateTimeOffset.UtcNow;
        var clientId = "mrc_" + SecureIds.Base62(20);
        var secret = SecureIds.Base62(43);
        var user = new User { Id = Guid.NewGuid(), Subject = "client:" + clientId, MerchantId = merchantId, CreatedAt = now };
        db.Users.Add(user);
        db.ApiClients.Add(new MerchantApiClient
        {
            Id = Guid.NewGuid(),
            ClientId = clientId,
            MerchantId = merchantId,
            UserId = user.Id,
            SecretVerifier = hashing.ClientSecretVerifier(clientId, secret),
            CreatedAt = now,
        });
        AuditLog.Record(db, TimeProvider.System, Actor.Admin, "api_client.created", merchantId: merchantId, data: new { client_id = clientId });
        await db.SaveChangesAsync();
        return new { client_id = clientId, client_secret = secret, merchant_id = merchantId };
    }

    private async Task<object> ListAsync(ParseResult parse, IServiceProvider services)
    {
        var db = services.GetRequiredService<VioPayDbContext>();
        var query = db.ApiClients.AsNoTracking();
        if (parse.GetResult(MerchantFilter) is { Implicit: false })
        {
            var merchantId = parse.GetValue(MerchantFilter);
            query = query.Where(c => c.MerchantId == merchantId);
        }

        var clients = await query.OrderBy(c => c.CreatedAt).ThenBy(c => c.ClientId)
            .Select(c => new { client_id = c.ClientId, merchant_id = c.MerchantId, created_at = c.CreatedAt, revoked_at = c.RevokedAt })
            .ToListAsync();
        return new { api_clients = clients };
    }

    private async Task<object> RevokeAsync(ParseResult parse, IServiceProvider services)
    {
        var db = services.GetRequiredService<VioPayDbContext>();
        var client = await FindAsync(db, parse.GetRequiredValue(ClientId));
        if (client.RevokedAt is null)
        {
            client.RevokedAt = DateTimeOffset.UtcNow;
            AuditLog.Record(db, TimeProvider.System, Actor.Admin, "api_client.revoked", merchantId: client.MerchantId,
                data: new { client_id = client.ClientId });
            await db.SaveChangesAsync();
        }

        return new { client_id = client.ClientId, merchant_id = client.MerchantId, revoked_at = client.RevokedAt };
    }

    private async Task<object> RotateSecretAsync(ParseResult parse, IServiceProvider services)
    {
        var db = services.GetRequiredService<VioPayDbContext>();
        var client = await FindAsync(db, parse.GetRequiredValue(ClientId));
        if (client.RevokedAt is not null)
        {
            throw new InvalidOperationException($"API client {client.ClientId} is revoked; create a new one.");
        }

        var secret = SecureIds.Base62(43);
        client.SecretVerifier = services.GetRequiredService<SecretHashing>().ClientSecretVerifier(client.ClientId, secret);
        AuditLog.Record(db, TimeProvider.System, Actor.Admin, "api_client.secret_rotated", merchantId: client.MerchantId,
            data: new { client_id = client.ClientId });
        await db.SaveChangesAsync();
        return new { client_id = client.ClientId, client_secret = secret, merchant_id = client.MerchantId };
    }

    private static async Task<MerchantApiClient> FindAsync(VioPayDbContext db, string clientId) =>
        await db.ApiClients.FirstOrDefaultAsync(c => c.ClientId == clientId)
        ?? throw new ArgumentException($"API client {clientId} not found.");
}
