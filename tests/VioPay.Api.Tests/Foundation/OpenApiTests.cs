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
                if (path.Name != "/health/live")
                {
                    Assert.True(operation.Value.GetProperty("responses").EnumerateObject().Any(r => r.Name[0] is '4' or '5'),
                        $"{where} documents no error response");
                }
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
