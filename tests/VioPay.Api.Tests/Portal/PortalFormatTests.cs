using VioPay.Api.Portal;

namespace VioPay.Api.Tests.Portal;

/// <summary>Money on the portal: the currency's own decimals (ISO 4217) both ways.</summary>
public sealed class PortalFormatTests
{
    [Theory]
    [InlineData(1500, "EUR", "EUR 15.00")]
    [InlineData(5, "EUR", "EUR 0.05")]
    [InlineData(123456789, "USD", "USD 1,234,567.89")]
    [InlineData(1500, "JPY", "JPY 1,500")]
    [InlineData(-425, "EUR", "EUR -4.25")]
    public void MoneyIsWrittenWithTheCurrencysDecimals(long minor, string currency, string expected) =>
        Assert.Equal(expected, PortalFormat.Money(minor, currency));

    [Theory]
    [InlineData("4.25", "EUR", 425L)]
    [InlineData("4.2", "EUR", 420L)]
    [InlineData("4", "EUR", 400L)]
    [InlineData(" 15.00 ", "EUR", 1500L)]
    [InlineData("1500", "JPY", 1500L)]
    [InlineData("4.255", "EUR", null)]
    [InlineData("4.5", "JPY", null)]
    [InlineData("0", "EUR", null)]
    [InlineData("-1", "EUR", null)]
    [InlineData("1,5", "EUR", null)]
    [InlineData("1.", "EUR", null)]
    [InlineData("", "EUR", null)]
    public void AmountsTypedInMajorUnitsBecomeMinorUnits(string text, string currency, long? expected) =>
        Assert.Equal(expected, PortalFormat.ParseMajor(text, currency));
}
