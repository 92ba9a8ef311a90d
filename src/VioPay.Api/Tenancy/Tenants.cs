using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace VioPay.Api.Tenancy;

/// <summary>A reseller owns merchants and may hold an inventory of devices any of them can claim.</summary>
public sealed class Reseller
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

public sealed class Merchant
{
    public const string DefaultSettings = """{"tip_info":{},"tax_info":{},"surcharge_info":{}}""";
    public const string DefaultTerminalParameters = "{}";

    public Guid Id { get; set; }
    public Guid ResellerId { get; set; }

    /// <summary>The public merchant key shown to terminals in their config (<c>mk_…</c>).</summary>
    public required string MerchantKey { get; set; }

    public required string Name { get; set; }

    /// <summary>Tip, tax and surcharge JSON that <c>/pos/config</c> serves.</summary>
    public string SettingsJson { get; set; } = DefaultSettings;

    /// <summary>The legacy terminal parameters JSON that <c>/pos/terminal-parameters</c> serves.</summary>
    public string TerminalParametersJson { get; set; } = DefaultTerminalParameters;

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>A person or service identity; scoped to one merchant or one reseller.</summary>
public sealed class User
{
    public Guid Id { get; set; }

    /// <summary>The token subject (<c>sub</c>) this user is known by.</summary>
    public required string Subject { get; set; }

    public string? Email { get; set; }
    public Guid? MerchantId { get; set; }
    public Guid? ResellerId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A merchant's machine-to-machine credentials; the secret is kept only as a verifier.</summary>
public sealed class MerchantApiClient
{
    public Guid Id { get; set; }
    public required string ClientId { get; set; }
    public Guid MerchantId { get; set; }

    /// <summary>The user the client acts as.</summary>
    public Guid UserId { get; set; }

    /// <summary>Verifier of the client secret: <c>hmac-sha256$</c> + HMAC under an LMK-derived key (see SecretHashing).</summary>
    public required string SecretVerifier { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
}

internal sealed class ResellerConfiguration : IEntityTypeConfiguration<Reseller>
{
    public void Configure(EntityTypeBuilder<Reseller> builder)
    {
        builder.ToTable("resellers");
        builder.Property(r => r.Name).HasMaxLength(200);
    }
}

internal sealed class MerchantConfiguration : IEntityTypeConfiguration<Merchant>
{
    public void Configure(EntityTypeBuilder<Merchant> builder)
    {
        builder.ToTable("merchants");
        builder.Property(m => m.MerchantKey).HasMaxLength(64);
        builder.HasIndex(m => m.MerchantKey).IsUnique();
        builder.Property(m => m.Name).HasMaxLength(200);
        builder.Property(m => m.SettingsJson).HasColumnType("jsonb");
        // text, not jsonb: terminals get back exactly the bytes the merchant stored, key order included.
        builder.Property(m => m.TerminalParametersJson).HasColumnType("text");
        builder.HasOne<Reseller>().WithMany().HasForeignKey(m => m.ResellerId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class UserConfiguration : IEntityTypeConfiguration<User>
{
    public void Configure(EntityTypeBuilder<User> builder)
    {
        builder.ToTable("users", t => t.HasCheckConstraint("ck_users_one_scope",
            "(merchant_id IS NULL) <> (reseller_id IS NULL)"));
        builder.Property(u => u.Subject).HasMaxLength(200);
        builder.HasIndex(u => u.Subject).IsUnique();
        builder.Property(u => u.Email).HasMaxLength(320);
        builder.HasOne<Merchant>().WithMany().HasForeignKey(u => u.MerchantId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Reseller>().WithMany().HasForeignKey(u => u.ResellerId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class MerchantApiClientConfiguration : IEntityTypeConfiguration<MerchantApiClient>
{
    public void Configure(EntityTypeBuilder<MerchantApiClient> builder)
    {
        builder.ToTable("merchant_api_clients");
        builder.Property(c => c.ClientId).HasMaxLength(100);
        builder.HasIndex(c => c.ClientId).IsUnique();
        builder.Property(c => c.SecretVerifier).HasMaxLength(300);
        builder.HasOne<Merchant>().WithMany().HasForeignKey(c => c.MerchantId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<User>().WithMany().HasForeignKey(c => c.UserId).OnDelete(DeleteBehavior.Restrict);
    }
}
