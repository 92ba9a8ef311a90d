using System.CommandLine;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VioPay.Api.Audit;
using VioPay.Api.Devices;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Sessions;
using VioPay.Api.Tenancy;
using VioPay.Crypto;

namespace VioPay.Api.Infrastructure.Cli;

/// <summary>Resellers, merchants, users and devices: the bootstrap of a fresh database (README, "Admin CLI").</summary>
internal sealed class TenantCommands
{
    private readonly Option<string> Name = new("--name") { Description = "Display name.", Required = true };
    private readonly Option<Guid> Reseller = new("--reseller") { Description = "The reseller's id (UUID)." };
    private readonly Option<Guid> Merchant = new("--merchant") { Description = "The merchant's id (UUID)." };
    private readonly Option<Guid> RequiredReseller = new("--reseller") { Description = "The reseller's id (UUID).", Required = true };
    private readonly Option<string> MerchantKey = new("--key") { Description = "The public merchant key (default: mk_ + 16 random characters)." };
    private readonly Option<string> Label = new("--label") { Description = "The device's label." };
    private readonly Option<string> Model = new("--model") { Description = "The device's model, e.g. PAX-A920." };
    private readonly Option<string> Subject = new("--subject") { Description = "The token subject (default: user: + 16 random hex)." };
    private readonly Option<string> Email = new("--email") { Description = "The user's e-mail address." };
    private readonly Option<Guid> User = new("--user") { Description = "The user's id (UUID).", Required = true };

    public IEnumerable<Command> Build(AdminCli cli) =>
    [
        cli.Define("create-reseller", "Creates a reseller; answers its reseller_id.", CreateResellerAsync, [Name]),
        cli.Define("create-merchant", "Creates a merchant under a reseller; answers its merchant_id and merchant_key.",
            CreateMerchantAsync, [RequiredReseller, Name, MerchantKey]),
        cli.Define("list-merchants", "Lists merchants (all, or one reseller's with --reseller), oldest first.",
            ListMerchantsAsync, [Reseller]),
        OneOf(cli.Define("provision-device",
            "Provisions a device into a merchant (--merchant) or a reseller's inventory (--reseller); answers its id, " +
            "identity key and ZMK (printed once).", ProvisionDeviceAsync, [Merchant, Reseller, Label, Model])),
        OneOf(cli.Define("create-user", "Creates a user scoped to a merchant (--merchant) or a reseller (--reseller).",
            CreateUserAsync, [Merchant, Reseller, Subject, Email])),
        cli.Define("mint-user-token", "Issues a Bearer token for a user (Auth:Mode=Local only).", MintUserTokenAsync, [User]),
    ];

    /// <summary>Exactly one of --merchant and --reseller: a usage error otherwise.</summary>
    private Command OneOf(Command command)
    {
        command.Validators.Add(result =>
        {
            var given = (result.GetResult(Merchant) is { Implicit: false } ? 1 : 0) + (result.GetResult(Reseller) is { Implicit: false } ? 1 : 0);
            if (given != 1)
            {
                result.AddError("Give exactly one of --merchant and --reseller.");
            }
        });
        return command;
    }

    private async Task<object> CreateResellerAsync(ParseResult parse, IServiceProvider services)
    {
        var db = services.GetRequiredService<VioPayDbContext>();
        var reseller = new Reseller { Id = Guid.NewGuid(), Name = parse.GetRequiredValue(Name), CreatedAt = DateTimeOffset.UtcNow };
        db.Resellers.Add(reseller);
        AuditLog.Record(db, TimeProvider.System, Actor.Admin, "reseller.created", data: new { reseller_id = reseller.Id });
        await db.SaveChangesAsync();
        return new { reseller_id = reseller.Id, name = reseller.Name };
    }

    private async Task<object> CreateMerchantAsync(ParseResult parse, IServiceProvider services)
    {
        var db = services.GetRequiredService<VioPayDbContext>();
        var resellerId = parse.GetValue(RequiredReseller);
        if (!await db.Resellers.AnyAsync(r => r.Id == resellerId))
        {
            throw new ArgumentException($"Reseller {resellerId} not found.");
        }

        var now = DateTimeOffset.UtcNow;
        var name = parse.GetRequiredValue(Name);
        var merchant = new Merchant
        {
            Id = Guid.NewGuid(),
            ResellerId = resellerId,
            Name = name,
            MerchantKey = parse.GetValue(MerchantKey) ?? "mk_" + SecureIds.Base62(16),
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Merchants.Add(merchant);
        AuditLog.Record(db, TimeProvider.System, Actor.Admin, "merchant.created", merchantId: merchant.Id);
        await db.SaveChangesAsync();
        return new { merchant_id = merchant.Id, reseller_id = resellerId, merchant_key = merchant.MerchantKey, name };
    }

    private async Task<object> ListMerchantsAsync(ParseResult parse, IServiceProvider services)
    {
        var db = services.GetRequiredService<VioPayDbContext>();
        var query = db.Merchants.AsNoTracking();
        if (parse.GetResult(Reseller) is { Implicit: false })
        {
            var resellerId = parse.GetValue(Reseller);
            query = query.Where(m => m.ResellerId == resellerId);
        }

        var merchants = await query.OrderBy(m => m.CreatedAt).ThenBy(m => m.Id)
            .Select(m => new { merchant_id = m.Id, reseller_id = m.ResellerId, name = m.Name, merchant_key = m.MerchantKey, created_at = m.CreatedAt })
            .ToListAsync();
        return new { merchants };
    }

    private async Task<object> ProvisionDeviceAsync(ParseResult parse, IServiceProvider services)
    {
        var db = services.GetRequiredService<VioPayDbContext>();
        Guid resellerId;
        Guid? merchantId = null;
        if (parse.GetResult(Merchant) is { Implicit: false })
        {
            merchantId = parse.GetValue(Merchant);
            resellerId = await db.Merchants.Where(m => m.Id == merchantId).Select(m => (Guid?)m.ResellerId).FirstOrDefaultAsync()
                ?? throw new ArgumentException($"Merchant {merchantId} not found.");
        }
        else
        {
            resellerId = parse.GetValue(Reseller);
            if (!await db.Resellers.AnyAsync(r => r.Id == resellerId))
            {
                throw new ArgumentException($"Reseller {resellerId} not found.");
            }
        }

        return await services.GetRequiredService<DeviceProvisioning>().ProvisionAsync(resellerId, merchantId, parse.GetValue(Label),
            parse.GetValue(Model), Actor.Admin, CancellationToken.None);
    }

    private async Task<object> CreateUserAsync(ParseResult parse, IServiceProvider services)
    {
        var db = services.GetRequiredService<VioPayDbContext>();
        Guid? merchantId = parse.GetResult(Merchant) is { Implicit: false } ? parse.GetValue(Merchant) : null;
        Guid? resellerId = merchantId is null ? parse.GetValue(Reseller) : null;
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
            Subject = parse.GetValue(Subject) ?? "user:" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant(),
            Email = parse.GetValue(Email),
            MerchantId = merchantId,
            ResellerId = resellerId,
            CreatedAt = DateTimeOffset.UtcNow,
        };
        db.Users.Add(user);
        AuditLog.Record(db, TimeProvider.System, Actor.Admin, "user.created", merchantId: merchantId, data: new { user_id = user.Id });
        await db.SaveChangesAsync();
        return new { user_id = user.Id, subject = user.Subject, merchant_id = merchantId, reseller_id = resellerId };
    }

    private async Task<object> MintUserTokenAsync(ParseResult parse, IServiceProvider services)
    {
        if (services.GetRequiredService<IOptions<AuthOptions>>().Value.Mode != AuthMode.Local)
        {
            throw new InvalidOperationException("mint-user-token works only with Auth:Mode=Local; with Keycloak, log in through Keycloak.");
        }

        var db = services.GetRequiredService<VioPayDbContext>();
        var userId = parse.GetValue(User);
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId)
            ?? throw new ArgumentException($"User {userId} not found.");
        var token = await services.GetRequiredService<ITokenIssuer>().IssueAsync(user.Subject, null, CancellationToken.None);
        return new { access_token = token.AccessToken, token_type = "Bearer", expires_in = token.ExpiresIn };
    }
}
