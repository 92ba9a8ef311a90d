using VioPay.Api.Tests.Infrastructure;
using VioPay.Terminal.Portal;

namespace VioPay.Terminal.Tests;

/// <summary>A merchant of the hosted API, signed in through the SDK's own portal client.</summary>
public static class SdkHost
{
    public static async Task<(MerchantPortal Portal, MerchantFixture Merchant)> PortalAsync(this VioPayApp app, HttpClient? http = null)
    {
        var merchant = await app.CreateMerchantAsync();
        var portal = new MerchantPortal(http ?? app.CreateClient());
        await portal.SignInAsync(merchant.ClientId, merchant.ClientSecret);
        return (portal, merchant);
    }

    /// <summary>A freshly provisioned terminal on <paramref name="http"/>, activated through <see cref="Cli.Flows"/>.</summary>
    public static async Task<PosTerminal> ActivatedAsync(this VioPayApp app, HttpClient http, List<Cli.FlowStep>? steps = null)
    {
        var (portal, _) = await app.PortalAsync();
        var device = await portal.ProvisionDeviceAsync("Till", "PAX-A920");
        var terminal = new PosTerminal(http, device.ToState(), app.Time) { RetryDelay = TimeSpan.Zero };
        await Cli.Flows.ActivateAsync(terminal, portal, s => steps?.Add(s), default);
        return terminal;
    }

    public static ChargeRequest Charge(string pan = "4111111111111111", string amount = "1500") =>
        ChargeRequest.Create(pan, DateTime.UtcNow.Year + 2, 12, amount, "EUR", "000042", pinBlock: "0412AC89ABCDEF67");
}

/// <summary>Lets requests through to the real server and can drop the answer of chosen ones, as a broken network would.</summary>
public sealed class LossyNetwork : DelegatingHandler
{
    private int _dropAnswers;

    public List<(string Method, string Path, int Status)> Seen { get; } = [];

    /// <summary>The next <paramref name="count"/> answers are lost after the server has acted on the request.</summary>
    public void DropNextAnswers(int count) => Interlocked.Exchange(ref _dropAnswers, count);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        lock (Seen)
        {
            Seen.Add((request.Method.Method, request.RequestUri!.AbsolutePath, (int)response.StatusCode));
        }

        if (Interlocked.Decrement(ref _dropAnswers) >= 0)
        {
            response.Dispose();
            throw new HttpRequestException("connection reset after the request was sent");
        }

        return response;
    }
}
