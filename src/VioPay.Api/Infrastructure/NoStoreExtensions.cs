namespace VioPay.Api.Infrastructure;

/// <summary>Marks an endpoint whose answer carries a secret, so that no cache or proxy keeps a copy.</summary>
public sealed record NoStoreMetadata;

public static class NoStoreExtensions
{
    /// <summary>
    /// <c>Cache-Control: no-store</c> (and <c>Pragma: no-cache</c> for HTTP/1.0 caches) on every answer of the endpoint.
    /// For answers that carry a secret once: provisioning, identity keys, key sets, attestation and Bearer tokens.
    /// </summary>
    public static TBuilder WithNoStore<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.WithMetadata(new NoStoreMetadata());
        builder.AddEndpointFilter(async (context, next) =>
        {
            var headers = context.HttpContext.Response.Headers;
            headers.CacheControl = "no-store";
            headers.Pragma = "no-cache";
            return await next(context);
        });
        return builder;
    }
}
