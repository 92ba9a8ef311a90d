using System.Text.Json;
using System.Text.Json.Nodes;
using VioPay.Api.Infrastructure;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Pos;

namespace VioPay.Api.Backoffice;

/// <summary>Backoffice bodies read by hand from the buffered raw bytes, so every malformed one is a 400 in the envelope.</summary>
public static class BackofficeJson
{
    private static readonly JsonDocumentOptions StrictJson = new() { AllowDuplicateProperties = false, MaxDepth = 32 };

    /// <summary>
    /// The body as a JSON object, read from the buffered raw bytes: UTF-8 checked first (JsonDocument does not check the
    /// inside of strings), duplicate keys refused. Binding JsonObject through the framework instead throws
    /// ArgumentException on a duplicate key, which would be a 500 (found by AbuseTests).
    /// </summary>
    public static JsonObject ReadObject(HttpContext http)
    {
        PosAuthFilter.RequireJsonWhenBody(http);
        var body = http.RawBody();
        if (body.IsEmpty)
        {
            throw ApiException.BadRequest("A JSON object body is required");
        }

        if (!System.Text.Unicode.Utf8.IsValid(body.Bytes))
        {
            throw ApiException.BadRequest("The body is not valid UTF-8");
        }

        try
        {
            return JsonNode.Parse(body.Bytes, documentOptions: StrictJson) as JsonObject
                ?? throw ApiException.BadRequest("The body must be a JSON object");
        }
        catch (JsonException)
        {
            throw ApiException.BadRequest("Malformed JSON body");
        }
    }
}
