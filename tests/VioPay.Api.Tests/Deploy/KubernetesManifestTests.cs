using System.Globalization;
using System.Net;
using k8s.Models;
using VioPay.Api.Infrastructure.Cli;
using VioPay.Api.Infrastructure.Health;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Infrastructure.Security;
using VioPay.Api.Infrastructure.Telemetry;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Deploy;

/// <summary>
/// Issue 15: deploy/kubernetes holds together, and holds together with the app: probes hit real routes, settings use the
/// names the app reads, the Job runs a real admin command, and the stop sequence fits in the grace period. No cluster or
/// kubectl: the manifests are parsed strictly into the Kubernetes API's own models (KubernetesClient).
/// </summary>
public sealed class KubernetesManifestTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    private readonly KubernetesManifests _k8s = KubernetesManifests.Load();

    [Fact]
    public void TheKustomizationListsEveryManifestOfTheFolderAndEachListedFileExists()
    {
        var onDisk = Directory.GetFiles(_k8s.Directory, "*.y*ml").Select(f => Path.GetFileName(f)!)
            .Where(f => f is not "kustomization.yaml").Order(StringComparer.Ordinal).ToList();

        Assert.Equal("Kustomization", _k8s.Kustomization.Kind);
        Assert.Equal(onDisk, _k8s.Kustomization.Resources.Order(StringComparer.Ordinal).ToList());
        Assert.All(_k8s.Kustomization.Resources, r => Assert.True(File.Exists(Path.Combine(_k8s.Directory, r)), r));
        Assert.All(_k8s.Files, f => Assert.NotEmpty(f.Value));
    }

    [Fact]
    public void EveryPieceTheIssueAsksForIsThereAndAMisspeltFieldFailsTheParse()
    {
        Assert.Single(_k8s.Objects.OfType<V1Deployment>());
        Assert.Single(_k8s.Objects.OfType<V1Job>());
        Assert.Single(_k8s.Objects.OfType<V1Service>());
        Assert.Single(_k8s.Objects.OfType<V2HorizontalPodAutoscaler>());
        Assert.Single(_k8s.Objects.OfType<V1PodDisruptionBudget>());
        Assert.Single(_k8s.Objects.OfType<V1ConfigMap>());
        Assert.NotEmpty(_k8s.Objects.OfType<V1Secret>());

        // The parse is strict: the same Deployment with one field misspelt is refused, as the API server would refuse it.
        var deployment = File.ReadAllText(Path.Combine(_k8s.Directory, "deployment.yaml"));
        Assert.Contains("failureThreshold:", deployment, StringComparison.Ordinal);
        Assert.ThrowsAny<Exception>(() => KubernetesManifests.Parse(deployment.Replace("failureThreshold:", "failureTreshold:", StringComparison.Ordinal)));
        Assert.ThrowsAny<Exception>(() => KubernetesManifests.LoadKustomization("resources: []\nresource: [a.yaml]\n"));
    }

    [Fact]
    public async Task TheProbesAreRealHealthRoutesOnTheContainersHttpPort()
    {
        var container = _k8s.ApiContainer;
        var probes = new[] { container.StartupProbe, container.LivenessProbe, container.ReadinessProbe };
        Assert.All(probes, p => Assert.NotNull(p?.HttpGet));
        Assert.Equal("/health/ready", container.ReadinessProbe.HttpGet.Path);
        // Liveness and start-up must not depend on PostgreSQL or Redis (an outage would restart every pod), and must stay
        // 200 while a pod drains.
        Assert.Equal("/health/live", container.LivenessProbe.HttpGet.Path);
        Assert.Equal("/health/live", container.StartupProbe.HttpGet.Path);

        var listening = new Uri(_k8s.ApiSetting("ASPNETCORE_URLS")!.Replace("+", "localhost", StringComparison.Ordinal)).Port;
        foreach (var probe in probes)
        {
            Assert.Equal(listening, KubernetesManifests.ResolvePort(container, probe!.HttpGet.Port)?.ContainerPort);
            using var response = await app.CreateClient().GetAsync(probe.HttpGet.Path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public void EveryContainerHasCpuAndMemoryRequestsAndLimits()
    {
        foreach (var (owner, pod) in _k8s.PodSpecs)
        {
            foreach (var container in pod.Containers.Concat(pod.InitContainers ?? []))
            {
                foreach (var resource in new[] { "cpu", "memory" })
                {
                    var request = ValueOf(container.Resources?.Requests, resource);
                    var limit = ValueOf(container.Resources?.Limits, resource);
                    Assert.True(request is not null && limit is not null, $"{owner}/{container.Name}: {resource} request and limit");
                    Assert.True(request.ToDecimal() <= limit.ToDecimal(), $"{owner}/{container.Name}: {resource} request above limit");
                }
            }
        }
    }

    [Fact]
    public void EnvironmentReferencesExistAndTheSettingsUseTheNamesTheAppReads()
    {
        foreach (var (owner, pod) in _k8s.PodSpecs)
        {
            foreach (var container in pod.Containers)
            {
                foreach (var source in container.EnvFrom ?? [])
                {
                    var (kind, name) = source.ConfigMapRef is { } c ? ("ConfigMap", c.Name) : ("Secret", source.SecretRef.Name);
                    Assert.True(_k8s.KeysOf(kind, name) is not null, $"{owner}: envFrom {kind} {name} is not in the folder");
                }

                foreach (var variable in container.Env ?? [])
                {
                    var (kind, name, key) = variable.ValueFrom?.SecretKeyRef is { } s ? ("Secret", s.Name, s.Key)
                        : variable.ValueFrom?.ConfigMapKeyRef is { } c ? ("ConfigMap", c.Name, c.Key)
                        : (null, null, null);
                    if (kind is not null)
                    {
                        Assert.True(_k8s.KeysOf(kind, name!)?.Contains(key!) == true, $"{owner}: {variable.Name} names {kind} {name} key {key}, which is not there");
                    }
                }
            }
        }

        // What start-up requires outside Development, by the names the app itself declares.
        var available = ApiEnvironmentNames();
        string[] required =
        [
            EnvName($"ConnectionStrings:{DatabaseConnection.ConnectionStringName}"), EnvName("ConnectionStrings:Redis"),
            EnvName(SecurityExtensions.LmkKey), EnvName("Payments:Processor"),
            EnvName($"{HostingOptions.Section}:{nameof(HostingOptions.ShutdownDrainSeconds)}"),
        ];
        Assert.All(required, r => Assert.Contains(r, available));
        Assert.Equal("Production", _k8s.ApiSetting("ASPNETCORE_ENVIRONMENT"));
        // The pods reach PostgreSQL through PgBouncer in transaction mode: the pooler setting must say so, in a value the app takes.
        Assert.Equal(DatabasePooler.PgBouncerTransaction,
            Enum.Parse<DatabasePooler>(_k8s.ApiSetting(EnvName(DatabaseConnection.PoolerKey)) ?? "None", ignoreCase: true));
    }

    [Fact]
    public async Task TheMigrationJobRunsAnAdminCommandOfTheSameImageDirectlyAgainstPostgres()
    {
        var job = _k8s.MigrationJob;
        var container = Assert.Single(job.Spec.Template.Spec.Containers);
        Assert.Contains(job.Spec.Template.Spec.RestartPolicy, new[] { "Never", "OnFailure" });
        Assert.Equal(_k8s.ApiContainer.Image, container.Image);
        Assert.Contains(_k8s.Kustomization.Images, i => i.Name == container.Image);

        var command = container.Command ?? [];
        Assert.Equal(["dotnet", "VioPay.Api.dll"], command.Take(2));
        var arguments = command.Skip(2).Concat(container.Args ?? []).ToArray();
        Assert.Equal("migrate", arguments.FirstOrDefault());
        Assert.Contains(arguments[0], AdminCli.Parse([]).Commands);
        // The built executable accepts exactly these arguments (a typo would be a usage error, exit 2).
        var help = await ApiProcess.RunToExitAsync(new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production" },
            TimeSpan.FromSeconds(30), [.. arguments, "--help"]);
        Assert.True(help.ExitCode == 0, help.ToString());

        // Not the API's (pooled) connection string: its own, straight to the primary.
        var postgres = Assert.Single(container.Env ?? [], e => e.Name == EnvName($"ConnectionStrings:{DatabaseConnection.DirectConnectionStringName}"));
        Assert.NotNull(postgres.ValueFrom?.SecretKeyRef);
        Assert.DoesNotContain(_k8s.ApiContainer.Env ?? [], e => e.ValueFrom?.SecretKeyRef?.Name == postgres.ValueFrom.SecretKeyRef.Name);
    }

    [Fact]
    public void TheAutoscalerScalesTheDeploymentOnCpuAndScalesDownSlowly()
    {
        var hpa = _k8s.Single<V2HorizontalPodAutoscaler>();
        Assert.Equal(("apps/v1", "Deployment", _k8s.Deployment.Metadata.Name),
            (hpa.Spec.ScaleTargetRef.ApiVersion, hpa.Spec.ScaleTargetRef.Kind, hpa.Spec.ScaleTargetRef.Name));
        Assert.Contains(hpa.Spec.Metrics, m => m.Type == "Resource" && m.Resource?.Name == "cpu" && m.Resource.Target.AverageUtilization > 0);
        Assert.True(hpa.Spec.MinReplicas >= 2, "one replica would leave nothing serving while it restarts");
        Assert.True(hpa.Spec.Behavior?.ScaleDown?.StabilizationWindowSeconds > 0);
        // The autoscaler owns the count: a replicas field would reset it on every apply.
        Assert.Null(_k8s.Deployment.Spec.Replicas);
    }

    [Fact]
    public void TheDisruptionBudgetServiceAndNetworkPolicySelectTheDeploymentsPods()
    {
        var pods = _k8s.Deployment.Spec.Template.Metadata.Labels;
        Assert.True(KubernetesManifests.Selects(_k8s.Deployment.Spec.Selector.MatchLabels, pods));

        var pdb = _k8s.Single<V1PodDisruptionBudget>();
        Assert.True(KubernetesManifests.Selects(pdb.Spec.Selector.MatchLabels, pods));
        Assert.True(pdb.Spec.MaxUnavailable is not null || pdb.Spec.MinAvailable is not null);

        var service = _k8s.Single<V1Service>();
        Assert.True(KubernetesManifests.Selects(service.Spec.Selector, pods));
        Assert.Equal("ClusterIP", service.Spec.Type ?? "ClusterIP");
        var http = _k8s.ApiContainer.ReadinessProbe.HttpGet.Port;
        Assert.All(service.Spec.Ports, p => Assert.Equal(
            KubernetesManifests.ResolvePort(_k8s.ApiContainer, http), KubernetesManifests.ResolvePort(_k8s.ApiContainer, p.TargetPort)));

        foreach (var policy in _k8s.Objects.OfType<V1NetworkPolicy>())
        {
            Assert.True(KubernetesManifests.Selects(policy.Spec.PodSelector.MatchLabels, pods));
            Assert.All(policy.Spec.Ingress.SelectMany(i => i.Ports ?? []),
                p => Assert.NotNull(KubernetesManifests.ResolvePort(_k8s.ApiContainer, p.Port)));
        }
    }

    [Fact]
    public void APodStopsWithinItsGracePeriodAfterPreStopDrainAndShutdownTimeout()
    {
        var preStop = _k8s.ApiContainer.Lifecycle?.PreStop;
        Assert.NotNull(preStop);
        var sleep = preStop.Sleep?.Seconds ?? SleepOfExec(preStop.Exec);
        var drain = Seconds($"{HostingOptions.Section}:{nameof(HostingOptions.ShutdownDrainSeconds)}");
        var shutdown = Seconds($"{HostingOptions.Section}:{nameof(HostingOptions.ShutdownTimeoutSeconds)}");

        Assert.True(sleep > 0 && drain > 0, $"preStop sleep {sleep} s and drain {drain} s must both be set");
        Assert.True(_k8s.Deployment.Spec.Template.Spec.TerminationGracePeriodSeconds > sleep + drain + shutdown,
            $"terminationGracePeriodSeconds must exceed preStop {sleep} + drain {drain} + shutdown timeout {shutdown}");
    }

    [Fact]
    public void ContainersRunAsTheImagesNonRootUserWithAReadOnlyRootAndAWritableTmp()
    {
        foreach (var (owner, pod) in _k8s.PodSpecs)
        {
            Assert.Equal(1654, pod.SecurityContext?.RunAsUser);
            foreach (var container in pod.Containers)
            {
                var security = container.SecurityContext;
                Assert.True(security?.RunAsNonRoot == true && security.AllowPrivilegeEscalation == false, $"{owner}/{container.Name}");
                Assert.Equal(["ALL"], security.Capabilities?.Drop ?? []);
                if (security.ReadOnlyRootFilesystem == true)
                {
                    Assert.Contains(container.VolumeMounts ?? [], m => m.MountPath == "/tmp");
                }
            }
        }

        var annotations = _k8s.Deployment.Spec.Template.Metadata.Annotations;
        var metricsPort = _k8s.ApiSetting(EnvName($"{TelemetryOptions.Section}:{nameof(TelemetryOptions.MetricsPort)}"));
        Assert.Equal(metricsPort, ValueOf(annotations, "prometheus.io/port"));
        Assert.Contains(_k8s.ApiContainer.Ports, p => p.ContainerPort.ToString(CultureInfo.InvariantCulture) == metricsPort);
    }

    [Fact]
    public void SecretsHoldOnlyMarkedPlaceholders()
    {
        foreach (var secret in _k8s.Objects.OfType<V1Secret>())
        {
            Assert.Null(secret.Data);
            Assert.All(secret.StringData, e => Assert.Contains("REPLACE-ME", e.Value, StringComparison.Ordinal));
        }
    }

    private HashSet<string> ApiEnvironmentNames()
    {
        var names = new HashSet<string>(_k8s.ApiContainer.Env?.Select(e => e.Name) ?? [], StringComparer.Ordinal);
        foreach (var source in _k8s.ApiContainer.EnvFrom ?? [])
        {
            names.UnionWith(source.ConfigMapRef is { } c ? _k8s.KeysOf("ConfigMap", c.Name)! : _k8s.KeysOf("Secret", source.SecretRef.Name)!);
        }

        return names;
    }

    private int Seconds(string key) =>
        int.Parse(_k8s.ApiSetting(EnvName(key)) ?? throw new InvalidOperationException($"{EnvName(key)} is not set"), CultureInfo.InvariantCulture);

    private static T? ValueOf<T>(IDictionary<string, T>? map, string key) where T : class =>
        map is not null && map.TryGetValue(key, out var value) ? value : null;

    private static string EnvName(string configurationKey) => configurationKey.Replace(":", "__", StringComparison.Ordinal);

    /// <summary>The N of an exec preStop hook <c>sleep N</c> (directly or through <c>sh -c</c>); 0 when it is something else.</summary>
    private static long SleepOfExec(V1ExecAction? exec) =>
        exec?.Command?.LastOrDefault()?.Split(' ') is ["sleep", var n] ? long.Parse(n, CultureInfo.InvariantCulture)
        : exec?.Command is ["sleep", var m] ? long.Parse(m, CultureInfo.InvariantCulture)
        : 0;
}
