using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using VioPay.Api.Tenancy;
using VioPay.Crypto;

namespace VioPay.Api.Events;

/// <summary>
/// A merchant's webhook endpoint (PROTOCOL §13.1). The signing secret is kept only as a key block under the LMK
/// (<see cref="Infrastructure.Security.StoredKeys.WebhookSecret"/>) and answered once, at creation. A deleted endpoint keeps
/// its row (its delivery attempts still name it) but receives nothing more.
/// </summary>
public sealed class WebhookEndpoint
{
    /// <summary><c>we_</c> + 24 base62 characters.</summary>
    public required string Id { get; set; }

    public Guid MerchantId { get; set; }
    public required string Url { get; set; }

    /// <summary>Event types of PROTOCOL §13.3, or the single entry <c>*</c> for all of them.</summary>
    public required List<string> Events { get; set; }

    public string? Description { get; set; }

    /// <summary>The secret (<c>whsec_</c> + 32 base62, as UTF-8) wrapped under the LMK, bound to this endpoint's id.</summary>
    public required string SecretBlock { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? DeletedAt { get; set; }

    public static string NewId() => "we_" + SecureIds.Base62(24);

    public static string NewSecret() => "whsec_" + SecureIds.Base62(32);

    /// <summary>The one <see cref="Events"/> entry that subscribes to every type (the fan-out reads it in SQL).</summary>
    public const string Wildcard = "*";
}

internal sealed class WebhookEndpointConfiguration : IEntityTypeConfiguration<WebhookEndpoint>
{
    public void Configure(EntityTypeBuilder<WebhookEndpoint> builder)
    {
        builder.ToTable("webhook_endpoints");
        builder.Property(e => e.Id).HasMaxLength(27);
        builder.Property(e => e.Url).HasMaxLength(WebhookUrls.MaxLength);
        builder.Property(e => e.Description).HasMaxLength(WebhookEndpointsApi.MaxDescriptionLength);
        builder.HasIndex(e => new { e.MerchantId, e.CreatedAt }).HasFilter("deleted_at IS NULL");
        builder.HasOne<Merchant>().WithMany().HasForeignKey(e => e.MerchantId).OnDelete(DeleteBehavior.Restrict);
    }
}
