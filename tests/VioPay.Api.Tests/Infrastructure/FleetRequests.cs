using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VioPay.Api.Fleet;
using VioPay.Api.Infrastructure.Persistence;

namespace VioPay.Api.Tests.Infrastructure;

/// <summary>Heartbeats, device views and device events (PROTOCOL §13.4–§13.5) for tests.</summary>
public static class FleetRequests
{
    public static HttpRequestMessage HeartbeatRequest(this TestTerminal t, object? body = null) =>
        t.Signed(HttpMethod.Post, "/pos/heartbeat", body is null ? null : t.EncryptedBody(JsonSerializer.Serialize(body)));

    public static async Task<JsonElement> HeartbeatOkAsync(this TestTerminal t, object? body = null) =>
        (await t.SendEncryptedOkAsync(t.HeartbeatRequest(body))).Body;

    public static string[] Actions(this JsonElement answer) =>
        answer.GetProperty("actions").EnumerateArray().Select(a => a.GetString()!).ToArray();

    public static async Task<JsonElement> DeviceViewAsync(this HttpClient portal, string deviceId)
    {
        using var document = JsonDocument.Parse(await portal.GetStringAsync($"/merchant/devices/{deviceId}"));
        return document.RootElement.Clone();
    }

    public static async Task<string> ConnectivityAsync(this HttpClient portal, string deviceId) =>
        (await portal.DeviceViewAsync(deviceId)).Text("connectivity");

    /// <summary>The <paramref name="type"/> events about the device, oldest first, as their <c>data</c> objects.</summary>
    public static async Task<List<JsonElement>> DeviceEventsAsync(this VioPayApp app, string type, string deviceId)
    {
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
        var rows = await db.Events.AsNoTracking().Where(e => e.Type == type).OrderBy(e => e.Sequence).Select(e => e.DataJson).ToListAsync();
        return rows.Select(json => JsonDocument.Parse(json).RootElement.Clone()).Where(d => d.Text("device_id") == deviceId).ToList();
    }

    public static Task<int> SweepOfflineAsync(this VioPayApp app) =>
        app.Services.GetRequiredService<OfflineSweep>().RunOnceAsync(CancellationToken.None);

    public static async Task<JsonElement> GetJsonAsync(this HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {text}");
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    public static Task<HttpResponseMessage> PutSettingsAsync(this HttpClient portal, object settings) =>
        portal.PutAsJsonAsync("/merchant/settings", settings);
}
