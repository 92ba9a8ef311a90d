using VioPay.Api.Devices;
using VioPay.Api.Infrastructure.Redis;
using VioPay.Api.Infrastructure.Security;
using VioPay.Api.Keys;
using VioPay.Api.Pairing;

namespace VioPay.Api.Pos;

public static class PosServices
{
    public static WebApplicationBuilder AddPosServices(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<SecretHashing>();
        services.AddSingleton<RateLimiter>();
        services.AddSingleton<NonceStore>();
        services.AddSingleton<AttestationTokens>();
        services.AddSingleton<PairingCodes>();
        services.AddSingleton<PosHeaderValidator>();
        services.AddScoped<DeviceProvisioning>();
        services.AddScoped<DeviceClaims>();
        services.AddScoped<Backoffice.DeviceActions>();
        services.AddScoped<KeySetIssuer>();
        services.AddSingleton<PosEnvelopes>();
        return builder;
    }
}
