using System.Text.Json;
using System.Text.Json.Serialization;
using VioPay.Crypto;

namespace VioPay.Terminal;

/// <summary>
/// Everything a terminal keeps between runs: the secrets provisioned before first boot (PROTOCOL §4), the terminal id
/// assigned at claim, the installed key sets and the clock correction. It holds clear keys, so <see cref="Save"/>
/// writes it readable by the owner only.
/// </summary>
public sealed class TerminalState
{
    public const string DefaultUserAgent = "Viopay-POS/1.4.2 (Android 12; PAX-A920)";

    private const int AesKeyLength = 32;

    private static readonly JsonSerializerOptions FileOptions = new()
    {
        WriteIndented = true,
        RespectNullableAnnotations = true,
    };

    [JsonPropertyName("device_id")]
    public required string DeviceId { get; set; }

    /// <summary>The identity key's key_id, sent as X-Key-Id on /pos/attest.</summary>
    [JsonPropertyName("identity_key_id")]
    public required string IdentityKeyId { get; set; }

    /// <summary>Base64 of the 32-byte identity secret, exactly as provisioning returned it.</summary>
    [JsonPropertyName("identity_secret")]
    public required string IdentitySecret { get; set; }

    /// <summary>Hex of the 32-byte zone master key that wraps the TMK.</summary>
    [JsonPropertyName("zmk")]
    public required string Zmk { get; set; }

    [JsonPropertyName("user_agent")]
    public string UserAgent { get; set; } = DefaultUserAgent;

    /// <summary>Null until /pos/config names it; it is the X-Terminal-Id of every charge-family request.</summary>
    [JsonPropertyName("terminal_id")]
    public string? TerminalId { get; set; }

    /// <summary>The <c>config_version</c> of the config last downloaded; every heartbeat sends it (PROTOCOL §13.4).</summary>
    [JsonPropertyName("config_version")]
    public string? ConfigVersion { get; set; }

    /// <summary>
    /// The set from the latest /pos/keys that /pos/activate has not yet confirmed. Config, terminal parameters and
    /// activate use its MSK (PROTOCOL §6, fine point 3); charges never do.
    /// </summary>
    [JsonPropertyName("pending")]
    public TerminalKeySet? Pending { get; set; }

    /// <summary>The set the server made active at the last successful /pos/activate; charges use its MSK and MAC key.</summary>
    [JsonPropertyName("active")]
    public TerminalKeySet? Active { get; set; }

    /// <summary>
    /// What this terminal has done since its last day close: the charges and refunds whose totals and ids it sends to
    /// <c>POST /pos/batch/close</c> for reconciliation (PROTOCOL §11.7). No PAN: ids, amounts, brands and statuses only.
    /// </summary>
    [JsonPropertyName("journal")]
    public TerminalJournal Journal { get; set; } = new();

    /// <summary>Server time minus local time, in whole seconds, added to every X-Timestamp.</summary>
    [JsonPropertyName("clock_offset_seconds")]
    public long ClockOffsetSeconds { get; set; }

    public static TerminalState Load(string path) =>
        JsonSerializer.Deserialize<TerminalState>(File.ReadAllBytes(path), FileOptions)
        ?? throw new InvalidDataException($"{path} holds JSON null, not a terminal state.");

    /// <summary>
    /// Writes to a temporary file beside the target and renames it over the target, so a crash mid-write leaves the
    /// old state intact rather than a truncated file that has lost the keys.
    /// </summary>
    public void Save(string path)
    {
        var fullPath = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(fullPath) ?? throw new ArgumentException("The path has no directory.", nameof(path));
        var temporary = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            // Set at creation, not chmod-ed afterwards, so the clear keys are never readable by others even briefly.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var moved = false;
        try
        {
            using (var stream = new FileStream(temporary, options))
            {
                JsonSerializer.Serialize(stream, this, FileOptions);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, fullPath, overwrite: true);
            moved = true;
        }
        finally
        {
            if (!moved)
            {
                File.Delete(temporary);
            }
        }
    }

    internal byte[] IdentitySecretBytes()
    {
        byte[] secret;
        try
        {
            secret = Convert.FromBase64String(IdentitySecret);
        }
        catch (FormatException ex)
        {
            throw new InvalidOperationException("identity_secret is not standard base64.", ex);
        }

        return secret.Length == AesKeyLength
            ? secret
            : throw new InvalidOperationException($"identity_secret decodes to {secret.Length} bytes; provisioning issues 32.");
    }

    internal byte[] ZmkBytes() => TerminalKeySet.DecodeKey(Zmk, "zmk");

    internal static void EnsureAesKey(byte[] key, string name)
    {
        if (key.Length != AesKeyLength)
        {
            throw new InvalidOperationException($"{name} is {key.Length} bytes; every key of this protocol is AES-256 (32 bytes).");
        }
    }
}

/// <summary>One installed key set: the six clear keys as uppercase hex, and the MAC key's id for X-Key-Id.</summary>
public sealed record TerminalKeySet
{
    [JsonPropertyName("key_set_id")]
    public required string KeySetId { get; init; }

    [JsonPropertyName("issued_at")]
    public DateTimeOffset? IssuedAt { get; init; }

    [JsonPropertyName("expires_at")]
    public DateTimeOffset? ExpiresAt { get; init; }

    [JsonPropertyName("tmk")]
    public required string Tmk { get; init; }

    [JsonPropertyName("kek")]
    public required string Kek { get; init; }

    [JsonPropertyName("msk")]
    public required string Msk { get; init; }

    [JsonPropertyName("tpk")]
    public required string Tpk { get; init; }

    [JsonPropertyName("tdk")]
    public required string Tdk { get; init; }

    [JsonPropertyName("mac")]
    public required string Mac { get; init; }

    /// <summary>keys.mac.key_id of the /pos/keys answer; the X-Key-Id of charge-family requests.</summary>
    [JsonPropertyName("mac_key_id")]
    public required string MacKeyId { get; init; }

    internal byte[] MskBytes() => DecodeKey(Msk, "msk");

    internal byte[] MacBytes() => DecodeKey(Mac, "mac");

    internal static byte[] DecodeKey(string hex, string name)
    {
        if (!Hex.TryDecode(hex, out var key))
        {
            throw new InvalidOperationException($"{name} is not hex.");
        }

        TerminalState.EnsureAesKey(key, name);
        return key;
    }
}
