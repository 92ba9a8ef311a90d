using System.Security.Cryptography;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using VioPay.Api.Infrastructure.Security;

namespace VioPay.Api.Portal;

/// <summary>
/// Encrypts the portal's data-protection keys (which sign and encrypt its cookies and antiforgery tokens) before they are
/// written to Redis: AES-256-GCM under a key derived from the LMK for this one purpose, so reading Redis does not give
/// the keys, and <see cref="LmkSealedXmlRepository"/> ignores any key not sealed this way, so writing to Redis does not
/// add one. The key follows the LMK's derivation root, so an LMK rotation keeps it.
/// </summary>
public sealed class LmkXmlEncryptor(LocalMasterKey lmk) : IXmlEncryptor
{
    internal const string Purpose = "portal-data-protection";
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        var plaintext = System.Text.Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var sealedBytes = new byte[NonceSize + TagSize + plaintext.Length];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        var key = lmk.DeriveKey(Purpose);
        try
        {
            using var aes = new AesGcm(key, TagSize);
            aes.Encrypt(nonce, plaintext, sealedBytes.AsSpan(NonceSize + TagSize), sealedBytes.AsSpan(NonceSize, TagSize));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(plaintext);
        }

        var element = new XElement("encryptedKey",
            new XComment(" Encrypted with AES-256-GCM under a key derived from the VioPay LMK. "),
            new XElement("value", Convert.ToBase64String(sealedBytes)));
        return new EncryptedXmlInfo(element, typeof(LmkXmlDecryptor));
    }

    /// <summary>Opens what <see cref="Encrypt"/> sealed; a tampered or foreign element throws.</summary>
    internal static XElement Decrypt(LocalMasterKey lmk, XElement encryptedElement)
    {
        var sealedBytes = Convert.FromBase64String((string?)encryptedElement.Element("value")
            ?? throw new CryptographicException("The encrypted data-protection key has no value."));
        if (sealedBytes.Length < NonceSize + TagSize)
        {
            throw new CryptographicException("The encrypted data-protection key is too short.");
        }

        var plaintext = new byte[sealedBytes.Length - NonceSize - TagSize];
        var key = lmk.DeriveKey(Purpose);
        try
        {
            using var aes = new AesGcm(key, TagSize);
            aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize + TagSize), sealedBytes.AsSpan(NonceSize, TagSize),
                plaintext);
            return XElement.Parse(System.Text.Encoding.UTF8.GetString(plaintext));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }
}

/// <summary>Created by data protection (by type name, with the service provider) to open <see cref="LmkXmlEncryptor"/>'s elements.</summary>
public sealed class LmkXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement) =>
        LmkXmlEncryptor.Decrypt(services.GetRequiredService<LocalMasterKey>(), encryptedElement);
}

/// <summary>
/// The shared key store as data protection reads it, keeping only keys this service wrote: each key's secret must be
/// sealed by <see cref="LmkXmlEncryptor"/> (AES-GCM authenticates it under the LMK-derived key), and no secret may stand in
/// clear. Without this, whoever can write to Redis could add an unencrypted key of their own, which data protection
/// would accept, and mint portal cookies with it.
/// </summary>
public sealed class LmkSealedXmlRepository(IXmlRepository inner, ILogger<LmkSealedXmlRepository> logger) : IXmlRepository
{
    private static readonly string Decryptor = typeof(LmkXmlDecryptor).AssemblyQualifiedName!;

    public IReadOnlyCollection<XElement> GetAllElements() =>
        inner.GetAllElements().Where(e =>
        {
            if (e.Name.LocalName != "key" || IsSealed(e))
            {
                return true;
            }

            logger.LogWarning("Ignoring a data-protection key in the shared store that is not sealed under the LMK ({KeyId})",
                (string?)e.Attribute("id"));
            return false;
        }).ToList();

    public void StoreElement(XElement element, string friendlyName) => inner.StoreElement(element, friendlyName);

    /// <summary>At least one secret, every one sealed by us, and no master key in clear anywhere in the element.</summary>
    internal static bool IsSealed(XElement key)
    {
        var secrets = key.Descendants().Where(d => d.Name.LocalName == "encryptedSecret").ToList();
        return secrets.Count > 0
            && secrets.All(s => string.Equals((string?)s.Attribute("decryptorType"), Decryptor, StringComparison.Ordinal))
            && !key.Descendants().Any(d => d.Name.LocalName == "masterKey");
    }
}
