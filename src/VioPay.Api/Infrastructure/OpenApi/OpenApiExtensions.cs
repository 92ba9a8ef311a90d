using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace VioPay.Api.Infrastructure.OpenApi;

public static class OpenApiExtensions
{
    /// <summary>The document's route, /openapi/v1.json (the framework's default, spelled out because the reference reads it).</summary>
    private const string DocumentRoute = "/openapi/{documentName}.json";
    private const string ReferencePath = "/docs";

    /// <summary>What each tag groups, for the reference's sidebar (every tag an endpoint uses needs one).</summary>
    private static readonly Dictionary<string, string> TagDescriptions = new()
    {
        ["Health"] = "Liveness and readiness probes for load balancers and orchestrators. No credential.",
        ["Sessions"] = "Bearer tokens for merchant API clients and the session context every backoffice route needs (docs/INTEGRATION.md, step 0).",
        ["POS activation"] = "Steps 1-8 of a terminal's life before its first payment: bootstrap, pairing code, claim, attest, keys, " +
            "config, terminal parameters, activate (docs/PROTOCOL.md §4-§7).",
        ["POS payments"] = "The charge family: HMAC-signed requests with MSK-encrypted bodies both ways. Charges, pre-authorizations, " +
            "increments, captures, refunds, cancels, recovery by Idempotency-Key and the day close (docs/PROTOCOL.md §8, §11).",
        ["POS fleet"] = "The terminal's heartbeat on the charge family's headers and envelopes: what it reports shows as connectivity " +
            "in the backoffice, and the answer tells it to fetch its config again or rotate keys (docs/PROTOCOL.md §13.4-§13.5).",
        ["Backoffice: merchant"] = "A merchant's devices, settings, charges, refunds and closed batches (Bearer with a merchant session).",
        ["Backoffice: reseller"] = "A reseller's device inventory and its assignment to merchants (Bearer with a reseller session, §12.1).",
        ["Webhooks"] = "A merchant's webhook endpoints and events: signed POSTs (VioPay-Signature: t=…,v1=hex HMAC-SHA256) retried with " +
            "back-off for 72 h, and the events list with each event's delivery attempts (Bearer with a merchant session, docs/PROTOCOL.md §13.1-§13.3).",
    };

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
                        "(PROTOCOL §3). POS bodies marked MSK travel as TR31-DATA envelopes. The byte-level rules are in " +
                        "docs/PROTOCOL.md and the walk from provisioning to a first charge in docs/INTEGRATION.md.",
                    License = new OpenApiLicense { Name = "Proprietary", Identifier = "LicenseRef-VioPay-Proprietary" },
                };

                // Relative: the host the document was fetched from, whatever name or proxy it was reached through. The
                // generator's absolute "http://host/" named the internal address behind a proxy, and its trailing slash
                // made every joined path start with "//".
                document.Servers = [new OpenApiServer { Url = "/", Description = "The host that serves this document" }];

                foreach (var tag in document.Tags ?? new HashSet<OpenApiTag>())
                {
                    if (tag.Name is not null && TagDescriptions.TryGetValue(tag.Name, out var description))
                    {
                        tag.Description = description;
                    }
                }

                return Task.CompletedTask;
            });
            options.AddDocumentTransformer<ApiSecurityTransformer>();
            options.AddOperationTransformer<ApiSecurityTransformer>();

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
                // A group's headers and the endpoint's own add up (the merchant refund's Idempotency-Key beside the group's
                // Authorization); the endpoint's description of a header wins.
                var headers = context.Description.ActionDescriptor.EndpointMetadata.OfType<HeadersMetadata>()
                    .SelectMany(m => m.Headers)
                    .GroupBy(h => h.Name, StringComparer.OrdinalIgnoreCase)
                    .Select(g => g.Last())
                    .ToList();
                if (headers.Count == 0)
                {
                    return Task.CompletedTask;
                }

                operation.Parameters ??= [];
                foreach (var header in headers)
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

    /// <summary>
    /// The OpenAPI document and the interactive reference on it. Both are public in every environment: they describe the
    /// contract, not any data, and terminal vendors read them first. Scalar serves its script from the package itself,
    /// so the page needs no CDN; the default web fonts (a CDN), telemetry and the AI chat (which would send the document to
    /// Scalar's service) are off.
    /// </summary>
    public static WebApplication MapApiDocumentation(this WebApplication app)
    {
        app.MapOpenApi(DocumentRoute);
        app.MapScalarApiReference(ReferencePath, options => options
            .WithTitle("VioPay POS API reference")
            .WithOpenApiRoutePattern(DocumentRoute)
            .DisableDefaultFonts()
            .DisableTelemetry()
            .DisableAgent()
            .DisableMcp());
        return app;
    }
}
