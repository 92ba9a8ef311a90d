using System.Net;
using System.Net.Http.Json;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Keys;

/// <summary>Issue 10 point 9: a failure lockout is checked and counted in one step, so a parallel burst cannot pass it.</summary>
public sealed class FailureLockoutTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    private const int Burst = 40;

    [Fact]
    public async Task FortyParallelBadAttestSignaturesGetAtMostTenEvaluations()
    {
        var merchant = await app.CreateMerchantAsync();
        var portal = await app.PortalClientAsync(merchant);
        var terminal = await app.ProvisionAsync(portal);
        await terminal.PairAndClaimAsync(portal);

        var answers = await Task.WhenAll(Enumerable.Range(0, Burst)
            .Select(_ => terminal.Http.SendAsync(terminal.Attest(secret: new byte[32]))));

        Assert.Equal(10, answers.Count(a => a.StatusCode == HttpStatusCode.Unauthorized));
        var limited = answers.Where(a => a.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.Equal(Burst - 10, limited.Count);
        foreach (var answer in limited)
        {
            await answer.AssertErrorAsync(HttpStatusCode.TooManyRequests, "4029");
            Assert.NotNull(answer.Headers.RetryAfter);
        }

        // The device is locked out, valid signature or not.
        await (await terminal.Http.SendAsync(terminal.Attest())).AssertErrorAsync(HttpStatusCode.TooManyRequests, "4029");
    }

    [Fact]
    public async Task ValidAttestsDoNotUseUpTheFailureBudget()
    {
        var merchant = await app.CreateMerchantAsync();
        var portal = await app.PortalClientAsync(merchant);
        var terminal = await app.ProvisionAsync(portal);
        await terminal.PairAndClaimAsync(portal);

        for (var i = 0; i < 12; i++)
        {
            await terminal.AttestAsync();
        }

        for (var i = 0; i < 9; i++)
        {
            await (await terminal.Http.SendAsync(terminal.Attest(secret: new byte[32]))).AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
        }

        await terminal.AttestAsync();
    }

    [Fact]
    public async Task FortyParallelWrongClientSecretsGetAtMostTenEvaluations()
    {
        var merchant = await app.CreateMerchantAsync();
        var client = app.CreateClient();

        var answers = await Task.WhenAll(Enumerable.Range(0, Burst).Select(_ => client.PostAsJsonAsync("/client/session",
            new { client_id = merchant.ClientId, client_secret = "wrong", grant_type = "client_credentials" })));

        Assert.Equal(10, answers.Count(a => a.StatusCode == HttpStatusCode.Unauthorized));
        Assert.Equal(Burst - 10, answers.Count(a => a.StatusCode == HttpStatusCode.TooManyRequests));
        var locked = await client.PostAsJsonAsync("/client/session",
            new { client_id = merchant.ClientId, client_secret = merchant.ClientSecret, grant_type = "client_credentials" });
        await locked.AssertErrorAsync(HttpStatusCode.TooManyRequests, "4029");
    }
}
