using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.Features;
using VioPay.Api.Devices;
using VioPay.Api.Infrastructure;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Infrastructure.Redis;
using VioPay.Api.Infrastructure.Security;
using VioPay.Api.Keys;
using VioPay.Api.Pos;
using VioPay.Crypto;

namespace VioPay.Api.Payments;

/// <summary>The terminal a charge-family request was signed by, with its device and active key set (read-only).</summary>
public sealed record PosTerminalContext(Device Device, KeySet KeySet)
{
    public string TerminalId => Device.TerminalId!;
}

/// <summary>
/// HMAC authentication of the charge family (seed 001 "HMAC Charge Headers", PROTOCOL §5), in this order: missing
/// headers, malformed headers, app version (426), timestamp window (401 with server_time), the terminal's active key
/// set and its MAC key id (401), the signature over the raw request, constant time (401), the key set's expiry (401,
/// <c>details.reason: "key_set_expired"</c>, PROTOCOL §11.9), the nonce, single use per terminal in Redis (401), then the device's state (403 suspended) and the body's content type (415). Nothing is
/// decrypted before the signature holds, and a nonce is spent only by a correctly signed request.
/// </summary>
public sealed class TerminalAuthFilter : IEndpointFilter
{
    private const string BadSignature = "Invalid signature";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var request = http.Request;
        var services = http.RequestServices;
        var validator = services.GetRequiredService<PosHeaderValidator>();

        PosHeaderValidator.RequirePresent(request, PosHeaderNames.Charge);
        validator.ValidatePresent(request);
        if (request.Headers.TryGetValue(PosHeaderNames.IdempotencyKey, out var idempotency) &&
            (idempotency.Count != 1 || !PaymentValidation.IsIdempotencyKey(idempotency.ToString())))
        {
            throw ApiException.BadRequest("Invalid header values", new Dictionary<string, object?>
            {
                ["invalid_headers"] = new[] { PosHeaderNames.IdempotencyKey },
            });
        }

        validator.RequireSupportedVersion(request);
        var headers = request.Headers;
        var timestamp = headers[PosHeaderNames.Timestamp].ToString();
        validator.RequireFreshTimestamp(timestamp);

        var terminalId = headers[PosHeaderNames.TerminalId].ToString();
        var keyId = headers[PosHeaderNames.KeyId].ToString();
        var found = await services.GetRequiredService<TerminalDirectory>().FindAsync(services, terminalId);

        // An unknown terminal and a key id that is not the active MAC key answer alike (fine point 8), so the
        // answer does not tell which terminals exist.
        if (found is null || !FixedTimeEquals(found.KeySet.MacKeyId, keyId))
        {
            throw ApiException.Unauthorized("Unknown terminal or X-Key-Id is not the active MAC key");
        }

        var (path, query) = SignedTarget(http);
        var mac = services.GetRequiredService<LocalMasterKey>().Unprotect(found.KeySet.Stored(KeySetKey.Mac), found.KeySet.MacBlock);
        bool valid;
        try
        {
            valid = RequestSignature.Verify(mac,
                RequestSignature.ChargeString(request.Method, path, query, http.RawBody().Bytes, terminalId, timestamp,
                    headers[PosHeaderNames.Nonce].ToString()),
                headers[PosHeaderNames.Signature].ToString());
        }
        finally
        {
            CryptographicOperations.ZeroMemory(mac);
        }

        if (!valid)
        {
            throw ApiException.Unauthorized(BadSignature);
        }

        // PROTOCOL §11.9: an expired set authenticates nothing. Judged after the signature, so only the terminal itself
        // learns why, and before the nonce, so the refused request spends nothing.
        if (found.KeySet.ExpiresAt <= services.GetRequiredService<TimeProvider>().GetUtcNow())
        {
            throw ApiException.Unauthorized("Key set expired: rotate keys (attest, keys, activate)", new Dictionary<string, object?>
            {
                ["reason"] = KeySetIssuer.KeySetExpiredReason,
            });
        }

        var nonces = services.GetRequiredService<NonceStore>();
        if (!await nonces.TryUseAsync("charge", terminalId, headers[PosHeaderNames.Nonce].ToString(), validator.NonceLifetime))
        {
            throw ApiException.Unauthorized("Nonce already used");
        }

        if (found.Device.Suspended)
        {
            throw ApiException.Forbidden("Device is suspended", new Dictionary<string, object?> { ["device_id"] = found.Device.Id });
        }

        if (found.Device.Status != DeviceStatus.Activated)
        {
            throw ApiException.Conflict("Device is not activated", new Dictionary<string, object?> { ["device_status"] = found.Device.Status });
        }

        PosAuthFilter.RequireJsonWhenBody(http);
        http.Features.Set(found);
        return await next(context);
    }

    /// <summary>
    /// PATH and QUERY exactly as the terminal sent them (PROTOCOL §5): the raw request target, not the decoded path,
    /// so percent-encoding is signed byte for byte.
    /// </summary>
    public static (string Path, string Query) SignedTarget(HttpContext http)
    {
        var raw = http.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(raw) || raw[0] != '/')
        {
            var query = http.Request.QueryString.Value ?? "";
            return ((http.Request.PathBase + http.Request.Path).ToUriComponent(), query.StartsWith('?') ? query[1..] : query);
        }

        var mark = raw.IndexOf('?', StringComparison.Ordinal);
        return mark < 0 ? (raw, "") : (raw[..mark], raw[(mark + 1)..]);
    }

    private static bool FixedTimeEquals(string expected, string presented) =>
        CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.UTF8.GetBytes(expected), System.Text.Encoding.UTF8.GetBytes(presented));
}

public static class TerminalAuthExtensions
{
    public static TBuilder RequireTerminalSignature<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.AddEndpointFilter(new TerminalAuthFilter());
        builder.WithMetadata(Infrastructure.OpenApi.ApiSecurity.TerminalSignature);
        return builder;
    }

    public static PosTerminalContext Terminal(this HttpContext http) =>
        http.Features.Get<PosTerminalContext>() ?? throw new InvalidOperationException("Terminal authentication did not run.");
}
