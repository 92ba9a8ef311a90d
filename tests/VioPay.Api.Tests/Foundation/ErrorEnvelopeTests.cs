using System.Net;
using System.Net.Http.Headers;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Foundation;

public sealed class ErrorEnvelopeTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    [Fact]
    public async Task UnknownRouteIs404InTheEnvelope()
    {
        var response = await app.CreateClient().PostAsync("/nope", null);

        await response.AssertErrorAsync(HttpStatusCode.NotFound, "4004");
    }

    [Fact]
    public async Task WrongMethodIs405InTheEnvelope()
    {
        var response = await app.CreateClient().PostAsync("/health/live", null);

        await response.AssertErrorAsync(HttpStatusCode.MethodNotAllowed, "4005");
    }

    [Theory]
    [InlineData("/pos/bootstrap")]
    [InlineData("/pos/charge")]
    [InlineData("/pos/unknown")]
    public async Task TwoMebibyteBodyToAPosRouteIs413InTheEnvelope(string path)
    {
        var content = new ByteArrayContent(new byte[2 * 1024 * 1024]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        var response = await app.CreateClient().PostAsync(path, content);

        var error = await response.AssertErrorAsync(HttpStatusCode.RequestEntityTooLarge, "4013");
        Assert.Equal(65536, error.GetProperty("details").GetProperty("max_bytes").GetInt32());
    }

    [Fact]
    public async Task ChunkedBodyOverTheLimitIs413Too()
    {
        var content = new StreamContent(new MemoryStream(new byte[70 * 1024]));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "/pos/bootstrap") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        var response = await app.CreateClient().SendAsync(request);

        await response.AssertErrorAsync(HttpStatusCode.RequestEntityTooLarge, "4013");
    }

    [Fact]
    public async Task TraceIdIsTheW3CTraceIdOfTheRequest()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/nope");
        request.Headers.Add("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");

        var response = await app.CreateClient().SendAsync(request);

        var error = await response.AssertErrorAsync(HttpStatusCode.NotFound, "4004");
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", error.GetProperty("trace_id").GetString());
    }

    [Fact]
    public async Task OpenApiDocumentIsServed()
    {
        var response = await app.CreateClient().GetAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("/health/ready", text, StringComparison.Ordinal);
    }
}
