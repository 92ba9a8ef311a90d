using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VioPay.Api.Audit;
using VioPay.Api.Devices;
using VioPay.Api.Infrastructure;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.OpenApi;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Infrastructure.Redis;
using VioPay.Api.Infrastructure.Security;
using VioPay.Crypto;

namespace VioPay.Api.Pos;

/// <summary>Step 5 (seed 004): the device proves its identity and gets a 5-minute attestation token.</summary>
public static class AttestApi
{
    public sealed record AttestResponse(string Status, string AttestationToken, int ExpiresInSec);

    public static IEndpointRouteBuilder MapAttestApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/pos/attest", Attest)
            .WithTags("POS activation")
            .RequirePosAuth(PosAuth.Attest)
            .WithName("PosAttest")
            .WithSummary("Step 5: HMAC-signed proof of device identity; answers an att_ token bound to the device, valid 300 s. " +
                "Unknown or revoked X-Key-Id 404; bad signature, stale timestamp or replayed nonce 401; 10 bad signatures in 5 min 429.")
            .WithHeaders(PosDocs.Attest)
            .WithNoStore()
            .ProducesErrors(400, 401, 403, 404, 409, 413, 415, 426, 429, 503);
        return app;
    }

    private static async Task<Ok<AttestResponse>> Attest(HttpContext http, VioPayDbContext db, LocalMasterKey lmk,
        PosHeaderValidator validator, NonceStore nonces, AttestationTokens tokens, RateLimiter limiter,
        IOptions<RateLimitOptions> limits, IOptions<PosOptions> pos, TimeProvider time, CancellationToken cancellationToken)
    {
        var device = http.Device();
        var headers = http.Request.Headers;
        var keyId = headers[PosHeaderNames.KeyId].ToString();
        var timestamp = headers[PosHeaderNames.Timestamp].ToString();
        var nonce = headers[PosHeaderNames.Nonce].ToString();

        // A locked-out device gets its 429 first, whatever it sends (a cheap read; the limit itself is the reservation below).
        await limiter.RequireUnderAsync("attest-failures", device.Id, limits.Value.AttestFailuresPerDevice);
        validator.RequireFreshTimestamp(timestamp);

        // Read before PostgreSQL: a revocation or suspension committed after this point moves the generation on after
        // its commit, so the token minted below is ended even if this request read the state from before it.
        var generation = await tokens.GenerationAsync(device.Id);
        var identityKey = await db.IdentityKeys.AsNoTracking()
            .Where(k => k.KeyId == keyId && k.DeviceId == device.Id && k.RevokedAt == null)
            .Select(k => new { k.SecretBlock, Suspended = db.Devices.Where(d => d.Id == k.DeviceId).Select(d => d.Suspended).First() })
            .FirstOrDefaultAsync(cancellationToken)
            ?? throw ApiException.NotFound("Key ID not found or not active for this device",
                new Dictionary<string, object?> { ["key_id"] = keyId, ["device_id"] = device.Id });

        // Only signature mismatches count (PROTOCOL §10.14). The slot is taken atomically with the check before the
        // signature is judged, so a burst of parallel bad signatures cannot pass the limit; a valid one gives it back.
        var slot = await limiter.ReserveFailureAsync("attest-failures", device.Id, limits.Value.AttestFailuresPerDevice,
            TimeSpan.FromSeconds(limits.Value.AttestFailureWindowSeconds));
        bool valid;
        try
        {
            var secret = lmk.Unprotect(StoredKeys.IdentitySecret(device.Id, keyId), identityKey.SecretBlock);
            valid = RequestSignature.Verify(secret, RequestSignature.AttestString(device.Id, keyId, timestamp, nonce),
                headers[PosHeaderNames.Signature].ToString());
            CryptographicOperations.ZeroMemory(secret);
        }
        catch
        {
            await slot.ReleaseAsync();
            throw;
        }

        if (!valid)
        {
            throw ApiException.Unauthorized("Invalid signature");
        }

        await slot.ReleaseAsync();
        if (identityKey.Suspended)
        {
            throw ApiException.Forbidden("Device is suspended", new Dictionary<string, object?> { ["device_id"] = device.Id });
        }

        // The nonce is spent only by a correctly signed request, so nobody can burn a device's nonces.
        if (!await nonces.TryUseAsync("attest", device.Id, nonce, validator.NonceLifetime))
        {
            throw ApiException.Unauthorized("Nonce already used");
        }

        PosAuthFilter.RequireJsonWhenBody(http);
        if (device.Status == DeviceStatus.Inactive)
        {
            throw ApiException.Conflict("Device is not claimed yet", new Dictionary<string, object?> { ["device_status"] = device.Status });
        }

        var token = SecureIds.NewAttestationToken();
        var lifetime = pos.Value.AttestationTokenLifetimeSeconds;
        await tokens.SaveAsync(token, device.Id, keyId, generation, TimeSpan.FromSeconds(lifetime));
        AuditLog.Record(db, time, Actor.Device(device.Id), "device.attested", device.Id, device.MerchantId,
            new { identity_key_id = keyId });
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(new AttestResponse("attested", token, lifetime));
    }
}
