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
                        "Every non-2xx answer carries the error envelope {\"error\":{code,message,details?,trace_id}}.",
                };
                return Task.CompletedTask;
            });
        });
        return builder;
    }
}
