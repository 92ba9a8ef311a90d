using System.Security.Cryptography;

namespace VioPay.Crypto.Tests;

/// <summary>Key blocks at rest bound to their purpose and owner inside the authenticated header (issue 10 point 10).</summary>
public sealed class BoundKeyBlockTests
{
    private static readonly byte[] Kbpk = RandomNumberGenerator.GetBytes(32);
    private static readonly Tr31Header Hmac = new("M7", 'H', 'V', "00", 'N', [new Tr31OptionalBlock("HM", "21")]);

    [Fact]
    public void ABoundBlockOpensOnlyAsWhatItWasBoundTo()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var block = BoundKeyBlock.Wrap(Kbpk, Hmac, "identity-secret/POS-00000001/idk_a", key);

        Assert.Equal(key, BoundKeyBlock.Unwrap(Kbpk, block, Hmac, "identity-secret/POS-00000001/idk_a"));
        Assert.True(BoundKeyBlock.IsBound(block));
        Assert.Contains(new Tr31OptionalBlock(BoundKeyBlock.BindingBlockId, "identity-secret/POS-00000001/idk_a"), Tr31Header.Parse(block).OptionalBlocks);
    }

    [Theory]
    [InlineData("identity-secret/POS-00000002/idk_a")] // another owner
    [InlineData("key-set-mac/POS-00000001/ks-a")] // another purpose
    [InlineData("identity-secret/POS-00000001/idk_")] // a prefix is not a match
    public void ABoundBlockOpenedWithAnotherBindingThrows(string expected)
    {
        var block = BoundKeyBlock.Wrap(Kbpk, Hmac, "identity-secret/POS-00000001/idk_a", RandomNumberGenerator.GetBytes(32));

        var error = Assert.Throws<Tr31Exception>(() => BoundKeyBlock.Unwrap(Kbpk, block, Hmac, expected));

        Assert.Equal(Tr31Error.BindingMismatch, error.Error);
    }

    [Fact]
    public void ABoundBlockOpenedWithAnotherHeaderThrows()
    {
        var block = BoundKeyBlock.Wrap(Kbpk, KeySetHeaders.For(KeySetKey.Msk), "key-set-msk/POS-1/ks-1", RandomNumberGenerator.GetBytes(32));

        foreach (var other in new[] { KeySetHeaders.For(KeySetKey.Tdk) with { ModeOfUse = 'D' }, KeySetHeaders.For(KeySetKey.Tpk), Hmac })
        {
            Assert.Equal(Tr31Error.BindingMismatch,
                Assert.Throws<Tr31Exception>(() => BoundKeyBlock.Unwrap(Kbpk, block, other, "key-set-msk/POS-1/ks-1")).Error);
        }
    }

    [Fact]
    public void AnUnboundBlockIsRefusedAndRecognisedAsLegacy()
    {
        var legacy = Tr31KeyBlock.Wrap(Kbpk, KeySetHeaders.For(KeySetKey.Mac), RandomNumberGenerator.GetBytes(32));

        Assert.False(BoundKeyBlock.IsBound(legacy));
        Assert.Equal(Tr31Error.BindingMismatch,
            Assert.Throws<Tr31Exception>(() => BoundKeyBlock.Unwrap(Kbpk, legacy, KeySetHeaders.For(KeySetKey.Mac), "key-set-mac/POS-1/ks-1")).Error);
    }

    [Fact]
    public void AnAlteredBindingFailsTheMacBeforeAnythingElse()
    {
        var block = BoundKeyBlock.Wrap(Kbpk, Hmac, "zmk/POS-00000001", RandomNumberGenerator.GetBytes(32));
        var altered = block.Replace("POS-00000001", "POS-00000002", StringComparison.Ordinal);

        Assert.Equal(Tr31Error.MacMismatch,
            Assert.Throws<Tr31Exception>(() => BoundKeyBlock.Unwrap(Kbpk, altered, Hmac, "zmk/POS-00000002")).Error);
    }

    [Fact]
    public void ABlockUnderAnotherKbpkFailsTheMac()
    {
        var block = BoundKeyBlock.Wrap(Kbpk, Hmac, "zmk/POS-00000001", RandomNumberGenerator.GetBytes(32));

        Assert.Equal(Tr31Error.MacMismatch,
            Assert.Throws<Tr31Exception>(() => BoundKeyBlock.Unwrap(RandomNumberGenerator.GetBytes(32), block, Hmac, "zmk/POS-00000001")).Error);
    }
}
