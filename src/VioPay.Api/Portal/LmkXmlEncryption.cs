using System.Security.Cryptography;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using VioPay.Api.Infrastructure.Security;

namespace VioPay.Api.Portal;

/// <summary>
/// Encrypts the portal's data-protection keys (which sign and encrypt its cookies and antiforgery tokens) before they are
/// written to Redis: AES-256-GCM under a key derived from the LMK for this one purpose, so Redis access alone cannot
/// forge a portal session. The key follows the LMK's derivation root, so an LMK rotation keeps it.
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
