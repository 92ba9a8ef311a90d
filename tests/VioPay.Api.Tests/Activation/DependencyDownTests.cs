using System.Net;
using Microsoft.Extensions.DependencyInjection;
using VioPay.Api.Audit;
using VioPay.Api.Devices;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Activation;

/// <summary>With Redis or PostgreSQL unreachable, POS endpoints answer 503 5003 with Retry-After, never 500.</summary>
public sealed class DependencyDownTests
{
    [Fact]
    public async Task RedisDownMakesPairingCodesAndAttestAnswer503()
    {
        await using var app = new VioPayApp();
        await app.InitializeAsync();
        app.With("ConnectionStrings:Redis", "127.0.0.1:9,connectTimeout=500");
        var merchant = await app.CreateMerchantAsync();
        ProvisionedDevice device;
        using (var scope = app.Services.CreateScope())
        {
            device = await scope.ServiceProvider.GetRequiredService<DeviceProvisioning>()
                .ProvisionAsync(merchant.ResellerId, merchant.MerchantId, null, null, Actor.Admin, default);
        }

        var terminal = new TestTerminal(app.CreateClient(), app.Time, device.DeviceId, device.IdentityKey.KeyId,
            Convert.FromBase64String(device.IdentityKey.Secret), Convert.FromHexString(device.Zmk.Key));

        var pairing = await terminal.Http.SendAsync(terminal.Activation(HttpMethod.Post, "/pos/pairing-code"));
        await pairing.AssertErrorAsync(HttpStatusCode.ServiceUnavailable, "5003");
        Assert.NotNull(pairing.Headers.RetryAfter);
        await (await terminal.Http.SendAsync(terminal.Attest())).AssertErrorAsync(HttpStatusCode.ServiceUnavailable, "5003");
        await (await terminal.Http.SendAsync(terminal.WithToken("/pos/keys", token: "att_" + new string('a', 43))))
            .AssertErrorAsync(HttpStatusCode.ServiceUnavailable, "5003");
    }

    [Fact]
    public async Task PostgresDownMakesBootstrapAnswer503()
    {
        await using var app = new VioPayApp();
        await app.InitializeAsync();
        app.With("ConnectionStrings:Postgres", "Host=127.0.0.1;Port=9;Database=none;Username=none;Timeout=2");
        var terminal = new TestTerminal(app.CreateClient(), app.Time, "POS-0A0B0C0D", "idk_x", new byte[32], new byte[32]);

        var response = await terminal.Http.SendAsync(terminal.Activation(HttpMethod.Post, "/pos/bootstrap"));

        await response.AssertErrorAsync(HttpStatusCode.ServiceUnavailable, "5003");
    }
}
