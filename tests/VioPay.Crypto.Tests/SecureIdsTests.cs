namespace VioPay.Crypto.Tests;

public sealed class SecureIdsTests
{
    [Fact]
    public void Identifiers_have_the_protocol_formats()
    {
        Assert.Matches("^att_[0-9A-Za-z]{43}$", SecureIds.NewAttestationToken());
        Assert.Matches("^ch_[0-9A-Za-z]{24}$", SecureIds.NewChargeId());
        Assert.Matches("^rf_[0-9A-Za-z]{24}$", SecureIds.NewRefundId());
        Assert.Matches("^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{6}$", SecureIds.NewPairingCode());
        Assert.Matches("^[0-9A-Za-z]{7}$", SecureIds.Base62(7));
    }

    [Fact]
    public void Ten_thousand_charge_ids_refund_ids_and_tokens_are_all_distinct()
    {
        Assert.Equal(10_000, Enumerable.Range(0, 10_000).Select(_ => SecureIds.NewChargeId()).Distinct().Count());
        Assert.Equal(10_000, Enumerable.Range(0, 10_000).Select(_ => SecureIds.NewRefundId()).Distinct().Count());
        Assert.Equal(10_000, Enumerable.Range(0, 10_000).Select(_ => SecureIds.NewAttestationToken()).Distinct().Count());
    }

    [Fact]
    public void The_pairing_alphabet_leaves_out_look_alike_characters()
    {
        Assert.Equal(31, SecureIds.PairingAlphabet.Length);
        Assert.DoesNotContain(SecureIds.PairingAlphabet, c => "01ILO".Contains(c, StringComparison.Ordinal));
    }

    // A loose uniformity check: with 240,000 draws each of the 62 characters expects ~3,871; a biased generator
    // (e.g. byte % 62) would over-draw the first 8 characters by about 25%.
    [Fact]
    public void Base62_characters_are_drawn_evenly()
    {
        var counts = string.Concat(Enumerable.Range(0, 10_000).Select(_ => SecureIds.Base62(24)))
            .GroupBy(c => c).ToDictionary(g => g.Key, g => g.Count());

        Assert.Equal(62, counts.Count);
        Assert.All(counts.Values, n => Assert.InRange(n, 3_400, 4_350));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Base62_refuses_a_non_positive_length(int length)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SecureIds.Base62(length));
    }
}
