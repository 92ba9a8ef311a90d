using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using VioPay.Api.Pos;

namespace VioPay.Api.Infrastructure.OpenApi;

/// <summary>
/// How a POS endpoint authenticates its caller, as the OpenAPI document declares it. Bearer endpoints carry no marker:
/// their authorization metadata (<c>RequireAuthorization</c>, <c>RequireSession</c>) already says so.
/// </summary>
public enum ApiSecurity
{
    /// <summary>No credential: the activation endpoints, identified by <c>X-Device-Id</c> only.</summary>
    Public,

    /// <summary><c>Authorization: Attestation att_…</c> (keys, config, terminal parameters, activate).</summary>
    Attestation,

    /// <summary>The identity-key HMAC of <c>/pos/attest</c> (PROTOCOL §5).</summary>
    DeviceSignature,

    /// <summary>The MAC-key HMAC of the charge family (PROTOCOL §5).</summary>
    TerminalSignature,
}

public static class ApiSecurityMetadata
{
    /// <summary>The marker <c>RequirePosAuth</c> sets beside its filter, so the document knows what the filter checks.</summary>
    public static ApiSecurity Of(PosAuth auth) => auth switch
    {
        PosAuth.Attest => ApiSecurity.DeviceSignature,
        PosAuth.AttestationToken => ApiSecurity.Attestation,
        _ => ApiSecurity.Public,
    };
}

/// <summary>
/// The security schemes of the document, and the requirement of each operation derived from its endpoint metadata. The
/// HMAC headers are apiKey schemes: OpenAPI has no scheme for a request signature, and a client such as Scalar's then
/// asks for the header values. An operation that needs no credential says so with an empty requirement.
/// </summary>
internal sealed class ApiSecurityTransformer : IOpenApiDocumentTransformer, IOpenApiOperationTransformer
{
    private const string Bearer = "bearer";
    private const string Attestation = "attestation";
    private const string DeviceKeyId = "deviceKeyId";
    private const string DeviceSignature = "deviceSignature";
    private const string TerminalKeyId = "terminalKeyId";
    private const string TerminalSignature = "terminalSignature";

    private static readonly Dictionary<string, IOpenApiSecurityScheme> Schemes = new()
    {
        [Bearer] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "An RS256 access token from POST /client/session (or Keycloak), 5 minutes. The merchant and reseller " +
                "routes also need the session that POST /session/initiate creates for it (else 403).",
        },
        [Attestation] = ApiKey(PosHeaderNames.Authorization,
            "Attestation {att_ token}: the token POST /pos/attest answers, valid 300 s and bound to the device that attested."),
        [DeviceKeyId] = ApiKey(PosHeaderNames.KeyId, "The device identity key id from provisioning (identity_key.key_id)."),
        [DeviceSignature] = ApiKey(PosHeaderNames.Signature,
            "v1= + base64(HMAC-SHA256(identity secret, device_id\\nkey_id\\ntimestamp\\nnonce)), with X-Timestamp and X-Nonce " +
            "(PROTOCOL §5). The key is the 32 bytes the base64 identity_key.secret decodes to."),
        [TerminalKeyId] = ApiKey(PosHeaderNames.KeyId, "The key_id of the active key set's MAC key; any other is 401."),
        [TerminalSignature] = ApiKey(PosHeaderNames.Signature,
            "v1= + base64(HMAC-SHA256(MAC key, METHOD\\nPATH\\nQUERY\\nBODY\\nTERMINAL_ID\\nTIMESTAMP\\nNONCE)), with X-Terminal-Id, " +
            "X-Timestamp and X-Nonce (PROTOCOL §5). BODY is the raw body as sent (the MSK envelope), empty when none."),
    };

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        foreach (var (name, scheme) in Schemes)
        {
            document.AddComponent(name, scheme);
        }

        return Task.CompletedTask;
    }

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var document = context.Document ?? throw new InvalidOperationException("The operation transformer has no document.");
        var requirement = new OpenApiSecurityRequirement();
        foreach (var scheme in SchemesOf(context.Description.ActionDescriptor.EndpointMetadata))
        {
            requirement[new OpenApiSecuritySchemeReference(scheme, document)] = [];
        }

        operation.Security = [requirement];
        return Task.CompletedTask;
    }

    private static string[] SchemesOf(IList<object> metadata)
    {
        // The last of each wins, as in routing: an AllowAnonymous after RequireAuthorization makes the route public.
        var anonymous = metadata.Select((m, i) => (m, i)).LastOrDefault(x => x.m is IAllowAnonymous);
        var authorize = metadata.Select((m, i) => (m, i)).LastOrDefault(x => x.m is IAuthorizeData);
        if (authorize.m is not null && (anonymous.m is null || anonymous.i < authorize.i))
        {
            return [Bearer];
        }

        return metadata.OfType<ApiSecurity>().LastOrDefault() switch
        {
            ApiSecurity.Attestation => [Attestation],
            ApiSecurity.DeviceSignature => [DeviceKeyId, DeviceSignature],
            ApiSecurity.TerminalSignature => [TerminalKeyId, TerminalSignature],
            _ => [],
        };
    }

    private static OpenApiSecurityScheme ApiKey(string header, string description) =>
        new() { Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = header, Description = description };
}
