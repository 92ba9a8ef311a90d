using Microsoft.AspNetCore.Http.Json;

namespace VioPay.Api.Infrastructure.Errors;

public static class ErrorHandlingExtensions
{
    public static WebApplicationBuilder AddErrorHandling(this WebApplicationBuilder builder)
    {
        builder.Services.AddExceptionHandler<ApiExceptionHandler>();
        builder.Services.AddProblemDetails();
        // Binding failures (malformed JSON, wrong content type) throw so that ApiExceptionHandler
        // writes them in the envelope instead of an empty 400.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        // Routing's content-type matcher answers 415 for a JSON-bound endpoint before authentication and authorization
        // run, so /pos/claim with text/plain and no token was 415 instead of 401 (PROTOCOL §10.2, §12.4). Without it, the
        // content type is judged when the body is bound, after authentication, on every route at once. The endpoints
        // keep their accepts metadata, so the OpenAPI document still names the JSON body.
        foreach (var policy in builder.Services.Where(d => d.ServiceType == typeof(Microsoft.AspNetCore.Routing.MatcherPolicy) &&
                     d.ImplementationType?.FullName == "Microsoft.AspNetCore.Routing.Matching.AcceptsMatcherPolicy").ToList())
        {
            builder.Services.Remove(policy);
        }

        return builder;
    }

    public static WebApplication UseErrorHandling(this WebApplication app)
    {
        app.UseExceptionHandler();
        // Answers the framework gives without a body (unknown route, wrong method, a bare 401)
        // get the envelope too.
        app.UseStatusCodePages(async context =>
        {
            var http = context.HttpContext;
            if (http.Response.HasStarted || http.Response.ContentLength > 0 || http.Response.ContentType is not null)
            {
                return;
            }

            var (code, message) = ErrorCodes.ForStatus(http.Response.StatusCode);
            await ErrorWriter.WriteAsync(http, http.Response.StatusCode, code, message);
        });
        return app;
    }
}
