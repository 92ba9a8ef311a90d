using System.Net;
using System.Text.Json;
using VioPay.Api.Tests.Infrastructure;
using VioPay.Api.Tests.Payments;

namespace VioPay.Api.Tests.Foundation;

/// <summary>The request log says what the client got: an expected 4xx is logged with its status, not as a 500 error.</summary>
public sealed class RequestLogTests(CapturingApp app) : IClassFixture<CapturingApp>
{
    [Fact]
    public async Task ExpectedFailuresAreLoggedWithTheStatusTheClientGot()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var missing = await terminal.Http.SendAsync(terminal.Signed(HttpMethod.Get, "/pos/charge/ch_" + new string('A', 24), null));
        var error = await missing.AssertErrorAsync(HttpStatusCode.NotFound, "4004");
        var traceId = error.GetProperty("trace_id").GetString()!;

        var line = app.Logs.Lines.Select(l => JsonDocument.Parse(l).RootElement)
            .Single(e => e.TryGetProperty("@tr", out var tr) && tr.GetString() == traceId && e.TryGetProperty("StatusCode", out _));
        Assert.Equal(404, line.GetProperty("StatusCode").GetInt32());
        Assert.False(line.TryGetProperty("@x", out _), line.GetRawText());
        Assert.NotEqual("Error", line.TryGetProperty("@l", out var level) ? level.GetString() : "Information");
        Assert.DoesNotContain(app.Logs.Lines, l => l.Contains("responded 500", StringComparison.Ordinal));
    }
}
