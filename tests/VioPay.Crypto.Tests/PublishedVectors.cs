using System.Text.Json;

namespace VioPay.Crypto.Tests;

/// <summary>
/// Reads Vectors/tr31-published.json: known answers from TR-31:2018, ANSI X9.143:2021, ISO 20038:2017 and
/// NIST SP 800-38B as quoted by the public implementations each entry names under "sources".
/// </summary>
internal static class PublishedVectors
{
    private static readonly Lazy<JsonDocument> Document = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Vectors", "tr31-published.json"))));

    public static JsonElement Get(string section, string id) =>
        Document.Value.RootElement.GetProperty(section).EnumerateArray()
            .Single(v => v.GetProperty("id").GetString() == id);

    public static string Text(this JsonElement vector, string property) => vector.GetProperty(property).GetString()!;

    public static byte[] Bytes(this JsonElement vector, string property) => Convert.FromHexString(vector.Text(property));
}
