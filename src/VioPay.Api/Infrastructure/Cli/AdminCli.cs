using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using VioPay.Api.Audit;
using VioPay.Api.Devices;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Infrastructure.Security;
using VioPay.Api.Sessions;
using VioPay.Api.Tenancy;
using VioPay.Crypto;

namespace VioPay.Api.Infrastructure.Cli;

/// <summary>
/// The admin command mode of the API executable (<c>dotnet VioPay.Api.dll &lt;command&gt; [--option value]…</c>).
/// Every command prints one JSON document on stdout and exits 0, or prints <c>{"error":…}</c> and exits 1.
/// Secrets it creates are printed once and stored only under the LMK or as verifiers.
/// </summary>
public sealed class AdminCli(string command, Dictionary<string, string> options)
{
    private static readonly JsonSerializerOptions Json = CreateJson();

    public static readonly string[] Commands =
    [
        "migrate", "create-reseller", "create-merchant", "create-api-client", "provision-device", "create-user", "mint-user-token",
    ];

    public static AdminCli? TryParse(string[] args)
    {
        if (args.Length == 0 || !Commands.Contains(args[0]))
        {
            return null;
        }

        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Unexpected argument '{args[i]}'.");
            }

            options[args[i][2..]] = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "true";
        }

        return new AdminCli(args[0], options);
    }

    public async Task<int> RunAsync(WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var services = scope.ServiceProvider;
        try
        {
            object result = command switch
            {
                "migrate" => await MigrateAsync(services),
                "create-reseller" => await CreateResellerAsync(services),
                "create-merchant" => await CreateMerchantAsync(services),
                "create-api-client" => await CreateApiClientAsync(services),
                "provision-device" => await ProvisionDeviceAsync(services),
                "create-user" => await CreateUserAsync(services),
                "mint-user-token" => await MintUserTokenAsync(services),
                _ => throw new ArgumentException($"Unknown command '{command}'."),
            };
            Console.Out.WriteLine(JsonSerializer.Serialize(result, Json));
            return 0;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException or DbUpdateException)
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
        // After the schema: re-wrap stored keys written before they were bound to their purpose and owner (idempotent).
        var rebound = await new StoredKeyRebinding(db, services.GetRequiredService<LocalMasterKey>()).RunAsync(CancellationToken.None);
        return new { status = "ok", applied = pending, rebound_keys = rebound };
    }

    private async Task<object> CreateResellerAsync(IServiceProvider services)
    {
        var db = services.GetRequiredService<VioPayDbContext>();
        var reseller = new Reseller { Id = Guid.NewGuid(), Name = Required("name"), CreatedAt = DateTimeOffset.UtcNow };
        db.Resellers.Add(reseller);
        AuditLog.Record(db, TimeProvider.System, Actor.Admin, "reseller.created", data: new { reseller_id = reseller.Id });
        await db.SaveChangesAsync();
        return new { reseller_id = reseller.Id, name = reseller.Name };
    }

    private async Task<object> CreateMerchantAsync(IServiceProvider services)
    {
        var db = services.GetRequiredService<VioPayDbContext>();
        var resellerId = RequiredGuid("reseller");
        if (!await db.Resellers.AnyAsync(r => r.Id == resellerId))
        {
            throw new ArgumentException($"Reseller {resellerId} not found.");
        }

        var now = DateTimeOffset.UtcNow;
        var name = Required("name");
        var merchant = new Merchant
        {
            Id = Guid.NewGuid(),
            ResellerId = resellerId,
            Name = name,
            MerchantKey = options.GetValueOrDefault("key") ?? "mk_" + SecureIds.Base62(16),
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Merchants.Add(merchant);
        AuditLog.Record(db, TimeProvider.System, Actor.Admin, "merchant.created", merchantId: merchant.Id);
        await db.SaveChangesAsync();
        return new { merchant_id = merchant.Id, reseller_id = resellerId, merchant_key = merchant.MerchantKey, name };
    }

    private async Task<object> CreateApiClientAsync(IServiceProvider services)
    {
        var db = services.GetRequiredService<VioPayDbContext>();
        var hashing = services.GetRequiredService<SecretHashing>();
        var merchantId = RequiredGuid("merchant");
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

    private async Task<object> ProvisionDeviceAsync(IServiceProvider services)
    {
        var db = services.GetRequiredService<VioPayDbContext>();
        var provisioning = services.GetRequiredService<DeviceProvisioning>();
        Guid resellerId;
        Guid? merchantId = null;
        if (options.ContainsKey("merchant"))
        {
            merchantId = RequiredGuid("merchant");
            resellerId = await db.Merchants.Where(m => m.Id == merchantId).Select(m => (Guid?)m.ResellerId).FirstOrDefaultAsync()
                ?? throw new ArgumentException($"Merchant {merchantId} not found.");
        }
        else
        {
            resellerId = RequiredGuid("reseller");
            if (!await db.Resellers.AnyAsync(r => r.Id == resellerId))
            {
                throw new ArgumentException($"Reseller {resellerId} not found.");
            }
        }

        return await provisioning.ProvisionAsync(resellerId, merchantId, options.GetValueOrDefault("label"),
            options.GetValueOrDefault("model"), Actor.Admin, CancellationToken.None);
    }

    private async Task<object> CreateUserAsync(IServiceProvider services)
    {
        var db = services.GetRequiredService<VioPayDbContext>();
        Guid? merchantId = options.ContainsKey("merchant") ? RequiredGuid("merchant") : null;
        Guid? resellerId = merchantId is null ? RequiredGuid("reseller") : null;
        if (merchantId is not null && !await db.Merchants.AnyAsync(m => m.Id == merchantId))
        {
            throw new ArgumentException($"Merchant {merchantId} not found.");
        }

        if (resellerId is not null && !await db.Resellers.AnyAsync(r => r.Id == resellerId))
        {
            throw new ArgumentException($"Reseller {resellerId} not found.");
        }

        var user = new User
        {
            Id = Guid.NewGuid(),
            Subject = options.GetValueOrDefault("subject") ?? "user:" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant(),
            Email = options.GetValueOrDefault("email"),
            MerchantId = merchantId,
            ResellerId = resellerId,
            CreatedAt = DateTimeOffset.UtcNow,
        };
        db.Users.Add(user);
        AuditLog.Record(db, TimeProvider.System, Actor.Admin, "user.created", merchantId: merchantId, data: new { user_id = user.Id });
        await db.SaveChangesAsync();
        return new { user_id = user.Id, subject = user.Subject, merchant_id = merchantId, reseller_id = resellerId };
    }

    private async Task<object> MintUserTokenAsync(IServiceProvider services)
    {
        if (services.GetRequiredService<Microsoft.Extensions.Options.IOptions<AuthOptions>>().Value.Mode != AuthMode.Local)
        {
            throw new InvalidOperationException("mint-user-token works only with Auth:Mode=Local; with Keycloak, log in through Keycloak.");
        }

        var db = services.GetRequiredService<VioPayDbContext>();
        var userId = RequiredGuid("user");
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId)
            ?? throw new ArgumentException($"User {userId} not found.");
        var token = await services.GetRequiredService<ITokenIssuer>().IssueAsync(user.Subject, null, CancellationToken.None);
        return new { access_token = token.AccessToken, token_type = "Bearer", expires_in = token.ExpiresIn };
    }

    private string Required(string name) =>
        options.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) && value != "true"
            ? value
            : throw new ArgumentException($"--{name} is required.");

    private Guid RequiredGuid(string name) =>
        Guid.TryParse(Required(name), out var id) ? id : throw new ArgumentException($"--{name} must be a UUID.");

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions { WriteIndented = true };
        JsonExtensions.Apply(options);
        return options;
    }
}
