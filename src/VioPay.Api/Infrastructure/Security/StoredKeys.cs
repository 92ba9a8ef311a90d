using VioPay.Crypto;

namespace VioPay.Api.Infrastructure.Security;

/// <summary>
/// What a key kept under the LMK is: its purpose and owner (bound into the block's authenticated header) and its TR-31
/// header. <see cref="LegacyHeader"/> is the header blocks had before bindings existed, which only the one-off re-wrap
/// (<see cref="StoredKeyRebinding"/>) still reads.
/// </summary>
public sealed record StoredKey(string Purpose, string Owner, Tr31Header Header, Tr31Header LegacyHeader)
{
    /// <summary>The binding string authenticated inside the block, e.g. <c>identity-secret/POS-0CF98C18/idk_…</c>.</summary>
    public string Binding => Purpose + "/" + Owner;
}

/// <summary>The stored keys of the service, one factory per column, so a block is always read as what it was written as.</summary>
public static class StoredKeys
{
    private static readonly Tr31OptionalBlock HmacSha256 = new("HM", "21");

    /// <summary>A device identity secret: an HMAC-SHA256 key the server only verifies with (M7, H, V).</summary>
    public static StoredKey IdentitySecret(string deviceId, string keyId) => new("identity-secret", $"{deviceId}/{keyId}",
        new Tr31Header("M7", 'H', 'V', "00", 'N', [HmacSha256]),
        new Tr31Header("M7", 'H', 'C', "00", 'N', [HmacSha256]));

    /// <summary>
    /// A webhook endpoint's signing secret (PROTOCOL §13.2): an HMAC-SHA256 key the server only signs with (M7, H, G);
    /// the wrapped bytes are the UTF-8 of the whole <c>whsec_…</c> string, which is the HMAC key itself.
    /// </summary>
    public static StoredKey WebhookSecret(string endpointId) => new("webhook-secret", endpointId,
        new Tr31Header("M7", 'H', 'G', "00", 'N', [HmacSha256]),
        new Tr31Header("M7", 'H', 'G', "00", 'N', [HmacSha256]));

    /// <summary>A device's zone master key: the server only wraps the TMK under it (K0, A, E).</summary>
    public static StoredKey Zmk(string deviceId) => new("zmk", deviceId,
        new Tr31Header("K0", 'A', 'E', "00", 'N', []),
        new Tr31Header("K0", 'A', 'B', "00", 'N', []));

    /// <summary>One of the six keys of a key set, with the header PROTOCOL §6 gives it, bound to the set and its role.</summary>
    public static StoredKey KeySetKeyOf(KeySetKey kind, string deviceId, string keySetId) =>
        new("key-set-" + kind.ToString().ToLowerInvariant(), $"{deviceId}/{keySetId}", KeySetHeaders.For(kind), KeySetHeaders.For(kind));

    /// <summary>A key of the server's own (the token-signing private key), by its name.</summary>
    public static StoredKey ServerKey(string name) => new("server-key", name,
        new Tr31Header("S0", 'R', 'S', "00", 'N', []),
        new Tr31Header("S0", 'R', 'S', "00", 'N', []));
}

/// <summary>
/// A stored key block that does not open as what it was read for: tampered with, moved from another column or another
/// owner's row, or never re-wrapped with its binding. The request fails closed (401 <c>4001</c>, reason
/// <c>stored_key_invalid</c>); the log names the purpose and owner, never the block.
/// </summary>
public sealed class StoredKeyException(StoredKey key, Tr31Error error)
    : Exception($"The stored {key.Purpose} key of {key.Owner} was refused ({error}).")
{
    public StoredKey Key { get; } = key;
    public Tr31Error Error { get; } = error;
}
