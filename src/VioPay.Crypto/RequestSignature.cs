using System.Security.Cryptography;
using System.Text;

namespace VioPay.Crypto;

/// <summary>The X-Signature scheme of PROTOCOL §5: "v1=" + base64(HMAC-SHA256(key, string to sign)).</summary>
public static class RequestSignature
{
    private const string Prefix = "v1=";
    private const int MacLength = 32;
    // 32 bytes are always 44 base64 characters ending in one '='.
    private const int EncodedMacLength = 44;

    /// <summary>device_id \n key_id \n timestamp \n nonce, with the header values exactly as sent.</summary>
    public static byte[] AttestString(string deviceId, string keyId, string timestamp, string nonce) =>
        Encoding.UTF8.GetBytes(string.Join('\n', deviceId, keyId, timestamp, nonce));

    /// <summary>
    /// METHOD \n PATH \n QUERY \n BODY \n TERMINAL_ID \n TIMESTAMP \n NONCE, where BODY is the raw body bytes as
    /// received: they are spliced in unchanged, never decoded and re-encoded, so any byte sequence signs as sent.
    /// </summary>
    public static byte[] ChargeString(
        string method, string path, string query, ReadOnlySpan<byte> body, string terminalId, string timestamp, string nonce)
    {
        ArgumentNullException.ThrowIfNull(method);
        var head = Encoding.UTF8.GetBytes(method.ToUpperInvariant() + "\n" + path + "\n" + query + "\n");
        var tail = Encoding.UTF8.GetBytes("\n" + terminalId + "\n" + timestamp + "\n" + nonce);
        var message = new byte[head.Length + body.Length + tail.Length];
        head.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(head.Length));
        tail.CopyTo(message, head.Length + body.Length);
        return message;
    }

    public static string Sign(ReadOnlySpan<byte> key, ReadOnlySpan<byte> message) =>
        Prefix + Convert.ToBase64String(HMACSHA256.HashData(key, message));

    /// <summary>Accepts exactly "v1=" and 44 characters of standard, padded base64 encoding 32 bytes; nothing else.</summary>
    public static bool TryParse(string? header, out byte[] mac)
    {
        mac = [];
        if (header is null
            || header.Length != Prefix.Length + EncodedMacLength
            || !header.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var encoded = header.AsSpan(Prefix.Length);
        // Convert.TryFromBase64Chars skips whitespace; a signature header has none, so refuse it outright.
        foreach (var c in encoded)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '='))
            {
                return false;
            }
        }

        var buffer = new byte[MacLength];
        if (!Convert.TryFromBase64Chars(encoded, buffer, out var written) || written != MacLength)
        {
            return false;
        }

        mac = buffer;
        return true;
    }

    /// <summary>True only when the header is well formed and its MAC equals HMAC-SHA256(key, message), compared in constant time.</summary>
    public static bool Verify(ReadOnlySpan<byte> key, ReadOnlySpan<byte> message, string? header)
    {
        if (!TryParse(header, out var presented))
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[MacLength];
        HMACSHA256.HashData(key, message, expected);
        return CryptographicOperations.FixedTimeEquals(expected, presented);
    }
}
