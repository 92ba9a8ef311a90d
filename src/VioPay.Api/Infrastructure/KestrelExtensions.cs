namespace VioPay.Api.Infrastructure;

public static class KestrelExtensions
{
    /// <summary>
    /// Transport limits that hold whatever an endpoint does: bounded headers, a deadline for them,
    /// and a minimum body rate, so slow or oversized requests cannot tie up the server.
    /// Body size is enforced per route family by <see cref="RequestBodyBufferingMiddleware"/>.
    /// </summary>
    public static WebApplicationBuilder AddKestrelLimits(this WebApplicationBuilder builder)
    {
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            kestrel.Limits.MaxRequestHeaderCount = 64;
            kestrel.Limits.MaxRequestLineSize = 8 * 1024;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
            kestrel.Limits.MaxRequestBodySize = 4 * 1024 * 1024;
            kestrel.Limits.MinRequestBodyDataRate = new Microsoft.AspNetCore.Server.Kestrel.Core.MinDataRate(240, TimeSpan.FromSeconds(5));
        });
        return builder;
    }
}
