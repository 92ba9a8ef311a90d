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

    public static readonly HeaderDoc TerminalId = new(PosHeaderNames.TerminalId, true, "The terminal id from the config (terminal.terminal_id), TID- + 6 digits.");
    public static readonly HeaderDoc KeyIdMac = new(PosHeaderNames.KeyId, true, "The key_id of the active key set's MAC key; any other is 401.");
    public static readonly HeaderDoc SignatureCharge = new(PosHeaderNames.Signature, true,
        "v1= + base64(HMAC-SHA256(MAC key, METHOD\\nPATH\\nQUERY\\nBODY\\nTERMINAL_ID\\nTIMESTAMP\\nNONCE)); PATH and QUERY as sent, BODY the raw bytes (empty when none).");
    public static readonly HeaderDoc NonceCharge = Nonce with { Description = "12-64 alphanumeric characters, single use per terminal (a replay is 401)." };
    public static readonly HeaderDoc IdempotencyKey = new(PosHeaderNames.IdempotencyKey, false,
        "Optional, 1-255 printable ASCII characters, scoped to the terminal, kept 24 h: the same request replays the first answer with Idempotent-Replayed: true; a different one is 422; one still in flight 409.");

    public static readonly HeaderDoc[] Activation = [DeviceId, UserAgent, ClientType];
    public static readonly HeaderDoc[] Charge = [TerminalId, Timestamp, NonceCharge, KeyIdMac, SignatureCharge, ClientType, UserAgent];
    public static readonly HeaderDoc[] ChargeWithIdempotency = [.. Charge, IdempotencyKey];
    public static readonly HeaderDoc[] Attest = [DeviceId, UserAgent, ClientType, KeyIdIdentity, Timestamp, Nonce, SignatureAttest];
    public static readonly HeaderDoc[] AttestationToken = [AttestationAuthorization, DeviceId, UserAgentOptional, ClientTypeOptional];
}
