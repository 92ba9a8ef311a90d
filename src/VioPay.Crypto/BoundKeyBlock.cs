using System.Security.Cryptography;

namespace VioPay.Crypto;

/// <summary>
/// Key blocks bound to what they are: the header carries a proprietary optional block naming the key's purpose and
/// owner (<c>identity-secret/POS-…/idk_…</c>). The header is covered by the block's CMAC, so the binding cannot be
/// altered, and a block copied to another column or another owner's row no longer matches what the reader expects.
/// </summary>
public static class BoundKeyBlock
{
    /// <summary>
    /// X9.143 leaves optional block ids that start with a digit to proprietary use; "0B" (binding) clashes with no
    /// registered id.
    /// </summary>
    public const string BindingBlockId = "0B";

    /// <summary>The header <paramref name="header"/> with the binding appended (any PB block dropped; Wrap pads again).</summary>
    public static Tr31Header Bind(Tr31Header header, string binding)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentException.ThrowIfNullOrEmpty(binding);
        return header with { OptionalBlocks = [.. Significant(header.OptionalBlocks), new Tr31OptionalBlock(BindingBlockId, binding)] };
    }

    public static string Wrap(ReadOnlySpan<byte> kbpk, Tr31Header header, string binding, ReadOnlySpan<byte> key) =>
        Tr31KeyBlock.Wrap(kbpk, Bind(header, binding), key);

    /// <summary>
    /// Opens a block and answers its key only when its header is <paramref name="expected"/> bound to
    /// <paramref name="binding"/>: the MAC is verified first (a forged block is <see cref="Tr31Error.MacMismatch"/>), and an
    /// authentic block of another purpose or owner, or an unbound one, is <see cref="Tr31Error.BindingMismatch"/>.
    /// </summary>
    public static byte[] Unwrap(ReadOnlySpan<byte> kbpk, string keyBlock, Tr31Header expected, string binding)
    {
        var result = Tr31KeyBlock.Unwrap(kbpk, keyBlock);
        if (!Matches(result.Header, Bind(expected, binding)))
        {
            CryptographicOperations.ZeroMemory(result.Key);
            throw new Tr31Exception(Tr31Error.BindingMismatch, "The key block is not bound to the expected purpose and owner.");
        }

        return result.Key;
    }

    /// <summary>Whether a block's (clear) header carries a binding at all: false for blocks written before bindings existed.</summary>
    public static bool IsBound(string keyBlock) =>
        Tr31Header.Parse(keyBlock).OptionalBlocks.Any(b => b.Id == BindingBlockId);

    /// <summary>Whether <paramref name="actual"/> and <paramref name="expected"/> agree on every field and every optional block but PB.</summary>
    public static bool Matches(Tr31Header actual, Tr31Header expected) =>
        actual.KeyUsage == expected.KeyUsage
        && actual.Algorithm == expected.Algorithm
        && actual.ModeOfUse == expected.ModeOfUse
        && actual.KeyVersion == expected.KeyVersion
        && actual.Exportability == expected.Exportability
        && actual.VersionId == expected.VersionId
        && actual.KeyContext == expected.KeyContext
        && Significant(actual.OptionalBlocks).SequenceEqual(Significant(expected.OptionalBlocks));

    private static IEnumerable<Tr31OptionalBlock> Significant(IEnumerable<Tr31OptionalBlock> blocks) =>
        blocks.Where(b => b.Id != Tr31OptionalBlock.PaddingId);
}
