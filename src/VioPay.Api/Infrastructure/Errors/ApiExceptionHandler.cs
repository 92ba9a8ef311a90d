using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using StackExchange.Redis;
using VioPay.Api.Infrastructure.Security;

namespace VioPay.Api.Infrastructure.Errors;

/// <summary>
/// The one place where failures become answers: expected ones (<see cref="ApiException"/>), the
/// framework's own (bad JSON, body too large, wrong content type), an unavailable dependency
/// (503 5003, never a half-done change: the transaction that threw is rolled back), and the rest
/// (500 5000 without internals; the details go to the log under the same trace id).
/// </summary>
public sealed class ApiExceptionHandler(ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && httpContext.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is nobody to answer.
            return true;
        }

        var error = Map(exception);
        if (exception is StoredKeyException stored)
        {
            // Someone changed a key block at rest (or it was never re-wrapped by `migrate`): the request failed closed.
            // Operators need to know; the log names the purpose and owner, never the block.
            logger.LogError("Stored key refused: {Purpose} of {Owner} ({Tr31Error})", stored.Key.Purpose, stored.Key.Owner, stored.Error);
        }
        else if (error.StatusCode >= 500)
        {
            if (error.StatusCode == StatusCodes.Status503ServiceUnavailable)
            {
                logger.LogWarning("Dependency unavailable: {ExceptionType}: {ExceptionMessage}",
                    exception.GetType().Name, exception.Message);
            }
            else
            {
                logger.LogError(exception, "Unhandled exception");
            }
        }

        await ErrorWriter.WriteAsync(httpContext, error);
        return true;
    }

    internal static ApiException Map(Exception exception) => exception switch
    {
        ApiException api => api,
        BadHttpRequestException bad => MapBadRequest(bad),
        JsonException => ApiException.BadRequest("Malformed JSON body"),
        StoredKeyException => ApiException.Unauthorized("Stored key material failed an integrity check; the request was refused",
            new Dictionary<string, object?> { ["reason"] = "stored_key_invalid" }),
        _ when IsDependencyFailure(exception) => ApiException.DependencyUnavailable(),
        _ => new ApiException(StatusCodes.Status500InternalServerError, ErrorCodes.Internal, "Internal error"),
    };

    private static ApiException MapBadRequest(BadHttpRequestException bad) => bad.StatusCode switch
    {
        StatusCodes.Status413PayloadTooLarge =>
            new ApiException(413, ErrorCodes.PayloadTooLarge, "Request body too large"),
        StatusCodes.Status415UnsupportedMediaType =>
            new ApiException(415, ErrorCodes.UnsupportedMediaType, "Content-Type must be application/json"),
        _ when bad.InnerException is JsonException => ApiException.BadRequest("Malformed JSON body"),
        _ => ApiException.BadRequest("Bad request"),
    };

    internal static bool IsDependencyFailure(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case NpgsqlException:
                case RedisConnectionException:
                case RedisTimeoutException:
                case TimeoutException:
                case System.Net.Sockets.SocketException:
                    return true;
                case RedisServerException server when IsClusterUnavailable(server.Message):
                case InvalidOperationException when e.Source == "Npgsql":
                case Microsoft.EntityFrameworkCore.Storage.RetryLimitExceededException:
                    return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A Redis (Cluster) node's answer that the data is there but cannot be reached now: the slot's master is down or
    /// unassigned (CLUSTERDOWN), moving (TRYAGAIN, MOVED/ASK left over after the client's own redirects), still loading
    /// its data (LOADING), or a replica that lost its master (MASTERDOWN, READONLY after a failover). Retrying later can
    /// succeed, so these are 503, like a lost connection.
    /// </summary>
    private static bool IsClusterUnavailable(string message) =>
        message.StartsWith("CLUSTERDOWN", StringComparison.Ordinal) || message.StartsWith("TRYAGAIN", StringComparison.Ordinal)
        || message.StartsWith("MOVED", StringComparison.Ordinal) || message.StartsWith("ASK", StringComparison.Ordinal)
        || message.StartsWith("LOADING", StringComparison.Ordinal) || message.StartsWith("MASTERDOWN", StringComparison.Ordinal)
        || message.StartsWith("READONLY", StringComparison.Ordinal);
}
