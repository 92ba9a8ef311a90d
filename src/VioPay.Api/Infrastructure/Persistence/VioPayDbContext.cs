using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using VioPay.Api.Audit;
using VioPay.Api.Devices;
using VioPay.Api.Events;
using VioPay.Api.Infrastructure.Security;
using VioPay.Api.Keys;
using VioPay.Api.Payments;
using VioPay.Api.Tenancy;

namespace VioPay.Api.Infrastructure.Persistence;

/// <summary>
/// The service's PostgreSQL schema. Migrations are checked in under <c>Infrastructure/Persistence/Migrations</c>.
/// </summary>
/// <remarks>
/// Add a migration with:
/// <c>dotnet tool restore &amp;&amp; dotnet ef migrations add Name --project src/VioPay.Api --output-dir Infrastructure/Persistence/Migrations</c>
/// </remarks>
public sealed class VioPayDbContext(DbContextOptions<VioPayDbContext> options) : DbContext(options)
{
    public DbSet<Reseller> Resellers => Set<Reseller>();
    public DbSet<Merchant> Merchants => Set<Merchant>();
    public DbSet<User> Users => Set<User>();
    public DbSet<MerchantApiClient> ApiClients => Set<MerchantApiClient>();
    public DbSet<Device> Devices => Set<Device>();
    public DbSet<DeviceIdentityKey> IdentityKeys => Set<DeviceIdentityKey>();
    public DbSet<Terminal> Terminals => Set<Terminal>();
    public DbSet<KeySet> KeySets => Set<KeySet>();
    public DbSet<Charge> Charges => Set<Charge>();
    public DbSet<Refund> Refunds => Set<Refund>();
    public DbSet<IdempotencyRecord> IdempotencyRecords => Set<IdempotencyRecord>();
    public DbSet<AcquirerReversal> AcquirerReversals => Set<AcquirerReversal>();
    public DbSet<Batch> Batches => Set<Batch>();
    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();
    public DbSet<ServerKey> ServerKeys => Set<ServerKey>();
    public DbSet<LmkRecord> LmkRecord => Set<LmkRecord>();
    public DbSet<OutboxEvent> Events => Set<OutboxEvent>();
    public DbSet<WebhookEndpoint> WebhookEndpoints => Set<WebhookEndpoint>();
    public DbSet<WebhookDelivery> WebhookDeliveries => Set<WebhookDelivery>();
    public DbSet<WebhookDeliveryAttempt> WebhookDeliveryAttempts => Set<WebhookDeliveryAttempt>();
    public DbSet<Fleet.DevicePresence> DevicePresence => Set<Fleet.DevicePresence>();

    /// <summary>Terminal ids are <c>TID-</c> + this sequence's next value, zero-padded to 6 digits.</summary>
    public const string TerminalNumberSequence = "terminal_number_seq";

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasSequence<long>(TerminalNumberSequence).StartsAt(1).HasMax(999_999);
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(VioPayDbContext).Assembly);
    }
}

/// <summary>Lets <c>dotnet ef</c> build the model without starting the web host.</summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<VioPayDbContext>
{
    public VioPayDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<VioPayDbContext>();
        PersistenceExtensions.Configure(options, "Host=localhost;Database=viopay_design");
        return new VioPayDbContext(options.Options);
    }
}
