using VioPay.Crypto;

namespace VioPay.Crypto.Tests;

public sealed class BerTlvTests
{
    [Fact]
    public void AChipReadParsesIntoItsTags()
    {
        // 9F26 cryptogram (8), 9F27 CID (1), 95 TVR (5), and a constructed 70 template holding 5A (PAN) and 5F24 (expiry).
        const string hex = "9F2608A1B2C3D4E5F6A7B89F270180950500000000007010" + "5A0841111111111111115F2403291231";
        Assert.True(BerTlv.TryParseHex(hex, out var objects));
        Assert.Equal(["9F26", "9F27", "95", "70"], objects.Select(o => o.Tag));
        Assert.Equal("A1B2C3D4E5F6A7B8", Convert.ToHexString(objects[0].Value.Span));
        var template = objects[3];
        Assert.True(template.Constructed);
        Assert.Equal(["5A", "5F24"], template.Children.Select(o => o.Tag));
        Assert.Contains(BerTlv.Flatten(objects), o => BerTlv.SensitiveTags.Contains(o.Tag));
    }

    [Fact]
    public void LongFormLengthsAndPaddingAreRead()
    {
        var value = new string('A', 0x90 * 2);
        Assert.True(BerTlv.TryParseHex("00" + "9F1081" + "90" + value + "FF", out var objects));
        Assert.Equal(0x90, Assert.Single(objects).Value.Length);
        Assert.True(BerTlv.TryParseHex("DF01820100" + new string('B', 0x100 * 2), out var two));
        Assert.Equal(0x100, two[0].Value.Length);
    }

    [Theory]
    [InlineData("")]
    [InlineData("9F")]                       // tag without length
    [InlineData("9F2608A1B2")]               // value shorter than its length
    [InlineData("5A80")]                     // indefinite length
    [InlineData("5A8301000000")]             // three length bytes
    [InlineData("9F9F9F0100")]               // four-byte tag
    [InlineData("9F260")]                    // odd hex
    [InlineData("GG00")]                     // not hex
    [InlineData("7003" + "5A05")]            // a template whose child overruns it
    public void MalformedInputIsRefusedWithoutThrowing(string hex) =>
        Assert.False(BerTlv.TryParseHex(hex, out _));

    [Fact]
    public void NestingAndObjectCountAreBounded()
    {
        // Nine nested templates: one level past the bound.
        var inner = "5A0141";
        for (var i = 0; i < 9; i++)
        {
            inner = "70" + (inner.Length / 2).ToString("X2", System.Globalization.CultureInfo.InvariantCulture) + inner;
        }

        Assert.False(BerTlv.TryParseHex(inner, out _));
        Assert.True(BerTlv.TryParseHex(string.Concat(Enumerable.Repeat("9C0100", BerTlv.MaxObjects)), out _));
        Assert.False(BerTlv.TryParseHex(string.Concat(Enumerable.Repeat("9C0100", BerTlv.MaxObjects + 1)), out _));
    }

    [Fact]
    public void RandomBytesNeverThrow()
    {
        var random = new Random(20261201);
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = new byte[random.Next(0, 64)];
            random.NextBytes(bytes);
            _ = BerTlv.TryParse(bytes, out _);
        }
    }
}
