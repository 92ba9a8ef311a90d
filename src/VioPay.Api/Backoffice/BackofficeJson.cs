using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using VioPay.Api.Infrastructure;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Pos;

namespace VioPay.Api.Backoffice;

/// <summary>
/// A backoffice request body that knows its own rules. <see cref="BackofficeJson.Read{T}"/> is the one place such bodies
/// are read and checked, so every bad one is the same 400 in the PROTOCOL §3 envelope, <c>details.fields</c> naming each field.
/// </summary>
public interface IBackofficeRequest
{
    /// <summary>Members the type does not know; a type that refuses them binds them with <c>[JsonExtensionData]</c>.</summary>
    Dictionary<string, JsonElement>? UnknownFields => null;

    /// <summary>Adds one sentence per bad field, keyed by its JSON name.</summary>
    void Validate(IDictionary<string, string> fields);
}

/// <summary>Backoffice bodies read from the buffered raw bytes, so every malformed one is a 400 in the envelope.</summary>
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
        using var document = Parse(http, optional: false);
        return JsonObject.Create(document.RootElement.Clone())!;
    }

    /// <summary>
    /// The body as <typeparamref name="T"/>, checked: content type, UTF-8, well-formed JSON with no duplicate key, an
    /// object, each member of the right JSON type, no unknown member where the type refuses them, and then the type's own
    /// rules. When <paramref name="optional"/>, an empty body reads as <c>{}</c>.
    /// </summary>
    public static T Read<T>(HttpContext http, bool optional = false)
        where T : class
    {
        using var document = Parse(http, optional);
        var options = http.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        T request;
        try
        {
            request = document.Deserialize<T>(options) ?? throw ApiException.BadRequest("The body must be a JSON object");
        }
        catch (JsonException e)
        {
            // The document parsed, so this is a member of the wrong JSON type: name it.
            var field = e.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : "body";
            throw ApiException.InvalidFields(new Dictionary<string, string> { [field] = $"{field} has the wrong JSON type." });
        }

        if (request is IBackofficeRequest checkable)
        {
            var fields = new Dictionary<string, string>();
            foreach (var unknown in checkable.UnknownFields?.Keys ?? Enumerable.Empty<string>())
            {
                fields[unknown] = "Unknown field.";
            }

            checkable.Validate(fields);
            if (fields.Count > 0)
            {
                throw ApiException.InvalidFields(fields);
            }
        }

        return request;
    }

    private static JsonDocument Parse(HttpContext http, bool optional)
    {
        PosAuthFilter.RequireJsonWhenBody(http);
        var body = http.RawBody();
        if (body.IsEmpty)
        {
            return optional ? JsonDocument.Parse("{}") : throw ApiException.BadRequest("A JSON object body is required");
        }

        if (!System.Text.Unicode.Utf8.IsValid(body.Bytes))
        {
            throw ApiException.BadRequest("The body is not valid UTF-8");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.Bytes, StrictJson);
        }
        catch (JsonException)
        {
            throw ApiException.BadRequest("Malformed JSON body");
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw ApiException.BadRequest("The body must be a JSON object");
        }

        return document;
    }
}
