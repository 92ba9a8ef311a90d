using Microsoft.Extensions.Options;
using VioPay.Api.Infrastructure.Errors;

namespace VioPay.Api.Infrastructure;

/// <summary>The raw request body exactly as received: the bytes HMAC signatures are computed over.</summary>
public sealed class RawRequestBody(byte[] bytes)
{
    public static readonly RawRequestBody Empty = new([]);

    public byte[] Bytes { get; } = bytes;

    public bool IsEmpty => Bytes.Length == 0;
}

/// <summary>
/// Reads every request body into memory once, up to the limit of its route family (64 KiB for
/// POS routes, 1 MiB for the backoffice), before any endpoint runs. A body over the limit is a
/// 413 in the envelope whether or not the endpoint would have read it, and the bytes kept are the
/// ones the signature is verified over, so nothing downstream can read a different body.
/// </summary>
public sealed class RequestBodyBufferingMiddleware(RequestDelegate next, IOptions<LimitsOptions> options)
{
    public async Task InvokeAsync(HttpContext context)
    {
        // Routing matches paths case-insensitively, so the POS limit must too (PROTOCOL §12.3): /POS/bootstrap is a POS route.
        var limit = context.Request.Path.StartsWithSegments("/pos", StringComparison.OrdinalIgnoreCase)
            ? options.Value.PosMaxBodyBytes
            : options.Value.BackofficeMaxBodyBytes;

        var request = context.Request;
        if (request.ContentLength > limit)
        {
            throw new ApiException(StatusCodes.Status413PayloadTooLarge, ErrorCodes.PayloadTooLarge,
                "Request body too large", new Dictionary<string, object?> { ["max_bytes"] = limit });
        }

        var body = RawRequestBody.Empty;
        if (request.ContentLength > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0))
        {
            body = new RawRequestBody(await ReadLimitedAsync(request.Body, limit, context.RequestAborted));
        }

        context.Features.Set(body);
        request.Body = new MemoryStream(body.Bytes, writable: false);
        await next(context);
    }

    /// <summary>
    /// Grows with the bytes that arrive, never sized from Content-Length up front: a slow client declaring 1 MiB must
    /// not hold 1 MiB of memory per connection before it has sent anything.
    /// </summary>
    private static async Task<byte[]> ReadLimitedAsync(Stream stream, int limit, CancellationToken cancellationToken)
    {
        int read;
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                throw new ApiException(StatusCodes.Status413PayloadTooLarge, ErrorCodes.PayloadTooLarge,
                    "Request body too large", new Dictionary<string, object?> { ["max_bytes"] = limit });
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}

public static class RequestBodyExtensions
{
    public static RawRequestBody RawBody(this HttpContext context) =>
        context.Features.Get<RawRequestBody>() ?? RawRequestBody.Empty;
}
