using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Tests.Infrastructure;
using VioPay.Crypto;

namespace VioPay.Api.Tests.Fleet;

/// <summary>PROTOCOL §13.4: <c>POST /pos/heartbeat</c> through a real terminal, its config_version and its actions.</summary>
public sealed class HeartbeatTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    [Fact]
    public async Task AHeartbeatIsAnsweredInAnEnvelopeWithTheConfigVersionOfPosConfigAndShowsTheDeviceOnline()
    {
        var (terminal, portal, _) = await app.ActivatedTerminalAsync();
        Assert.Equal("never_seen", await portal.ConnectivityAsync(terminal.DeviceId));
        await terminal.AttestAsync();
        var config = await terminal.ConfigAsync();
        var version = config.Text("config_version");
        Assert.Matches("^cv_[0-9A-F]{16}$", version);

        var answer = await terminal.HeartbeatOkAsync(new
        {
            app_version = "1.4.2", battery_percent = 87, network = "wifi", config_version = version, queued_transactions = 2,
        });

        Assert.Equal(["server_time", "config_version", "actions"], answer.EnumerateObject().Select(p => p.Name));
        Assert.Equal(version, answer.Text("config_version"));
        Assert.Empty(answer.Actions());
        var serverTime = DateTimeOffset.Parse(answer.Text("server_time"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(serverTime, app.Time.GetUtcNow().AddSeconds(-5), app.Time.GetUtcNow().AddSeconds(1));

        var view = await portal.DeviceViewAsync(terminal.DeviceId);
        Assert.Equal("online", view.Text("connectivity"));
        Assert.Equal("1.4.2", view.Text("app_version"));
        Assert.Equal(87, view.GetProperty("battery_percent").GetInt32());
        Assert.Equal("wifi", view.Text("network"));
        Assert.Equal(2, view.GetProperty("queued_transactions").GetInt32());
        Assert.Equal(answer.Text("server_time"), view.Text("last_seen_at"));
    }

    [Fact]
    public async Task AChangeOfMerchantSettingsAsksTheTerminalToRefetchItsConfig()
    {
        var (terminal, portal, _) = await app.ActivatedTerminalAsync();
        await terminal.AttestAsync();
        var before = (await terminal.ConfigAsync()).Text("config_version");
        Assert.Empty((await terminal.HeartbeatOkAsync(new { config_version = before })).Actions());

        Assert.Equal(HttpStatusCode.OK, (await portal.PutSettingsAsync(new { tip_info = new { enabled = true, presets = new[] { 10, 15 } } })).StatusCode);
        var stale = await terminal.HeartbeatOkAsync(new { config_version = before });
        Assert.Equal(["refetch_config"], stale.Actions());
        var after = stale.Text("config_version");
        Assert.NotEqual(before, after);

        // The terminal fetches its config again: it carries the version the heartbeat announced, and the tip settings.
        await terminal.AttestAsync();
        var config = await terminal.ConfigAsync();
        Assert.Equal(after, config.Text("config_version"));
        Assert.True(config.GetProperty("merchant").GetProperty("tip_info").GetProperty("enabled").GetBoolean());
        // Hex is accepted in either case (PROTOCOL §1).
        Assert.Empty((await terminal.HeartbeatOkAsync(new { config_version = after.ToLowerInvariant() })).Actions());
    }

    [Fact]
    public async Task AHeartbeatWithoutBodyOrConfigVersionIsAnsweredWithNoAction()
    {
        var (terminal, portal, _) = await app.ActivatedTerminalAsync();
        var answer = await terminal.HeartbeatOkAsync();
        Assert.Empty(answer.Actions());
        // No app_version in the body: the User-Agent's.
        Assert.Equal("1.4.2", (await portal.DeviceViewAsync(terminal.DeviceId)).Text("app_version"));
    }

    [Theory]
    [InlineData("""{"battery_percent":101}""", "battery_percent")]
    [InlineData("""{"battery_percent":"50"}""", "battery_percent")]
    [InlineData("""{"battery_percent":50.5}""", "battery_percent")]
    [InlineData("""{"queued_transactions":-1}""", "queued_transactions")]
    [InlineData("""{"app_version":5}""", "app_version")]
    [InlineData("""{"app_version":"latest"}""", "app_version")]
    [InlineData("""{"network":""}""", "network")]
    [InlineData("""{"network":"wifi\u0000"}""", "network")]
    [InlineData("""{"config_version":"cv_123"}""", "config_version")]
    [InlineData("""[1,2]""", "$")]
    public async Task ABadHeartbeatIs400NamingTheFieldAndChangesNothing(string json, string field)
    {
        var (terminal, portal, _) = await app.ActivatedTerminalAsync();
        var response = await terminal.Http.SendAsync(terminal.Signed(HttpMethod.Post, "/pos/heartbeat", terminal.EncryptedBody(json)));
        var error = await response.AssertErrorAsync(HttpStatusCode.BadRequest, "4000");
        Assert.True(error.GetProperty("details").GetProperty("fields").TryGetProperty(field, out _), error.ToString());
        Assert.Equal("never_seen", await portal.ConnectivityAsync(terminal.DeviceId));
    }

    [Fact]
    public async Task ATooLongNetworkNameIs400()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var response = await terminal.Http.SendAsync(terminal.HeartbeatRequest(new { network = new string('x', 65) }));
        await response.AssertErrorAsync(HttpStatusCode.BadRequest, "4000");
    }

    [Fact]
    public async Task ABadSignatureIs401AndTheDeviceStaysNeverSeen()
    {
        var (terminal, portal, _) = await app.ActivatedTerminalAsync();
        var body = terminal.EncryptedBody("""{"battery_percent":50}""");
        var forged = terminal.Signed(HttpMethod.Post, "/pos/heartbeat", body, macKey: new byte[32]);
        await (await terminal.Http.SendAsync(forged)).AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
        var tampered = terminal.Signed(HttpMethod.Post, "/pos/heartbeat", body, signedBody: terminal.EncryptedBody("{}"));
        await (await terminal.Http.SendAsync(tampered)).AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
        Assert.Equal("never_seen", await portal.ConnectivityAsync(terminal.DeviceId));
    }

    [Fact]
    public async Task AnEnvelopeThatDoesNotDecryptIs401()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var garbage = JsonSerializer.SerializeToUtf8Bytes(MskEnvelopeCipher.Encrypt(new byte[32], "{}"));
        await (await terminal.Http.SendAsync(terminal.Signed(HttpMethod.Post, "/pos/heartbeat", garbage)))
            .AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
    }

    [Fact]
    public async Task ASuspendedDeviceGets403LikeEveryPosEndpoint()
    {
        var (terminal, portal, _) = await app.ActivatedTerminalAsync();
        Assert.Equal(HttpStatusCode.OK, (await portal.PostAsync($"/merchant/devices/{terminal.DeviceId}/suspend", null)).StatusCode);
        await (await terminal.Http.SendAsync(terminal.HeartbeatRequest(new { battery_percent = 10 }))).AssertErrorAsync(HttpStatusCode.Forbidden, "4003");
        Assert.Equal("never_seen", await portal.ConnectivityAsync(terminal.DeviceId));
    }

    [Fact]
    public async Task AnUnchangedHeartbeatWithinHalfAnIntervalIsNotWrittenAgainButAChangedOneIs()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        await terminal.HeartbeatOkAsync(new { battery_percent = 50 });
        var first = await LastSeenAsync(terminal.DeviceId);

        await Task.Delay(1100);
        await terminal.HeartbeatOkAsync(new { battery_percent = 50 });
        Assert.Equal(first, await LastSeenAsync(terminal.DeviceId));

        await terminal.HeartbeatOkAsync(new { battery_percent = 49 });
        Assert.True(await LastSeenAsync(terminal.DeviceId) > first);
    }

    private async Task<DateTimeOffset> LastSeenAsync(string deviceId)
    {
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VioPayDbContext>();
        return (await db.DevicePresence.AsNoTracking().SingleAsync(p => p.DeviceId == deviceId)).LastSeenAt;
    }
}
