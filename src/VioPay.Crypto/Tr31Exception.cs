namespace VioPay.Crypto;

/// <summary>Why a TR-31 key block could not be built or opened.</summary>
public enum Tr31Error
{
    /// <summary>Not a key block: too short, bad characters, bad hex, bad header field, wrong payload size.</summary>
    Malformed,
    /// <summary>A version other than D (the only AES key block version this system speaks).</summary>
    UnsupportedVersion,
    /// <summary>The header's length field disagrees with the length of the block, or the block would exceed 9999 characters.</summary>
    LengthMismatch,
    /// <summary>An optional block is structurally invalid (bad id, length, characters or count).</summary>
    BadOptionalBlock,
    /// <summary>The key block protection key is not an AES-128, AES-192 or AES-256 key.</summary>
    BadKbpkLength,
    /// <summary>The key block's CMAC does not verify: a wrong KBPK or a modified block.</summary>
    MacMismatch,
    /// <summary>The (authenticated) key length field is impossible for the payload, or the key to wrap has an unusable length.</summary>
    BadKeyLength,
    /// <summary>The block verified but is not what the caller expected: another purpose, another owner, or no binding at all.</summary>
    BindingMismatch,
}

/// <summary>The one exception type TR-31 code throws, so callers map every key block failure in one place.</summary>
public sealed class Tr31Exception : Exception
{
    public Tr31Exception(Tr31Error error, string message)
        : base(message)
    {
        Error = error;
    }

    public Tr31Error Error { get; }
}
