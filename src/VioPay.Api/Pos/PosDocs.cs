using VioPay.Api.Infrastructure.OpenApi;

namespace VioPay.Api.Pos;

/// <summary>The POS headers as the OpenAPI document describes them (seed 001's Headers Reference).</summary>
public static class PosDocs
{
    public static readonly HeaderDoc DeviceId = new(PosHeaderNames.DeviceId, true, "POS- followed by 8 uppercase hex characters, e.g. POS-8F3A2C91.");
    public static readonly HeaderDoc UserAgent = new(PosHeaderNames.UserAgent, true, "Viopay-POS/{semver} ({os}; {model}), e.g. Viopay-POS/1.4.2 (Android 12; PAX-A920). Below the minimum version: 426.");
    public static readonly HeaderDoc ClientType = new(PosHeaderNames.ClientType, true, "Always pos.");
    public static readonly HeaderDoc KeyIdIdentity = new(PosHeaderNames.KeyId, true, "The device identity key id (from provisioning).");
    public static readonly HeaderDoc Timestamp = new(PosHeaderNames.Timestamp, true, "RFC 3339 instant; at most 300 s in the past and 60 s in the future (else 401 with details.server_time).");
    public static readonly HeaderDoc Nonce = new(PosHeaderNames.Nonce, true, "12-64 alphanumeric characters, single use.");
    public static readonly HeaderDoc SignatureAttest = new(PosHeaderNames.Signature, true, "v1= + base64(HMAC-SHA256(identity secret, device_id\\nkey_id\\ntimestamp\\nnonce)).");
    public static readonly HeaderDoc AttestationAuthorization = new(PosHeaderNames.Authorization, true, "Attestation {att_ token from POST /pos/attest}, valid 5 minutes, bound to the device.");
    public static readonly HeaderDoc UserAgentOptional = UserAgent with { Required = false };
    public static readonly HeaderDoc ClientTypeOptional = ClientType with { Required = false };

    public static readonly HeaderDoc[] Activation = [DeviceId, UserAgent, ClientType];
    public static readonly HeaderDoc[] Attest = [DeviceId, UserAgent, ClientType, KeyIdIdentity, Timestamp, Nonce, SignatureAttest];
    public static readonly HeaderDoc[] AttestationToken = [AttestationAuthorization, DeviceId, UserAgentOptional, ClientTypeOptional];
}
