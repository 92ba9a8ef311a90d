using System.CommandLine;
using System.Net;

namespace VioPay.Api.Infrastructure.Cli;

/// <summary>
/// <c>healthcheck</c>: asks a running instance's readiness endpoint. It needs no configuration of its own (no database,
/// Redis or LMK), so it runs before any host is built: the container's HEALTHCHECK and compose use it, as the runtime
/// image has no curl.
/// </summary>
internal static class HealthcheckCommand
{
    public static Command Build()
    {
        var url = new Option<string>("--url")
        {
            Description = "The instance's base address.",
            DefaultValueFactory = _ => "http://127.0.0.1:8080",
        };
        url.Validators.Add(result =>
        {
            if (!Uri.TryCreate(result.GetValueOrDefault<string>(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                result.AddError("--url must be an absolute http(s) address, e.g. http://127.0.0.1:8080.");
            }
        });
        var timeout = new Option<int>("--timeout")
        {
            Description = "Seconds to wait for the answer.",
            DefaultValueFactory = _ => 5,
        };
        var command = new Command("healthcheck",
            "Exits 0 when the instance at --url answers 200 on /health/ready (PostgreSQL and Redis reachable), 1 otherwise.")
        {
            url, timeout,
        };
        command.SetAction(async parse =>
        {
            var target = new Uri(new Uri(parse.GetRequiredValue(url)), "/health/ready");
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(timeout))) };
            try
            {
                using var response = await http.GetAsync(target);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    AdminCli.WriteJson(new { status = "ready", url = target });
                    return 0;
                }

                return AdminCli.WriteError($"{target} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return AdminCli.WriteError($"{target} did not answer: {e.Message}");
            }
        });
        return command;
    }
}
