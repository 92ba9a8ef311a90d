using System.Net.Http.Json;
using System.Text.Json;

namespace VioPay.Api.Tests.Infrastructure;

public static class Claims
{
    public static Task<HttpResponseMessage> ClaimAsync(this HttpClient portal, string deviceId, string code) =>
        portal.PostAsJsonAsync("/pos/claim", new { pairing_code = code, device_id = deviceId });

    /// <summary>Pairing code and claim: the device ends <c>claimed</c> with a terminal id.</summary>
    public static async Task<string> PairAndClaimAsync(this TestTerminal terminal, HttpClient portal)
    {
        var code = await terminal.PairingCodeAsync();
        var response = await portal.ClaimAsync(terminal.DeviceId, code);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        using var body = JsonDocument.Parse(text);
        return body.RootElement.GetProperty("terminal_id").GetString()!;
    }
}
