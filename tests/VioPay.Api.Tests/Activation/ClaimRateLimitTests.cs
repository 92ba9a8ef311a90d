using System.Net;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Activation;

public sealed class ClaimRateLimitTests
{
    [Fact]
    public async Task ClaimsOverTheMerchantLimitAre429WithRetryAfter()
    {
        await using var app = new VioPayApp();
        app.With("RateLimits:ClaimsPerMerchantPerMinute", "3");
        await app.InitializeAsync();
        var portal = await app.PortalClientAsync(await app.CreateMerchantAsync());

        for (var i = 0; i < 3; i++)
        {
            await (await portal.ClaimAsync("POS-00000000", "ABCDEF")).AssertErrorAsync(HttpStatusCode.NotFound, "4004");
        }

        var limited = await portal.ClaimAsync("POS-00000000", "ABCDEF");

        await limited.AssertErrorAsync(HttpStatusCode.TooManyRequests, "4029");
        Assert.InRange(limited.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);
    }
}
