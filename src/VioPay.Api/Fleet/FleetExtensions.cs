using VioPay.Api.Backoffice;

namespace VioPay.Api.Fleet;

public static class FleetExtensions
{
    /// <summary>Heartbeats, connectivity, device views and the offline sweep (PROTOCOL §13.4–§13.5).</summary>
    public static WebApplicationBuilder AddFleet(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<Connectivity>();
        services.AddScoped<DeviceViews>();
        services.AddScoped<Heartbeats>();
        services.AddSingleton<OfflineSweep>();
        services.AddHostedService(sp => sp.GetRequiredService<OfflineSweep>());
        return builder;
    }
}
