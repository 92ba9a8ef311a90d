namespace VioPay.Crypto.Tests;

public sealed class AesCmacTests
{
    // NIST SP 800-38B Appendix D / RFC 4493 examples, as quoted in openemv/crypto test/crypto_aes_cmac_test.c.
    [Theory]
    [InlineData("cmac-SP800-38B-AES128-empty")]
    [InlineData("cmac-SP800-38B-AES128-16B")]
    [InlineData("cmac-SP800-38B-AES128-20B")]
    public void Cmac_matches_the_SP800_38B_example(string id)
    {
        var vector = PublishedVectors.Get("aes_cmac", id);

        var tag = AesCmac.Compute(vector.Bytes("key"), vector.Bytes("message"));

        Assert.Equal(vector.Text("expected_cmac"), Hex.Encode(tag));
    }

    [Fact]
    public void Cmac_over_two_parts_equals_cmac_over_their_concatenation()
    {
        var key = Convert.FromHexString("2B7E151628AED2A6ABF7158809CF4F3C");
        var message = Convert.FromHexString("6BC1BEE22E409F96E93D7E117393172AAE2D8A57");

        var split = AesCmac.Compute(key, message.AsSpan(0, 7), message.AsSpan(7));

        Assert.Equal(AesCmac.Compute(key, message), split);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(15)]
    [InlineData(17)]
    [InlineData(33)]
    public void Cmac_refuses_a_key_that_is_not_an_AES_key(int length)
    {
        Assert.Throws<ArgumentException>(() => AesCmac.Compute(new byte[length], [1, 2, 3]));
    }
}
