using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace VioPay.Terminal.Portal;

/// <summary>A provisioning answer (PROTOCOL §4): the device's secrets, returned once.</summary>
public sealed record ProvisionedDevice(
    [property: JsonPropertyName("device_id")] string DeviceId,
    [property: JsonPropertyName("identity_key")] ProvisionedIdentityKey IdentityKey,
    [property: JsonPropertyName("zmk")] ProvisionedZmk Zmk)
{
    /// <summary>The state a terminal starts its life with.</summary>
    public TerminalState ToState(string? userAgent = null) => new()
    {
        DeviceId = DeviceId,
        IdentityKeyId = IdentityKey.KeyId,
        IdentitySecret = IdentityKey.Secret,
        Zmk = Zmk.Key,
        UserAgent = userAgent ?? TerminalState.DefaultUserAgent,
    };
}

public sealed record ProvisionedIdentityKey(
    [property: JsonPropertyName("key_id")] string KeyId,
    [property: JsonPropertyName("secret")] string Secret);

public sealed record ProvisionedZmk(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("kcv")] string Kcv);

public sealed record ClaimResult(
    [property: JsonPropertyName("device_id")] string DeviceId,
    [property: JsonPropertyName("terminal_id")] string TerminalId,
    [property: JsonPropertyName("device_status")] string DeviceStatus);

public sealed record PortalCharge(
    [property: JsonPropertyName("charge_id")] string ChargeId,
    [property: JsonPropertyName("terminal_id")] string TerminalId,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("amount")] Money Amount,
    [property: JsonPropertyName("refunded_amount")] Money RefundedAmount);

/// <summary>
/// What the merchant portal does for a terminal: a session from API client credentials (<c>POST /client/session</c>),
/// device provisioning, the claim with the code the terminal shows, and the charge list. The reference terminal's CLI,
/// demo and load generator use it to play the merchant's part.
/// </summary>
public sealed class MerchantPortal(HttpClient http)
{
    private string? _token;

    public async Task SignInAsync(string clientId, string clientSecret, CancellationToken ct = default)
    {
        using var response = await http.PostAsJsonAsync("/client/session",
            new { client_id = clientId, client_secret = clientSecret, grant_type = "client_credentials" }, ct);
        using var body = await ReadAsync(response, ct);
        _token = body.RootElement.GetProperty("access_token").GetString();
    }

    public async Task<ProvisionedDevice> ProvisionDeviceAsync(string? label = null, string? model = null, CancellationToken ct = default)
    {
        using var request = Request(HttpMethod.Post, "/merchant/devices", new { label, model });
        using var response = await http.SendAsync(request, ct);
        using var body = await ReadAsync(response, ct);
        return body.RootElement.Deserialize<ProvisionedDevice>(PosJson.Options)
            ?? throw new PosProtocolException("The provisioning answer is JSON null.");
    }

    public async Task<ClaimResult> ClaimAsync(string deviceId, string pairingCode, CancellationToken ct = default)
    {
        using var request = Request(HttpMethod.Post, "/pos/claim", new { pairing_code = pairingCode, device_id = deviceId });
        using var response = await http.SendAsync(request, ct);
        using var body = await ReadAsync(response, ct);
        return body.RootElement.Deserialize<ClaimResult>(PosJson.Options) ?? throw new PosProtocolException("The claim answer is JSON null.");
    }

    /// <summary>Every charge of the merchant, newest first, following next_cursor to the end.</summary>
    public async IAsyncEnumerable<PortalCharge> ListChargesAsync(string? terminalId = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        string? cursor = null;
        do
        {
            var url = "/merchant/charges?limit=100" + (terminalId is null ? "" : "&terminal_id=" + Uri.EscapeDataString(terminalId)) +
                (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor));
            using var request = Request(HttpMethod.Get, url, null);
            using var response = await http.SendAsync(request, ct);
            using var body = await ReadAsync(response, ct);
            foreach (var charge in body.RootElement.GetProperty("data").EnumerateArray())
            {
                yield return charge.Deserialize<PortalCharge>(PosJson.Options)!;
            }

            cursor = body.RootElement.GetProperty("next_cursor").GetString();
        }
        while (cursor is not null);
    }

    private HttpRequestMessage Request(HttpMethod method, string path, object? body)
    {
        var request = new HttpRequestMessage(method, path)
        {
            Content = body is null ? null : JsonContent.Create(body),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer",
            _token ?? throw new InvalidOperationException("Not signed in: call SignInAsync first."));
        return request;
    }

    private static async Task<JsonDocument> ReadAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var bytes = await response.Content.ReadAsByteArrayAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            throw PosApiException.FromResponse((int)response.StatusCode, bytes, response.Headers, DateTimeOffset.UtcNow);
        }

        return JsonDocument.Parse(bytes);
    }
}
