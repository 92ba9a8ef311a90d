using System.Text.Json;
using System.Text.Json.Serialization;

namespace VioPay.Terminal;

/// <summary>The one JSON dialect of the POS API (PROTOCOL §1): UTF-8, snake_case, absent rather than null optionals.</summary>
internal static class PosJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // A server answer that lacks a field the protocol guarantees is a server fault; fail on it here instead of
        // handing the caller a record with a null where its type promises a value.
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };
}
