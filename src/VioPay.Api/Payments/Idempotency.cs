using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace VioPay.Api.Payments;

/// <summary>
/// The Idempotency-Key rules of PROTOCOL §8. The record's primary key (terminal, key) is what makes racing requests
/// one: the loser's INSERT waits for the winner's transaction and then fails with a unique violation, never a
/// read-then-write race.
/// </summary>
public static class Idempotency
{
    public const string ReplayedHeader = "Idempotent-Replayed";
    /// <summary>The constraint a second claim of one key violates.</summary>
    public const string PrimaryKey = "pk_idempotency_records";

    /// <summary>
    /// The plaintext with object keys sorted and no insignificant white space, so that a retry that serialises the
    /// same request differently is still recognised.
    /// </summary>
    public static string Canonical(JsonElement element)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false, SkipValidation = false }))
        {
            Write(writer, element);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static bool IsDuplicateKey(DbUpdateException e) =>
        e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: PrimaryKey };

    private static void Write(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(property.Name);
                    Write(writer, property.Value);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }
}
