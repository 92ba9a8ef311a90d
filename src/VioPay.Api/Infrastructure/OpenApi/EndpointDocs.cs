using VioPay.Api.Infrastructure.Errors;

namespace VioPay.Api.Infrastructure.OpenApi;

/// <summary>Header requirements an endpoint declares for the OpenAPI document.</summary>
public sealed record HeaderDoc(string Name, bool Required, string Description);

public sealed record HeadersMetadata(IReadOnlyList<HeaderDoc> Headers);

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

    public static TBuilder WithHeaders<TBuilder>(this TBuilder builder, params HeaderDoc[] headers)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.WithMetadata(new HeadersMetadata(headers));
        return builder;
    }
}
