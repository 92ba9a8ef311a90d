using System.Security.Cryptography;
using System.Text;

namespace VioPay.Crypto.Tests;

public sealed class RequestSignatureTests
{
    private static readonly byte[] Key = Convert.FromHexString("0B0B0B0B0B0B0B0B0B0B0B0B0B0B0B0B0B0B0B0B0B0B0B0B0B0B0B0B0B0B0B0B");

    // RFC 4231 §4.3 (test case 2): HMAC-SHA-256 with key "Jefe".
    [Fact]
    public void Sign_matches_the_RFC_4231_known_answer()
    {
        var signature = RequestSignature.Sign("Jefe"u8, "what do ya want for nothing?"u8);

        var expected = Convert.FromHexString("5BDCC146BF60754E6A042426089575C75A003F089D2739839DEC58B964EC3843");
        Assert.Equal("v1=" + Convert.ToBase64String(expected), signature);
    }

    [Fact]
    public void The_attest_string_joins_the_header_values_with_newlines()
    {
        var message = RequestSignature.AttestString("POS-0A1B2C3D", "idk_123", "2025-12-13T14:25:30Z", "abcdefghijkl");

        Assert.Equal("POS-0A1B2C3D\nidk_123\n2025-12-13T14:25:30Z\nabcdefghijkl"u8.ToArray(), message);
    }

    [Fact]
    public void The_charge_string_uppercases_the_method_and_splices_the_raw_body_bytes()
    {
        byte[] body = [0x7B, 0xFF, 0x00, 0x0A, 0x7D]; // Not valid UTF-8 on purpose: the bytes are signed as received.

        var message = RequestSignature.ChargeString("post", "/pos/charge/ch_1/refund", "a=1&b=2", body, "TID-000123", "2025-12-13T14:25:30Z", "nonce1234567");

        byte[] expected = [.. "POST\n/pos/charge/ch_1/refund\na=1&b=2\n"u8, .. body, .. "\nTID-000123\n2025-12-13T14:25:30Z\nnonce1234567"u8];
        Assert.Equal(expected, message);
    }

    [Fact]
    public void An_empty_query_and_body_leave_empty_lines()
    {
        var message = RequestSignature.ChargeString("GET", "/pos/charge/ch_1", "", [], "TID-000123", "t", "n");

        Assert.Equal("GET\n/pos/charge/ch_1\n\n\nTID-000123\nt\nn"u8.ToArray(), message);
    }

    [Fact]
    public void A_signature_computed_independently_verifies()
    {
        var message = RequestSignature.AttestString("POS-0A1B2C3D", "idk_123", "2025-12-13T14:25:30Z", "abcdefghijkl");
        using var hmac = new HMACSHA256(Key);
        var header = "v1=" + Convert.ToBase64String(hmac.ComputeHash(message));

        Assert.Equal(header, RequestSignature.Sign(Key, message));
        Assert.True(RequestSignature.Verify(Key, message, header));
        Assert.True(RequestSignature.TryParse(header, out var mac));
        Assert.Equal(hmac.ComputeHash(message), mac);
    }

    [Fact]
    public void A_wrong_key_a_changed_body_or_a_changed_header_fails()
    {
        var message = RequestSignature.ChargeString("POST", "/pos/charge", "", "{\"a\":1}"u8, "TID-000123", "t", "n");
        var header = RequestSignature.Sign(Key, message);
        var otherBody = RequestSignature.ChargeString("POST", "/pos/charge", "", "{\"a\":2}"u8, "TID-000123", "t", "n");
        var changedHeader = header[..10] + (header[10] == 'A' ? 'B' : 'A') + header[11..];

        Assert.False(RequestSignature.Verify(RandomNumberGenerator.GetBytes(32), message, header));
        Assert.False(RequestSignature.Verify(Key, otherBody, header));
        Assert.False(RequestSignature.Verify(Key, message, changedHeader));
    }

    public static TheoryData<string?> MalformedHeaders()
    {
        var valid = Convert.ToBase64String(new byte[32]);
        return new TheoryData<string?>
        {
            null,
            "",
            "v1=",
            valid,
            "v2=" + valid,
            "V1=" + valid,
            " v1=" + valid,
            "v1= " + valid,
            "v1=" + valid + " ",
            "v1=" + valid[..20] + " " + valid[21..],
            "v1=" + valid.TrimEnd('='),
            "v1=" + valid.Replace('A', '-'),
            "v1=" + new string('*', 44),
            "v1=" + Convert.ToBase64String(new byte[31]),
            "v1=" + Convert.ToBase64String(new byte[33]),
            "v1=" + Convert.ToBase64String(new byte[64]),
            "v1=" + Convert.ToBase64String(new byte[30]).PadRight(44, '='),
            "v1=" + Convert.ToHexString(new byte[32]),
        };
    }

    [Theory]
    [MemberData(nameof(MalformedHeaders))]
    public void Malformed_headers_are_rejected_without_throwing(string? header)
    {
        var message = "anything"u8.ToArray();

        Assert.False(RequestSignature.TryParse(header, out var mac));
        Assert.Empty(mac);
        Assert.False(RequestSignature.Verify(Key, message, header));
    }

    [Fact]
    public void Non_ascii_header_values_are_signed_as_utf8()
    {
        var message = RequestSignature.AttestString("é", "k", "t", "n");

        Assert.Equal(Encoding.UTF8.GetBytes("é\nk\nt\nn"), message);
    }
}
