namespace VioPay.Terminal;

/// <summary>The plaintext of POST /pos/charge, field for field as seed 002 step 9 shows it; it travels inside an MSK envelope.</summary>
public sealed record ChargeRequest(
    ChargeCard Card,
    Money Amount,
    ChargeTerminal Terminal,
    string? EmvData,
    string CardholderVerificationMethod,
    ChargePinBlock? PinBlock,
    string Stan,
    string AuthorizationType,
    Money? Tip = null)
{
    /// <summary>
    /// A small BER-TLV set a chip read would produce (9F26 cryptogram, 9F27 CID, 9F36 ATC, 9F37 unpredictable number,
    /// 95 TVR, 9C transaction type). It has no track-2 or cardholder tags, so nothing in it is sensitive.
    /// </summary>
    public const string DefaultEmvData = "9F2608A1B2C3D4E5F607189F2701809F360200019F37041A2B3C4D950500000000009C0100";

    /// <summary>
    /// A chip, attended charge; <paramref name="tipMinor"/> is part of <paramref name="amountMinor"/> (PROTOCOL §11.6). The CVM is "pin" when a PIN block is given and <paramref name="cardholderVerificationMethod"/>
    /// is not; "none" otherwise. terminal.id is left null so <see cref="PosTerminal.ChargeAsync"/> fills in the terminal's own id.
    /// </summary>
    public static ChargeRequest Create(
        string pan,
        int expYear,
        int expMonth,
        string amountMinor,
        string currency,
        string stan,
        string? pinBlock = null,
        string? emvData = DefaultEmvData,
        string? cardholderVerificationMethod = null,
        string terminalEntryMode = "chip",
        string authorizationType = "final",
        string? tipMinor = null) =>
        new(
            new ChargeCard(pan, expYear, expMonth),
            new Money(amountMinor, currency),
            new ChargeTerminal(null, "pos", terminalEntryMode, Attended: true, ["chip", "contactless"]),
            emvData,
            cardholderVerificationMethod ?? (pinBlock is null ? "none" : "pin"),
            pinBlock is null ? null : new ChargePinBlock(pinBlock),
            stan,
            authorizationType,
            tipMinor is null ? null : new Money(tipMinor, currency));
}

public sealed record ChargeCard(string Number, int ExpiryYear, int ExpiryMonth);

/// <summary>terminal.id must equal X-Terminal-Id (PROTOCOL §8); null means "this terminal's id".</summary>
public sealed record ChargeTerminal(
    string? Id, string Type, string TerminalEntryMode, bool Attended, IReadOnlyList<string> Capabilities);

public sealed record ChargePinBlock(string Block);
