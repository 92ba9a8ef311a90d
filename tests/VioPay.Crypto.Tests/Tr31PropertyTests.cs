using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace VioPay.Crypto.Tests;

/// <summary>Round trips and hostile input: every failure is a Tr31Exception, and no altered block ever opens.</summary>
public sealed class Tr31PropertyTests
{
    public static TheoryData<KeySetKey, int> KeysAndKbpkLengths()
    {
        var data = new TheoryData<KeySetKey, int>();
        foreach (var key in Enum.GetValues<KeySetKey>())
        {
            foreach (var length in new[] { 16, 24, 32 })
            {
                data.Add(key, length);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(KeysAndKbpkLengths))]
    public void A_random_key_round_trips_under_a_random_kbpk(KeySetKey which, int kbpkLength)
    {
        var kbpk = RandomNumberGenerator.GetBytes(kbpkLength);
        var key = RandomNumberGenerator.GetBytes(32);
        var header = KeySetHeaders.For(which);

        var block = Tr31KeyBlock.Wrap(kbpk, header, key);
        var result = Tr31KeyBlock.Unwrap(kbpk, block);

        Assert.Equal(key, result.Key);
        Assert.Equal(header, result.Header);
        Assert.Matches("^D[0-9]{4}[0-9A-Z]{11}", block);
        Assert.Matches("^[0-9A-F]+$", block[result.Header.Render(0).Length..]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(14)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(24)]
    [InlineData(200)]
    public void Keys_of_any_byte_length_round_trip(int keyLength)
    {
        var kbpk = RandomNumberGenerator.GetBytes(32);
        var key = RandomNumberGenerator.GetBytes(keyLength);

        var block = Tr31KeyBlock.Wrap(kbpk, KeySetHeaders.For(KeySetKey.Tdk), key);

        Assert.Equal(key, Tr31KeyBlock.Unwrap(kbpk, block).Key);
    }

    [Fact]
    public void Wrapping_the_same_key_twice_gives_different_blocks_because_the_padding_is_random()
    {
        var kbpk = RandomNumberGenerator.GetBytes(32);
        var key = RandomNumberGenerator.GetBytes(32);

        Assert.NotEqual(
            Tr31KeyBlock.Wrap(kbpk, KeySetHeaders.For(KeySetKey.Msk), key),
            Tr31KeyBlock.Wrap(kbpk, KeySetHeaders.For(KeySetKey.Msk), key));
    }

    [Theory]
    [InlineData(KeySetKey.Tmk)]
    [InlineData(KeySetKey.Tpk)]
    [InlineData(KeySetKey.Mac)]
    public void Changing_any_single_character_of_a_block_makes_unwrap_throw(KeySetKey which)
    {
        var kbpk = RandomNumberGenerator.GetBytes(32);
        var block = Tr31KeyBlock.Wrap(kbpk, KeySetHeaders.For(which), RandomNumberGenerator.GetBytes(32));

        for (var i = 0; i < block.Length; i++)
        {
            foreach (var replacement in Replacements(block[i]))
            {
                var tampered = string.Concat(block.AsSpan(0, i), replacement.ToString(), block.AsSpan(i + 1));

                var error = Record.Exception(() => Tr31KeyBlock.Unwrap(kbpk, tampered));

                Assert.True(error is Tr31Exception, $"index {i}: '{block[i]}' -> '{replacement}' gave {error?.GetType().Name ?? "a key"}");
            }
        }
    }

    [Fact]
    public void The_wrong_kbpk_is_a_mac_mismatch()
    {
        var block = Tr31KeyBlock.Wrap(RandomNumberGenerator.GetBytes(32), KeySetHeaders.For(KeySetKey.Kek), RandomNumberGenerator.GetBytes(32));

        var error = Assert.Throws<Tr31Exception>(() => Tr31KeyBlock.Unwrap(RandomNumberGenerator.GetBytes(32), block));

        Assert.Equal(Tr31Error.MacMismatch, error.Error);
    }

    [Fact]
    public void Every_truncation_of_a_block_throws_a_typed_error()
    {
        var kbpk = RandomNumberGenerator.GetBytes(32);
        var block = Tr31KeyBlock.Wrap(kbpk, KeySetHeaders.For(KeySetKey.Mac), RandomNumberGenerator.GetBytes(32));

        for (var length = 0; length < block.Length; length++)
        {
            Assert.IsType<Tr31Exception>(Record.Exception(() => Tr31KeyBlock.Unwrap(kbpk, block[..length])));
        }
    }

    [Fact]
    public void Garbage_strings_throw_only_typed_errors()
    {
        var kbpk = RandomNumberGenerator.GetBytes(32);
        var random = new Random(20251213);
        var inputs = new List<string?> { null, "", " ", "D", "D0016P0AE00E0000", "D9999", new string('D', 9999), "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0" };
        for (var i = 0; i < 2000; i++)
        {
            var length = random.Next(0, 300);
            var chars = new char[length];
            for (var j = 0; j < length; j++)
            {
                chars[j] = (char)(i % 2 == 0 ? random.Next(0x20, 0x7F) : random.Next(0, 0x3000));
            }

            // Half of the strings start like a plausible version D header so the parser gets past the first checks.
            var text = new string(chars);
            inputs.Add(i % 3 == 0 && length >= 5 ? "D" + length.ToString("D4", System.Globalization.CultureInfo.InvariantCulture) + text[5..] : text);
        }

        foreach (var input in inputs)
        {
            Assert.IsType<Tr31Exception>(Record.Exception(() => Tr31KeyBlock.Unwrap(kbpk, input!)));
        }
    }

    [Theory]
    [InlineData("A0072P0TE00E0000F5161ED902807AF26F1D62263644BD24192FDB3193C730301CEE8701")] // TR-31:2018 A.7.2.1 (openemv/tr31 test2)
    [InlineData("B0080P0TE00E000094B420079CC80BA3461F86FE26EFC4A3B8E4FA4C5F5341176EED7B727B8A248E")] // TR-31:2018 A.7.2.2 (openemv/tr31 test3)
    [InlineData("E0084B0TV16N0000B2AE5E26BBA7F246E84D5EA24167E208A6B66EF2E27E55A52DB52F0AEACB94C57547")] // ISO 20038:2017 B.2 (openemv/tr31 test9)
    public void Versions_other_than_D_are_unsupported(string block)
    {
        var error = Assert.Throws<Tr31Exception>(() => Tr31KeyBlock.Unwrap(new byte[32], block));

        Assert.Equal(Tr31Error.UnsupportedVersion, error.Error);
    }

    [Fact]
    public void A_length_field_that_disagrees_with_the_block_is_a_length_mismatch()
    {
        var vector = PublishedVectors.Get("tr31_d_unwrap", "TR31-2018-A.7.4");
        var block = vector.Text("key_block");

        var error = Assert.Throws<Tr31Exception>(() => Tr31KeyBlock.Unwrap(vector.Bytes("kbpk"), block + "00"));

        Assert.Equal(Tr31Error.LengthMismatch, error.Error);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(15)]
    [InlineData(17)]
    [InlineData(64)]
    public void A_kbpk_that_is_not_an_AES_key_is_refused_by_wrap_and_unwrap(int length)
    {
        var vector = PublishedVectors.Get("tr31_d_unwrap", "TR31-2018-A.7.4");

        Assert.Equal(Tr31Error.BadKbpkLength, Assert.Throws<Tr31Exception>(() => Tr31KeyBlock.Unwrap(new byte[length], vector.Text("key_block"))).Error);
        Assert.Equal(Tr31Error.BadKbpkLength, Assert.Throws<Tr31Exception>(() => Tr31KeyBlock.Wrap(new byte[length], KeySetHeaders.For(KeySetKey.Tmk), new byte[32])).Error);
    }

    [Fact]
    public void Wrap_refuses_padding_that_does_not_fill_whole_blocks_and_empty_keys()
    {
        var header = KeySetHeaders.For(KeySetKey.Tmk);

        Assert.Equal(Tr31Error.Malformed, Assert.Throws<Tr31Exception>(() => Tr31KeyBlock.Wrap(new byte[32], header, new byte[32], new byte[13])).Error);
        Assert.Equal(Tr31Error.BadKeyLength, Assert.Throws<Tr31Exception>(() => Tr31KeyBlock.Wrap(new byte[32], header, [])).Error);
        Assert.Equal(Tr31Error.UnsupportedVersion, Assert.Throws<Tr31Exception>(() => Tr31KeyBlock.Wrap(new byte[32], header with { VersionId = 'B' }, new byte[16])).Error);
    }

    [Fact]
    public void Optional_blocks_that_leave_the_header_unaligned_are_refused()
    {
        var block = "D0118P0TE00N0100KS0600" + new string('0', 64) + new string('0', 32);

        var error = Assert.Throws<Tr31Exception>(() => Tr31KeyBlock.Unwrap(new byte[32], block));

        Assert.Equal(Tr31Error.BadOptionalBlock, error.Error);
    }

    // Blocks with a correct MAC over an impossible key length: only reachable by someone holding the KBPK, but the
    // length must still be checked after the MAC rather than trusted.
    [Theory]
    [InlineData(0)]
    [InlineData(127)]
    [InlineData(47 * 8)] // One byte more than the 46 a 48-byte payload leaves after the length field.
    [InlineData(0xFFFF)]
    public void An_authenticated_but_impossible_key_length_is_a_bad_key_length(int keyBits)
    {
        var kbpk = RandomNumberGenerator.GetBytes(32);
        var block = ForgeBlockWithKeyBits(kbpk, "D0000K0AB00N0000", keyBits, payloadLength: 48);

        var error = Assert.Throws<Tr31Exception>(() => Tr31KeyBlock.Unwrap(kbpk, block));

        Assert.Equal(Tr31Error.BadKeyLength, error.Error);
    }

    [Fact]
    public void The_forging_helper_builds_blocks_unwrap_accepts_when_the_length_is_sound()
    {
        var kbpk = RandomNumberGenerator.GetBytes(32);

        Assert.Equal(32, Tr31KeyBlock.Unwrap(kbpk, ForgeBlockWithKeyBits(kbpk, "D0000K0AB00N0000", 256, 48)).Key.Length);
    }

    private static string ForgeBlockWithKeyBits(byte[] kbpk, string headerTemplate, int keyBits, int payloadLength)
    {
        var total = headerTemplate.Length + (payloadLength * 2) + 32;
        var header = Tr31Header.Parse(headerTemplate).Render(total);
        var clear = RandomNumberGenerator.GetBytes(payloadLength);
        BinaryPrimitives.WriteUInt16BigEndian(clear, (ushort)keyBits);
        var (kbek, kbmk) = Tr31KeyBlock.DeriveKeys(kbpk);
        var mac = AesCmac.Compute(kbmk, [.. Encoding.ASCII.GetBytes(header), .. clear]);
        using var aes = Aes.Create();
        aes.SetKey(kbek);
        return header + Convert.ToHexString(aes.EncryptCbc(clear, mac, PaddingMode.None)) + Convert.ToHexString(mac);
    }

    /// <summary>Characters that change the block's meaning: never a mere change of hex case, which is not tampering.</summary>
    private static IEnumerable<char> Replacements(char original)
    {
        yield return original == '0' ? '1' : '0';
        yield return original == 'Z' ? 'Y' : 'Z';
        yield return original == '~' ? '!' : '~';
    }
}
