using VioPay.Api.Infrastructure.Errors;

namespace VioPay.Api.Infrastructure.OpenApi;

/// <summary>Header requirements an endpoint declares for the OpenAPI document.</summary>
public sealed record HeaderDoc(string Name, bool Required, string Description);

public sealed record HeadersMetadata(IReadOnlyList<HeaderDoc> Headers);

/// <summary>A JSON request body for the OpenAPI document only (see <see cref="EndpointDocs.DocumentsJsonBody{T}"/>).</summary>
public sealed record JsonBodyMetadata(Type Type);

public static class EndpointDocs
{
    /// <summary>Documents the error answers an endpoint can give, each in the PROTOCOL §3 envelope.</summary>
    public static RouteHandlerBuilder ProducesErrors(this RouteHandlerBuilder builder, params int[] statuses)
    {
        foreach (var status in statuses)
        {
            builder.Produces<ErrorEnvelope>(status, "application/json");
        }

        return builder;
    }

    /// <summary>
    /// Documents a JSON request body without <c>Accepts&lt;T&gt;()</c>: that one also makes routing answer 415 before any
    /// endpoint filter runs, and an unauthenticated request must get its 401 whatever its content type (fine point 2).
    /// </summary>
    public static RouteHandlerBuilder DocumentsJsonBody<T>(this RouteHandlerBuilder builder) =>
        builder.WithMetadata(new JsonBodyMetadata(typeof(T)));

    public static TBuilder WithHeaders<TBuilder>(this TBuilder builder, params HeaderDoc[] headers)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.WithMetadata(new HeadersMetadata(headers));
        return builder;
    }
}
