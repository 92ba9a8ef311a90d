using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace VioPay.Api.Infrastructure.Security;

/// <summary>A key of the server's own (the local token-signing key), shared by every instance, kept under the LMK.</summary>
public sealed class ServerKey
{
    public required string Name { get; set; }
    public required string KeyBlock { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class ServerKeyConfiguration : IEntityTypeConfiguration<ServerKey>
{
    public void Configure(EntityTypeBuilder<ServerKey> builder)
    {
        builder.ToTable("server_keys");
        builder.HasKey(k => k.Name);
        builder.Property(k => k.Name).HasMaxLength(64);
        builder.Property(k => k.KeyBlock).HasMaxLength(8000);
    }
}
