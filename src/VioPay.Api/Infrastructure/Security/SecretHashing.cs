using System.Security.Cryptography;
using System.Text;

namespace VioPay.Api.Infrastructure.Security;

/// <summary>
/// Keyed hashes for secrets the server must recognise but never keep: tokens (as Redis keys),
/// pairing codes, API client secrets. The key is derived from the LMK, so the hashes are useless
/// without it; every input is high-entropy or short-lived, which is why a keyed hash is enough
/// and a slow one is not needed.
/// </summary>
public sealed class SecretHashing(LocalMasterKey lmk)
{
    private readonly byte[] _tokenKey = lmk.DeriveKey("token-index");
    private readonly byte[] _codeKey = lmk.DeriveKey("pairing-code");
    private readonly byte[] _clientSecretKey = lmk.DeriveKey("client-secret-verifier");

    public string TokenIndex(string token) => Hash(_tokenKey, token);

    public string PairingCode(string deviceId, string code) => Hash(_codeKey, deviceId + ":" + code);

    public string ClientSecretVerifier(string clientId, string secret) =>
        "hmac-sha256$" + Hash(_clientSecretKey, clientId + ":" + secret);

    public bool VerifyClientSecret(string clientId, string secret, string verifier) =>
        CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(ClientSecretVerifier(clientId, secret)),
            Encoding.ASCII.GetBytes(verifier));

    private static string Hash(byte[] key, string value) =>
        Convert.ToHexString(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(value)));
}
