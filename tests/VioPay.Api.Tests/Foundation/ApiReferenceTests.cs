using System.Net;
using System.Text.RegularExpressions;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Foundation;

/// <summary>Issue 14: an interactive API reference at /docs, public, that works without internet access.</summary>
public sealed partial class ApiReferenceTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    [Fact]
    public async Task DocsAnswersAnHtmlPageWithoutCredentials()
    {
        var client = app.CreateClient();

        using var response = await client.GetAsync("/docs");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("VioPay POS API reference", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task EveryScriptThePageLoadsIsServedByThisHost()
    {
        var client = app.CreateClient();
        var page = await client.GetStringAsync("/docs/");
        var sources = ScriptSource().Matches(page).Select(m => m.Groups[1].Value).ToArray();

        Assert.NotEmpty(sources);
        Assert.DoesNotContain(sources, s => s.Contains("//", StringComparison.Ordinal));
        Assert.DoesNotContain("cdn.", page, StringComparison.OrdinalIgnoreCase);
        foreach (var source in sources)
        {
            using var script = await client.GetAsync(new Uri(new Uri("http://localhost/docs/"), source));
            Assert.True(script.StatusCode == HttpStatusCode.OK, $"{source}: {(int)script.StatusCode}");
            Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task ThePageReadsTheDocumentThisHostServes()
    {
        var client = app.CreateClient();
        var page = await client.GetStringAsync("/docs/");

        Assert.Contains("\"url\":\"openapi/v1.json\"", page);
        using var document = await client.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, document.StatusCode);
        Assert.DoesNotContain("\"/docs", await document.Content.ReadAsStringAsync());
    }

    [GeneratedRegex("<script[^>]*\\ssrc=\"([^\"]+)\"")]
    private static partial Regex ScriptSource();
}
