namespace VioPay.Crypto.Tests;

public sealed class HexTests
{
    [Fact]
    public void Encode_emits_uppercase()
    {
        Assert.Equal("00AB7FFF", Hex.Encode([0x00, 0xAB, 0x7F, 0xFF]));
    }

    [Theory]
    [InlineData("00ab7fFF")]
    [InlineData("00AB7FFF")]
    public void Decode_accepts_either_case(string text)
    {
        Assert.True(Hex.TryDecode(text, out var bytes));
        Assert.Equal(new byte[] { 0x00, 0xAB, 0x7F, 0xFF }, bytes);
    }

    [Fact]
    public void Decode_of_the_empty_string_is_no_bytes()
    {
        Assert.True(Hex.TryDecode("", out var bytes));
        Assert.Empty(bytes);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("0")]
    [InlineData("ABC")]
    [InlineData("0G")]
    [InlineData("00 11")]
    [InlineData(" 0011")]
    [InlineData("0x11")]
    [InlineData("١٢")]
    public void Decode_refuses_anything_but_an_even_run_of_hex_digits(string? text)
    {
        Assert.False(Hex.TryDecode(text, out var bytes));
        Assert.Empty(bytes);
    }
}
