using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace VioPay.Api.Infrastructure.OpenApi;

public static class OpenApiExtensions
{
    public static WebApplicationBuilder AddApiDocumentation(this WebApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "VioPay POS API",
                    Version = "v1",
                    Description = "The API that card-present POS terminals and the merchant backoffice talk to. " +
                        "Every non-2xx answer carries the error envelope {\"error\":{code,message,details?,trace_id}} " +
                        "(PROTOCOL §3). POS bodies marked MSK travel as TR31-DATA envelopes.",
                };
                return Task.CompletedTask;
            });

            options.AddOperationTransformer(async (operation, context, cancellationToken) =>
            {
                var body = context.Description.ActionDescriptor.EndpointMetadata.OfType<JsonBodyMetadata>().LastOrDefault();
                if (body is not null)
                {
                    operation.RequestBody = new OpenApiRequestBody
                    {
                        Required = true,
                        Content = new Dictionary<string, OpenApiMediaType>
                        {
                            ["application/json"] = new() { Schema = await context.GetOrCreateSchemaAsync(body.Type, null, cancellationToken) },
                        },
                    };
                }
            });

            // Headers declared with WithHeaders(...) become header parameters of the operation.
            options.AddOperationTransformer((operation, context, _) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata.OfType<HeadersMetadata>().LastOrDefault();
                if (metadata is null)
                {
                    return Task.CompletedTask;
                }

                operation.Parameters ??= [];
                foreach (var header in metadata.Headers)
                {
                    operation.Parameters.Add(new OpenApiParameter
                    {
                        Name = header.Name,
                        In = ParameterLocation.Header,
                        Required = header.Required,
                        Description = header.Description,
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                    });
                }

                return Task.CompletedTask;
            });
        });
        return builder;
    }
}
