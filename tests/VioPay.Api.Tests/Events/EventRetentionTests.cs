using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using VioPay.Api.Events;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Events;

/// <summary>
/// <c>Webhooks:EventRetentionDays</c>: events past it go with their deliveries and attempts, unless a delivery is still
/// pending; recent ones stay. Its own app (its own database), because the purge reads the oldest events of the table.
/// </summary>
public sealed class EventRetentionTests
{
    [Fact]
    public async Task EventsPastTheRetentionAreDeletedWithTheirDeliveriesUnlessOneIsStillPending()
    {
        await using var app = new WebhookApp().With("Webhooks:EventRetentionDays", "30");
        await app.InitializeAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        var (_, portal, _) = await app.ActivatedTerminalAsync();
        var healthy = await portal.CreateEndpointAsync(receiver.Url("/ok"), "charge.expired");
        var failing = await portal.CreateEndpointAsync(receiver.Url("/down"), "charge.expired");
        receiver.Answer = () => 200;

        var old = await portal.PingAsync(healthy.Id);
        await receiver.WaitForEventAsync(old);
        var recent = await portal.PingAsync(healthy.Id);
        await receiver.WaitForEventAsync(recent);
        receiver.Answer = () => 500;
        var stillOwed = await portal.PingAsync(failing.Id);
        await receiver.WaitForEventAsync(stillOwed, 500);

        using (var scope = app.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
            foreach (var id in new[] { old, stillOwed })
            {
                await db.Database.ExecuteSqlAsync($"UPDATE events SET created_at = now() - interval '31 days' WHERE id = {id}");
            }
        }

        var dispatcher = app.Services.GetServices<IHostedService>().OfType<WebhookDispatcher>().Single();
        await dispatcher.PurgeAsync(default);

        using (var scope = app.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
            Assert.False(await db.Events.AnyAsync(e => e.Id == old));
            Assert.False(await db.WebhookDeliveries.AnyAsync(d => d.EventId == old));
            Assert.False(await db.WebhookDeliveryAttempts.AnyAsync(a => a.EventId == old));
            // Its delivery is still being retried: kept, old as it is.
            Assert.True(await db.Events.AnyAsync(e => e.Id == stillOwed));
            Assert.True(await db.WebhookDeliveries.AnyAsync(d => d.EventId == stillOwed && d.Status == DeliveryStatus.Pending));
            Assert.True(await db.Events.AnyAsync(e => e.Id == recent));
            Assert.True(await db.WebhookDeliveryAttempts.AnyAsync(a => a.EventId == recent));
        }

        await (await portal.GetAsync($"/merchant/events/{old}")).AssertErrorAsync(System.Net.HttpStatusCode.NotFound, "4004");
    }
}
