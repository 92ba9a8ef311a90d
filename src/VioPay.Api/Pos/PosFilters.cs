using Microsoft.EntityFrameworkCore;
using VioPay.Api.Devices;
using VioPay.Api.Infrastructure;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Infrastructure.Redis;

namespace VioPay.Api.Pos;

/// <summary>The device a POS request was authenticated as (tracked by the request's DbContext).</summary>
public sealed record PosDevice(Device Device);

public enum PosAuth
{
    /// <summary>Activation headers; the app version is not enforced (bootstrap must answer old apps).</summary>
    ActivationAnyVersion,

    /// <summary>Activation headers (pairing code, status).</summary>
    Activation,

    /// <summary>Activation headers plus the four signature headers (attest).</summary>
    Attest,

    /// <summary><c>Authorization: Attestation att_…</c> and <c>X-Device-Id</c> (keys, config, terminal parameters, activate).</summary>
    AttestationToken,
}

/// <summary>
/// Authenticates POS requests once per endpoint group, in PROTOCOL §10's order: Authorization
/// first where it is used, then missing headers, malformed headers, app version, the device
/// itself (404 unknown, 403 suspended), and last the content type of a body (415). The unauthenticated activation
/// endpoints are rate-limited per client IP before all of that.
/// </summary>
public sealed class PosAuthFilter(PosAuth auth) : IEndpointFilter
{
    public const string AttestationScheme = "Attestation ";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var request = http.Request;
        var services = http.RequestServices;
        var validator = services.GetRequiredService<PosHeaderValidator>();

        if (auth is PosAuth.ActivationAnyVersion or PosAuth.Activation)
        {
            // PROTOCOL §12.2: counted before anything is looked at, so probing unknown device ids costs the same.
            var limits = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<RateLimitOptions>>().Value;
            await services.GetRequiredService<RateLimiter>().HitAsync("activation-ip", http.ClientIp(),
                limits.ActivationRequestsPerIpPerMinute, TimeSpan.FromMinutes(1));
        }

        AttestationGrant? grant = null;
        if (auth == PosAuth.AttestationToken)
        {
            grant = await AuthenticateAttestationTokenAsync(http);
            http.Features.Set(grant);
        }

        var required = auth switch
        {
            PosAuth.Attest => PosHeaderNames.Attest,
            PosAuth.AttestationToken => PosHeaderNames.AttestationToken,
            _ => PosHeaderNames.Activation,
        };
        PosHeaderValidator.RequirePresent(request, required);
        validator.ValidatePresent(request);
        if (auth != PosAuth.ActivationAnyVersion)
        {
            validator.RequireSupportedVersion(request);
        }

        var deviceId = request.Headers[PosHeaderNames.DeviceId].ToString();
        if (grant is not null && grant.DeviceId != deviceId)
        {
            throw ApiException.Unauthorized("Invalid or expired attestation token");
        }

        var db = services.GetRequiredService<VioPayDbContext>();
        var device = await db.Devices.FirstOrDefaultAsync(d => d.Id == deviceId, http.RequestAborted)
            ?? throw ApiException.NotFound("Device not found", new Dictionary<string, object?> { ["device_id"] = deviceId });
        if (device.Suspended)
        {
            throw ApiException.Forbidden("Device is suspended", new Dictionary<string, object?> { ["device_id"] = deviceId });
        }

        // Attest authenticates by signature in its handler, which checks the content type after it.
        if (auth != PosAuth.Attest)
        {
            RequireJsonWhenBody(http);
        }

        http.Features.Set(new PosDevice(device));
        return await next(context);
    }

    /// <summary>PROTOCOL §10.2: a body must be JSON; a bodiless POST may carry the JSON content type or none.</summary>
    public static void RequireJsonWhenBody(HttpContext http)
    {
        var request = http.Request;
        var hasBody = request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0;
        if (hasBody && !IsJson(request.ContentType))
        {
            throw new ApiException(StatusCodes.Status415UnsupportedMediaType, ErrorCodes.UnsupportedMediaType,
                "Content-Type must be application/json");
        }
    }

    private static bool IsJson(string? contentType) =>
        contentType is not null &&
        Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var media) &&
        media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Judged before any other header (PROTOCOL §10.1): a missing, malformed, unknown or expired token is 401, and so is
    /// one that a revocation or suspension ended.
    /// </summary>
    private static async Task<AttestationGrant> AuthenticateAttestationTokenAsync(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        if (!header.StartsWith(AttestationScheme, StringComparison.Ordinal) || header.Length > 200)
        {
            throw ApiException.Unauthorized("Invalid or expired attestation token");
        }

        var token = header[AttestationScheme.Length..].Trim();
        if (!token.StartsWith("att_", StringComparison.Ordinal))
        {
            throw ApiException.Unauthorized("Invalid or expired attestation token");
        }

        var tokens = http.RequestServices.GetRequiredService<AttestationTokens>();
        var grant = await tokens.FindAsync(token) ?? throw ApiException.Unauthorized("Invalid or expired attestation token");
        if (!grant.Live)
        {
            // An ended token grants nothing. Its device answered 403 while suspended before the token ended, and still
            // does (every POS endpoint of a suspended device is 403); otherwise the token is simply dead.
            var db = http.RequestServices.GetRequiredService<VioPayDbContext>();
            throw await db.Devices.AnyAsync(d => d.Id == grant.DeviceId && d.Suspended, http.RequestAborted)
                ? ApiException.Forbidden("Device is suspended", new Dictionary<string, object?> { ["device_id"] = grant.DeviceId })
                : ApiException.Unauthorized("Invalid or expired attestation token");
        }

        return grant;
    }
}

public static class PosEndpointExtensions
{
    public static TBuilder RequirePosAuth<TBuilder>(this TBuilder builder, PosAuth auth)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.AddEndpointFilter(new PosAuthFilter(auth));
        builder.WithMetadata(Infrastructure.OpenApi.ApiSecurityMetadata.Of(auth));
        return builder;
    }

    /// <summary>The attestation token the request was authenticated with (attestation-token endpoints only).</summary>
    public static AttestationGrant AttestationGrant(this HttpContext http) =>
        http.Features.Get<AttestationGrant>() ?? throw new InvalidOperationException("Attestation token authentication did not run.");

    public static Device Device(this HttpContext http) =>
        http.Features.Get<PosDevice>()?.Device ?? throw new InvalidOperationException("POS authentication did not run.");
}
