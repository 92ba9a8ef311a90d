using System.Globalization;
using System.Net;

namespace VioPay.Api.Tests.Infrastructure;

/// <summary>The Prometheus text exposition a scrape of <c>/metrics</c> answers, searched the way a PromQL selector would.</summary>
public sealed class PrometheusText(string text)
{
    public string Text { get; } = text;

    public static async Task<PrometheusText> ScrapeAsync(HttpClient client, string path = "/metrics")
    {
        var response = await client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {body}");
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
        return new PrometheusText(body);
    }

    /// <summary>The sum of the samples of <paramref name="metric"/> that carry every label given; null when none does.</summary>
    public double? Value(string metric, params (string Name, string Value)[] labels)
    {
        double? sum = null;
        foreach (var line in Text.Split('\n'))
        {
            if (line.StartsWith('#') || !(line.StartsWith(metric + "{", StringComparison.Ordinal) || line.StartsWith(metric + " ", StringComparison.Ordinal)))
            {
                continue;
            }

            var end = line.LastIndexOf('}');
            var labelText = end < 0 ? "" : line[(metric.Length + 1)..end];
            if (labels.All(l => labelText.Contains($"{l.Name}=\"{l.Value}\"", StringComparison.Ordinal)))
            {
                var value = line[(end < 0 ? metric.Length : end + 1)..].Trim().Split(' ')[0];
                sum = (sum ?? 0) + double.Parse(value, CultureInfo.InvariantCulture);
            }
        }

        return sum;
    }
}
