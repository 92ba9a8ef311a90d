using System.Text.Json;
using System.Text.Json.Nodes;

namespace VioPay.Terminal.Cli;

/// <summary>Human-readable lines by default; with --json, one JSON document on stdout at the end, for scripts.</summary>
public sealed class CliOutput(TextWriter writer, bool json)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private readonly JsonArray _steps = [];
    private int _number;

    public bool Json { get; } = json;

    public TextWriter Writer { get; } = writer;

    public void Step(FlowStep step)
    {
        _number++;
        if (Json)
        {
            var facts = new JsonObject();
            foreach (var (name, value) in step.Facts)
            {
                facts[name] = value;
            }

            _steps.Add(new JsonObject { ["step"] = step.Title, ["facts"] = facts });
            return;
        }

        Writer.WriteLine($"{_number,2}. {step.Title}");
        var width = step.Facts.Count == 0 ? 0 : step.Facts.Max(f => f.Name.Length);
        foreach (var (name, value) in step.Facts)
        {
            Writer.WriteLine($"      {name.PadRight(width)}  {value}");
        }
    }

    public void Line(string text)
    {
        if (!Json)
        {
            Writer.WriteLine(text);
        }
    }

    /// <summary>Ends the command: in JSON mode writes <paramref name="result"/> (or the steps) as the document.</summary>
    public void Finish(object? result = null)
    {
        if (!Json)
        {
            return;
        }

        JsonNode document = result is null ? new JsonObject { ["steps"] = _steps } : JsonSerializer.SerializeToNode(result, PosJson.Options)!;
        if (result is not null && _steps.Count > 0 && document is JsonObject obj)
        {
            obj["steps"] = _steps.DeepClone();
        }

        Writer.WriteLine(document.ToJsonString(Indented));
    }
}
