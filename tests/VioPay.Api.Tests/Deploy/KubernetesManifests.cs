using System.Globalization;
using k8s;
using k8s.Models;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace VioPay.Api.Tests.Deploy;

/// <summary>
/// deploy/kubernetes, read as the API server would: every document of every file in the Kubernetes client's typed models,
/// strictly (an unknown or misspelt field throws), and kustomization.yaml in a typed model of its own, strictly too.
/// </summary>
public sealed class KubernetesManifests
{
    private static readonly Lazy<KubernetesManifests> Shared = new(() => new KubernetesManifests(FindDirectory()));

    private KubernetesManifests(string directory)
    {
        Directory = directory;
        Kustomization = LoadKustomization(File.ReadAllText(System.IO.Path.Combine(directory, "kustomization.yaml")));
        Files = Kustomization.Resources
            .Where(r => File.Exists(System.IO.Path.Combine(directory, r)))
            .ToDictionary(r => r, r => ParseFile(System.IO.Path.Combine(directory, r)));
        Objects = [.. Files.Values.SelectMany(o => o)];
    }

    public static KubernetesManifests Load() => Shared.Value;

    public string Directory { get; }

    public KustomizationFile Kustomization { get; }

    /// <summary>The objects of each listed file that exists, in file order.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<object>> Files { get; }

    public IReadOnlyList<object> Objects { get; }

    public V1Deployment Deployment => Single<V1Deployment>();

    public V1Job MigrationJob => Single<V1Job>();

    public V1ConfigMap ConfigMap => Single<V1ConfigMap>();

    public V1Container ApiContainer => Assert.Single(Deployment.Spec.Template.Spec.Containers);

    public T Single<T>() => Assert.Single(Objects.OfType<T>());

    /// <summary>Every pod template in the folder with the name of what owns it.</summary>
    public IEnumerable<(string Owner, V1PodSpec Pod)> PodSpecs =>
        Objects.OfType<V1Deployment>().Select(d => ($"Deployment {d.Metadata.Name}", d.Spec.Template.Spec))
            .Concat(Objects.OfType<V1Job>().Select(j => ($"Job {j.Metadata.Name}", j.Spec.Template.Spec)));

    /// <summary>Every key a ConfigMap or Secret named <paramref name="name"/> holds; null when there is none.</summary>
    public ISet<string>? KeysOf(string kind, string name)
    {
        IEnumerable<string>? keys = kind switch
        {
            "ConfigMap" => Objects.OfType<V1ConfigMap>().SingleOrDefault(c => c.Metadata.Name == name) is { } c
                ? (c.Data?.Keys ?? []).Concat(c.BinaryData?.Keys ?? [])
                : null,
            "Secret" => Objects.OfType<V1Secret>().SingleOrDefault(s => s.Metadata.Name == name) is { } s
                ? (s.StringData?.Keys ?? []).Concat(s.Data?.Keys ?? [])
                : null,
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        return keys?.ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The value of <paramref name="key"/> in the API container's environment (its env, then ConfigMaps it loads).</summary>
    public string? ApiSetting(string key)
    {
        if (ApiContainer.Env?.SingleOrDefault(e => e.Name == key) is { Value: { } value })
        {
            return value;
        }

        foreach (var source in ApiContainer.EnvFrom ?? [])
        {
            if (source.ConfigMapRef is { } reference &&
                Objects.OfType<V1ConfigMap>().SingleOrDefault(c => c.Metadata.Name == reference.Name)?.Data?.TryGetValue(key, out var found) == true)
            {
                return found;
            }
        }

        return null;
    }

    /// <summary>The container port a Service, probe or policy names, by number or by name; null when none matches.</summary>
    public static V1ContainerPort? ResolvePort(V1Container container, IntOrString port)
    {
        var text = port.Value;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? container.Ports?.SingleOrDefault(p => p.ContainerPort == number)
            : container.Ports?.SingleOrDefault(p => p.Name == text);
    }

    /// <summary>True when every label of <paramref name="selector"/> is on <paramref name="labels"/> (and it selects something).</summary>
    public static bool Selects(IDictionary<string, string>? selector, IDictionary<string, string>? labels) =>
        selector is { Count: > 0 } && labels is not null &&
        selector.All(s => labels.TryGetValue(s.Key, out var value) && value == s.Value);

    /// <summary>Strict: an unknown field, a wrong type or an unknown apiVersion/kind throws.</summary>
    public static List<object> Parse(string yaml) => KubernetesYaml.LoadAllFromString(yaml, typeMap: null, strict: true);

    private static IReadOnlyList<object> ParseFile(string path)
    {
        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"{System.IO.Path.GetFileName(path)}: {e.Message}", e);
        }
    }

    public static KustomizationFile LoadKustomization(string yaml) =>
        new DeserializerBuilder().WithNamingConvention(CamelCaseNamingConvention.Instance).Build().Deserialize<KustomizationFile>(yaml);

    private static string FindDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "VioPay.sln")))
            {
                return System.IO.Path.Combine(dir.FullName, "deploy", "kubernetes");
            }
        }

        throw new InvalidOperationException("repository root (VioPay.sln) not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>The parts of kustomization.yaml this folder uses; any other field fails the strict parse.</summary>
public sealed class KustomizationFile
{
    public string ApiVersion { get; set; } = "";
    public string Kind { get; set; } = "";
    public string? Namespace { get; set; }
    public List<KustomizationLabels> Labels { get; set; } = [];
    public List<string> Resources { get; set; } = [];
    public List<KustomizationImage> Images { get; set; } = [];
}

public sealed class KustomizationLabels
{
    public Dictionary<string, string> Pairs { get; set; } = [];
    public bool IncludeSelectors { get; set; }
    public bool IncludeTemplates { get; set; }
}

public sealed class KustomizationImage
{
    public string Name { get; set; } = "";
    public string? NewName { get; set; }
    public string? NewTag { get; set; }
}
