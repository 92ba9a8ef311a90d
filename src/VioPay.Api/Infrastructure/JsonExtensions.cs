using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using VioPay.Api.Pos;

namespace VioPay.Api.Infrastructure;

/// <summary>Writes instants as RFC 3339 UTC with a Z and whole seconds (PROTOCOL §1); reads any RFC 3339 instant.</summary>
public sealed class Rfc3339Converter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        DateTimeOffset.Parse(reader.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(PosTime.Format(value));
}

public static class JsonExtensions
{
    /// <summary>snake_case names, RFC 3339 instants, and duplicate keys refused: one JSON dialect for every endpoint.</summary>
    public static void Apply(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.AllowDuplicateProperties = false;
        options.MaxDepth = 32;
        options.Converters.Add(new Rfc3339Converter());
    }

    public static WebApplicationBuilder AddJson(this WebApplicationBuilder builder)
    {
        builder.Services.ConfigureHttpJsonOptions(o => Apply(o.SerializerOptions));
        return builder;
    }
}
