using System.Text.Json;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Foundation;

/// <summary>Terminal developers read the OpenAPI document first: every operation must explain itself.</summary>
public sealed class OpenApiTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    [Fact]
    public async Task EveryOperationHasASummaryAndDocumentsItsErrors()
    {
        using var document = JsonDocument.Parse(await app.CreateClient().GetStringAsync("/openapi/v1.json"));
        var paths = document.RootElement.GetProperty("paths");
        var operations = 0;
        foreach (var path in paths.EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                operations++;
                var where = $"{operation.Name.ToUpperInvariant()} {path.Name}";
                Assert.True(operation.Value.TryGetProperty("summary", out var summary) && summary.GetString()!.Length > 10, $"{where} has no summary");
                Assert.True(operation.Value.GetProperty("responses").EnumerateObject().Any(r => r.Name[0] is '4'),
                    $"{where} documents no 4xx response");
            }
        }

        Assert.True(operations >= 20, $"only {operations} operations documented");
    }

    [Theory]
    [InlineData("/reseller/devices/{deviceId}/assign", "404")]
    [InlineData("/reseller/devices/{deviceId}/assign", "409")]
    [InlineData("/pos/claim", "401")]
    [InlineData("/client/session", "415")]
    public async Task JsonOperationsDocumentTheirBodyAndErrors(string path, string status)
    {
        using var document = JsonDocument.Parse(await app.CreateClient().GetStringAsync("/openapi/v1.json"));
        var operation = document.RootElement.GetProperty("paths").GetProperty(path).GetProperty("post");

        Assert.True(operation.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _), $"{path} has no JSON body");
        Assert.True(operation.GetProperty("responses").TryGetProperty(status, out _), $"{path} does not document {status}");
    }

    [Theory]
    [InlineData("get", "/health/live", "")]
    [InlineData("post", "/client/session", "")]
    [InlineData("post", "/pos/bootstrap", "")]
    [InlineData("post", "/session/initiate", "bearer")]
    [InlineData("post", "/pos/claim", "bearer")]
    [InlineData("get", "/merchant/devices", "bearer")]
    [InlineData("post", "/reseller/devices/{deviceId}/assign", "bearer")]
    [InlineData("post", "/pos/attest", "deviceKeyId deviceSignature")]
    [InlineData("post", "/pos/keys", "attestation")]
    [InlineData("post", "/pos/activate", "attestation")]
    [InlineData("post", "/pos/charge", "terminalKeyId terminalSignature")]
    [InlineData("get", "/pos/charge/{chargeId}", "terminalKeyId terminalSignature")]
    [InlineData("post", "/pos/batch/close", "terminalKeyId terminalSignature")]
    public async Task EveryOperationDeclaresHowItsCallerAuthenticates(string method, string path, string schemes)
    {
        using var document = JsonDocument.Parse(await app.CreateClient().GetStringAsync("/openapi/v1.json"));
        var declared = document.RootElement.GetProperty("components").GetProperty("securitySchemes");
        var security = document.RootElement.GetProperty("paths").GetProperty(path).GetProperty(method).GetProperty("security");

        // One requirement per operation; an empty one says that no credential is needed.
        var requirement = Assert.Single(security.EnumerateArray());
        var names = requirement.EnumerateObject().Select(s => s.Name).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(schemes, string.Join(' ', names));
        Assert.All(names, name => Assert.True(declared.TryGetProperty(name, out _), $"{name} is not a declared security scheme"));
    }

    [Fact]
    public async Task TheHmacHeadersAreApiKeySchemes()
    {
        using var document = JsonDocument.Parse(await app.CreateClient().GetStringAsync("/openapi/v1.json"));
        var schemes = document.RootElement.GetProperty("components").GetProperty("securitySchemes");

        Assert.Equal("http", schemes.GetProperty("bearer").GetProperty("type").GetString());
        Assert.Equal("bearer", schemes.GetProperty("bearer").GetProperty("scheme").GetString());
        foreach (var (name, header) in new[] { ("terminalSignature", "X-Signature"), ("terminalKeyId", "X-Key-Id"),
            ("deviceSignature", "X-Signature"), ("deviceKeyId", "X-Key-Id"), ("attestation", "Authorization") })
        {
            var scheme = schemes.GetProperty(name);
            Assert.Equal("apiKey", scheme.GetProperty("type").GetString());
            Assert.Equal("header", scheme.GetProperty("in").GetString());
            Assert.Equal(header, scheme.GetProperty("name").GetString());
        }
    }

    [Fact]
    public async Task TheServerIsTheHostThatServesTheDocumentAndEveryTagIsDescribed()
    {
        using var document = JsonDocument.Parse(await app.CreateClient().GetStringAsync("/openapi/v1.json"));

        // "/" is the one URL that may end with a slash: the host the document came from, behind any proxy.
        Assert.Equal("/", Assert.Single(document.RootElement.GetProperty("servers").EnumerateArray()).GetProperty("url").GetString());
        Assert.All(document.RootElement.GetProperty("tags").EnumerateArray(),
            t => Assert.True(t.TryGetProperty("description", out var d) && d.GetString()!.Length > 20, $"tag {t.GetProperty("name")} has no description"));
        Assert.True(document.RootElement.GetProperty("info").TryGetProperty("license", out _));
    }

    [Fact]
    public async Task AGroupsHeadersAndAnEndpointsOwnAddUp()
    {
        using var document = JsonDocument.Parse(await app.CreateClient().GetStringAsync("/openapi/v1.json"));
        var operation = document.RootElement.GetProperty("paths").GetProperty("/merchant/charges/{chargeId}/refund").GetProperty("post");
        var headers = operation.GetProperty("parameters").EnumerateArray()
            .Where(p => p.GetProperty("in").GetString() == "header").Select(p => p.GetProperty("name").GetString()).ToArray();

        Assert.Contains("Authorization", headers);
        Assert.Contains("Idempotency-Key", headers);
    }

    [Theory]
    [InlineData("/pos/attest", "X-Signature")]
    [InlineData("/pos/attest", "X-Nonce")]
    [InlineData("/pos/bootstrap", "X-Device-Id")]
    [InlineData("/pos/keys", "Authorization")]
    public async Task PosOperationsDocumentTheirHeaders(string path, string header)
    {
        using var document = JsonDocument.Parse(await app.CreateClient().GetStringAsync("/openapi/v1.json"));
        var operation = document.RootElement.GetProperty("paths").GetProperty(path).EnumerateObject().First().Value;

        Assert.Contains(operation.GetProperty("parameters").EnumerateArray(),
            p => p.GetProperty("in").GetString() == "header" && p.GetProperty("name").GetString() == header);
    }
}
