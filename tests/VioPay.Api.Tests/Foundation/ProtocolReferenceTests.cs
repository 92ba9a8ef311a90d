using System.Text.RegularExpressions;

namespace VioPay.Api.Tests.Foundation;

/// <summary>
/// Issue 14: the code cites the protocol by section ("PROTOCOL §5", "§11.4, §11.6", "fine point 8"), and every section it
/// cites is a heading of docs/PROTOCOL.md, so a reader who follows a reference finds it. The seeds it cites by number are
/// in that file's appendix.
/// </summary>
public sealed partial class ProtocolReferenceTests
{
    private static readonly string Root = FindRepositoryRoot();

    [Fact]
    public void EverySectionTheCodeCitesIsAHeadingOfTheProtocolDocument()
    {
        var headings = Headings();
        var missing = Citations(Section())
            .Concat(Citations(FinePoint()).Select(c => c with { Section = "10." + c.Section }))
            .Where(c => !headings.Contains(c.Section))
            .Select(c => $"§{c.Section} ({c.Where})")
            .Distinct()
            .ToList();

        Assert.True(missing.Count == 0, "docs/PROTOCOL.md has no heading for: " + string.Join(", ", missing));
    }

    [Fact]
    public void EverySeedTheCodeCitesIsInTheProtocolAppendix()
    {
        var protocol = File.ReadAllText(Path.Combine(Root, "docs", "PROTOCOL.md"));
        var appendix = protocol[protocol.IndexOf("## Appendix: the seed documents", StringComparison.Ordinal)..];
        var missing = Citations(Seed()).Where(c => !appendix.Contains($"| `{c.Section}` |", StringComparison.Ordinal))
            .Select(c => $"seed {c.Section} ({c.Where})").Distinct().ToList();

        Assert.True(missing.Count == 0, "the seed appendix of docs/PROTOCOL.md lacks: " + string.Join(", ", missing));
    }

    [Fact]
    public void TheCheckFindsTheCitationsItIsMeantToFind()
    {
        // Guards the two tests above against a pattern that silently matches nothing.
        var sections = Citations(Section()).Select(c => c.Section).ToHashSet();

        Assert.Contains("5", sections);
        Assert.Contains("11.4", sections);
        Assert.Contains("10.10", sections);
        Assert.DoesNotContain("4.3", sections); // RFC 4231 §4.3 in a crypto test is not ours.
        Assert.Contains(Citations(Seed()), c => c.Section == "003");
        Assert.Contains("11.7", Headings());
    }

    private static HashSet<string> Headings() =>
        File.ReadLines(Path.Combine(Root, "docs", "PROTOCOL.md"))
            .Select(line => Heading().Match(line))
            .Where(m => m.Success)
            .Select(m => m.Groups[1].Value)
            .ToHashSet();

    private static IEnumerable<(string Section, string Where)> Citations(Regex pattern)
    {
        var files = new[] { "src", "tests", "scripts" }
            .SelectMany(dir => Directory.EnumerateFiles(Path.Combine(Root, dir), "*", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && Path.GetExtension(f) is ".cs" or "" or ".sh")
            .Append(Path.Combine(Root, "README.md"));
        foreach (var file in files)
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                foreach (Match match in pattern.Matches(lines[i]))
                {
                    yield return (match.Groups[1].Value, $"{Path.GetRelativePath(Root, file)}:{i + 1}");
                }
            }
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "VioPay.sln")) && Directory.Exists(Path.Combine(dir.FullName, "docs")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no repository root above {AppContext.BaseDirectory}");
    }

    /// <summary>A section sign not cited from an RFC ("RFC 4648 §4"): every such citation in this repository is ours.</summary>
    [GeneratedRegex(@"(?<!RFC \d+ )§\s?(\d+(?:\.\d+)*)")]
    private static partial Regex Section();

    [GeneratedRegex(@"[Ff]ine point (\d+)")]
    private static partial Regex FinePoint();

    [GeneratedRegex(@"[Ss]eeds? ?`?(\d{3})")]
    private static partial Regex Seed();

    [GeneratedRegex(@"^#{2,4} (\d+(?:\.\d+)*)\.? ")]
    private static partial Regex Heading();
}
