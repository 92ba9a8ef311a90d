namespace VioPay.Terminal;

/// <summary>
/// One key of a <c>/pos/keys</c> answer could not be installed: missing, not a base64 TR-31 block, not unwrapping
/// under its parent key, the wrong TR-31 header, the wrong length, or a KCV that does not match.
/// Nothing is installed when this is thrown.
/// </summary>
public sealed class KeyInstallException(string keyName, string message, Exception? innerException = null)
    : Exception(message, innerException)
{
    /// <summary>The key's name in the answer: tmk, kek, msk, tpk, tdk or mac.</summary>
    public string KeyName { get; } = keyName;
}
