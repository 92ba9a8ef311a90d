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
