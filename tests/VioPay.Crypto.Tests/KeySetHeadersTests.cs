namespace VioPay.Crypto.Tests;

public sealed class KeySetHeadersTests
{
    // PROTOCOL §6 table; bytes 14-15 are "00" (§10.11).
    [Theory]
    [InlineData(KeySetKey.Tmk, "D0144K0AB00N0000")]
    [InlineData(KeySetKey.Kek, "D0144K0AB00N0000")]
    [InlineData(KeySetKey.Msk, "D0144D0AB00N0000")]
    [InlineData(KeySetKey.Tpk, "D0144P0AE00N0000")]
    [InlineData(KeySetKey.Tdk, "D0144D0AB00N0000")]
    [InlineData(KeySetKey.Mac, "D0160M7HC00N0200HM0621PB0A000000")]
    public void Each_key_of_the_set_wraps_an_AES_256_key_under_the_protocol_header(KeySetKey key, string expectedHeader)
    {
        var header = KeySetHeaders.For(key);

        var block = Tr31KeyBlock.Wrap(new byte[32], header, new byte[32]);

        Assert.StartsWith(expectedHeader, block, StringComparison.Ordinal);
        Assert.Equal(int.Parse(expectedHeader[1..5], System.Globalization.CultureInfo.InvariantCulture), block.Length);
    }

    [Fact]
    public void The_mac_key_header_names_HMAC_SHA_256()
    {
        Assert.Contains(new Tr31OptionalBlock("HM", "21"), KeySetHeaders.For(KeySetKey.Mac).OptionalBlocks);
    }
}
