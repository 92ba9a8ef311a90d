namespace VioPay.Crypto.Tests;

public sealed class Tr31HeaderTests
{
    [Fact]
    public void Fixed_fields_are_read_from_their_positions()
    {
        var header = Tr31Header.Parse("D0112P0AE12S0000");

        Assert.Equal(new Tr31Header("P0", 'A', 'E', "12", 'S', [], 'D', '0', '0'), header);
    }

    [Fact]
    public void A_header_renders_back_to_the_same_characters_with_the_given_length()
    {
        Assert.Equal("D0144K0AB00N0000", Tr31Header.Parse("D0000K0AB00N0000").Render(144));
    }

    // Extended-length optional block (length "00", length-of-length, length) in the form the X9.143:2021 8.5/8.6 CT
    // blocks use, as in moov-io/tr31 pkg/tr31/tr31_test.go (Test_header_load_optional_extended_length_aes).
    [Fact]
    public void An_extended_length_optional_block_is_read_and_rendered_back_in_short_form()
    {
        var header = Tr31Header.Parse("D0000P0TE00N0200KS00021600604B120F9292PB0A000000");

        Assert.Equal([new Tr31OptionalBlock("KS", "00604B120F9292"), new Tr31OptionalBlock("PB", "000000")], header.OptionalBlocks);
    }

    // moov-io/tr31 pkg/tr31/tr31_test.go (Test_header_load_optional_256_aes): a block over 255 characters.
    [Fact]
    public void An_optional_block_over_255_characters_renders_in_extended_form()
    {
        var longData = new string('P', 256);
        var header = new Tr31Header("P0", 'T', 'E', "00", 'N', [new Tr31OptionalBlock("KS", longData)]);

        var rendered = header.Render(288);

        Assert.Equal("D0288P0TE00N0200KS0004010A" + longData + "PB0600", rendered);
        Assert.Equal(longData, Tr31Header.Parse(rendered).OptionalBlocks[0].Data);
    }

    [Theory]
    [InlineData("HM", "21", "D0000M7HC00N0200HM0621PB0A000000")] // 22 characters: a 10-character PB.
    [InlineData("KS", "123456789", "D0000P0TE00N0200KS0D123456789PB13000000000000000")] // 29: 3 short, so 19.
    [InlineData("KS", "0123456789AB", "D0000P0TE00N0100KS100123456789AB")] // Already 32: no PB.
    public void Wrap_pads_the_header_with_a_PB_block_to_a_multiple_of_16(string id, string data, string expected)
    {
        var header = new Tr31Header(expected[5..7], expected[7], expected[8], "00", expected[11], [new Tr31OptionalBlock(id, data)]);

        var rendered = header.Render(0);

        Assert.Equal(expected, rendered);
        Assert.Equal(0, rendered.Length % 16);
    }

    [Theory]
    [InlineData("", Tr31Error.Malformed)]
    [InlineData("D0000", Tr31Error.Malformed)]
    [InlineData("D00X0P0TE00N0000", Tr31Error.Malformed)]
    [InlineData("D0000P0TE00N0X00", Tr31Error.Malformed)]
    [InlineData("D0000P_TE00N0000", Tr31Error.Malformed)]
    [InlineData("D0000P0TE00N00\u00e900", Tr31Error.Malformed)]
    [InlineData("D0000P0TE00N0100", Tr31Error.BadOptionalBlock)]
    [InlineData("D0000P0TE00N0100K", Tr31Error.BadOptionalBlock)]
    [InlineData("D0000P0TE00N0100KS1Y", Tr31Error.BadOptionalBlock)]
    [InlineData("D0000P0TE00N0100KS02", Tr31Error.BadOptionalBlock)]
    [InlineData("D0000P0TE00N0100KS071", Tr31Error.BadOptionalBlock)]
    [InlineData("D0000P0TE00N0100KS0000", Tr31Error.BadOptionalBlock)]
    [InlineData("D0000P0TE00N0100KS0005FFFFF", Tr31Error.BadOptionalBlock)]
    [InlineData("D0000P0TE00N0100KS0001FF", Tr31Error.BadOptionalBlock)]
    [InlineData("D0000P0TE00N0100KS000101", Tr31Error.BadOptionalBlock)]
    [InlineData("D0000P0TE00N0100**04", Tr31Error.BadOptionalBlock)]
    [InlineData("D0000P0TE00N0100KS05\u0003", Tr31Error.BadOptionalBlock)]
    [InlineData("D0000P0TE00N0200KS04TT05\u00ff", Tr31Error.BadOptionalBlock)]
    public void A_structurally_bad_header_is_a_typed_error(string text, Tr31Error expected)
    {
        var error = Assert.Throws<Tr31Exception>(() => Tr31Header.Parse(text));

        Assert.Equal(expected, error.Error);
    }

    [Fact]
    public void Parse_of_null_is_a_typed_error()
    {
        Assert.Equal(Tr31Error.Malformed, Assert.Throws<Tr31Exception>(() => Tr31Header.Parse(null!)).Error);
    }

    [Theory]
    [InlineData("P", 'A', "00", "KS", "00")]
    [InlineData("P0", '_', "00", "KS", "00")]
    [InlineData("P0", 'A', "0", "KS", "00")]
    [InlineData("P0", 'A', "00", "K", "00")]
    [InlineData("P0", 'A', "00", "K*", "00")]
    [InlineData("P0", 'A', "00", "KS", "0\n")]
    public void Rendering_refuses_fields_a_key_block_cannot_carry(string usage, char algorithm, string version, string id, string data)
    {
        var header = new Tr31Header(usage, algorithm, 'E', version, 'N', [new Tr31OptionalBlock(id, data)]);

        Assert.Throws<Tr31Exception>(() => header.Render(0));
    }

    [Fact]
    public void A_header_without_a_block_list_is_a_typed_error_in_wrap_and_render()
    {
        var header = new Tr31Header("P0", 'A', 'E', "00", 'N', null!);

        Assert.Equal(Tr31Error.BadOptionalBlock, Assert.Throws<Tr31Exception>(() => header.Render(0)).Error);
        Assert.Equal(Tr31Error.BadOptionalBlock, Assert.Throws<Tr31Exception>(() => Tr31KeyBlock.Wrap(new byte[32], header, new byte[16])).Error);
    }

    [Fact]
    public void Ninety_nine_unaligned_optional_blocks_leave_no_room_for_padding()
    {
        var header = new Tr31Header("P0", 'A', 'E', "00", 'N', [.. Enumerable.Range(0, 99).Select(i => new Tr31OptionalBlock("T" + (i % 10), "A"))]);

        Assert.Equal(Tr31Error.BadOptionalBlock, Assert.Throws<Tr31Exception>(() => header.Render(0)).Error);
    }

    [Fact]
    public void Headers_with_the_same_fields_and_blocks_are_equal()
    {
        var a = new Tr31Header("M7", 'H', 'C', "00", 'N', [new Tr31OptionalBlock("HM", "21")]);
        var b = new Tr31Header("M7", 'H', 'C', "00", 'N', new List<Tr31OptionalBlock> { new("HM", "21") });

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, b with { OptionalBlocks = [new Tr31OptionalBlock("HM", "22")] });
    }
}
