using System.Net;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VioPay.Api.Infrastructure.Persistence;
using VioPay.Api.Tests.Infrastructure;

namespace VioPay.Api.Tests.Payments;

/// <summary>Every rule of PROTOCOL §8 on the charge and refund plaintexts: 400, the field named, nothing stored.</summary>
public sealed class ChargeValidationTests(VioPayApp app) : IClassFixture<VioPayApp>
{
    public static TheoryData<string, string> BrokenCharges => new()
    {
        { "card.number=4111111111111112", "card.number" },
        { "card.number=41111111111", "card.number" },
        { "card.number=41111111111111111111", "card.number" },
        { "card.number=4111 1111 1111 1111", "card.number" },
        { "card.number=#4111111111111111", "card.number" },
        { "card=null", "card" },
        { "card.expiry_month=13", "card.expiry_month" },
        { "card.expiry_month=0", "card.expiry_month" },
        { "card.expiry_month=\"12\"", "card.expiry_month" },
        { "card.expiry_year=27", "card.expiry_year" },
        { "amount.value=0", "amount.value" },
        { "amount.value=-5", "amount.value" },
        { "amount.value=15.00", "amount.value" },
        { "amount.value=1234567890123", "amount.value" },
        { "amount.value=#1500", "amount.value" },
        { "amount.currency=XXX", "amount.currency" },
        { "amount.currency=eur", "amount.currency" },
        { "amount=null", "amount" },
        { "terminal.id=TID-000000", "terminal.id" },
        { "terminal=null", "terminal" },
        { "terminal.terminal_entry_mode=telepathy", "terminal.terminal_entry_mode" },
        { "stan=123", "stan" },
        { "stan=#123456", "stan" },
        { "emv_data=9F26", "emv_data" },
        { "emv_data=ZZ", "emv_data" },
        { "emv_data=9F2608A1B2", "emv_data" },
        { "pin_block=null", "pin_block.block" },
        { "pin_block.block=1234", "pin_block.block" },
        { "cardholder_verification_method=retina", "cardholder_verification_method" },
        { "authorization_type=forever", "authorization_type" },
    };

    [Theory]
    [MemberData(nameof(BrokenCharges))]
    public async Task ABrokenChargeIs400NamingTheField(string mutation, string field)
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var json = Mutate(terminal.ChargeJson(), mutation);
        var response = await terminal.Http.SendAsync(terminal.ChargeRequest(json));
        var error = await response.AssertErrorAsync(HttpStatusCode.BadRequest, "4000");
        var fields = error.GetProperty("details").GetProperty("fields");
        Assert.True(fields.TryGetProperty(field, out var sentence), fields.GetRawText());
        Assert.DoesNotContain("4111111111111", sentence.GetString());
        Assert.DoesNotContain("4111111111111", error.GetRawText());

        using var scope = app.Services.CreateScope();
        Assert.Equal(0, await scope.ServiceProvider.GetRequiredService<VioPayDbContext>().Charges.CountAsync(c => c.TerminalId == terminal.TerminalId));
    }

    [Fact]
    public async Task EveryBrokenFieldIsNamedAtOnce()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var json = Mutate(Mutate(Mutate(terminal.ChargeJson(), "card.number=4111111111111112"), "amount.currency=XXX"), "stan=1");
        var error = await (await terminal.Http.SendAsync(terminal.ChargeRequest(json))).AssertErrorAsync(HttpStatusCode.BadRequest, "4000");
        var fields = error.GetProperty("details").GetProperty("fields");
        Assert.Equal(["amount.currency", "card.number", "stan"], fields.EnumerateObject().Select(p => p.Name).Order());
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"charge\"")]
    [InlineData("42")]
    public async Task APlaintextThatIsNotAChargeObjectIs400(string plaintext)
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var response = await terminal.Http.SendAsync(terminal.ChargeRequest(plaintext));
        await response.AssertErrorAsync(HttpStatusCode.BadRequest, "4000");
    }

    [Fact]
    public async Task APlaintextWithDuplicateKeysDoesNotParseAndIsTheEnvelopeError()
    {
        // Two "amount"s would let the signer and a reader disagree on what was charged: refused as unparseable (PROTOCOL §7).
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var json = terminal.ChargeJson().TrimEnd('}') + ",\"amount\":{\"value\":\"1\",\"currency\":\"EUR\"}}";
        var response = await terminal.Http.SendAsync(terminal.ChargeRequest(json));
        var error = await response.AssertErrorAsync(HttpStatusCode.Unauthorized, "4001");
        Assert.Equal(VioPay.Crypto.EnvelopeException.StandardMessage, error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task PinIsOptionalForOtherVerificationMethods()
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var charge = await terminal.ChargeOkAsync(terminal.ChargeJson(cvm: "signature", pinBlock: null, emvData: null));
        Assert.Equal("approved", charge.Text("status"));
    }

    [Theory]
    [InlineData("{\"amount\":{\"value\":\"0\",\"currency\":\"EUR\"}}", "amount.value")]
    [InlineData("{\"amount\":{\"value\":\"100\",\"currency\":\"ZZZ\"}}", "amount.currency")]
    [InlineData("{\"reason\":\"x\"}", "amount")]
    [InlineData("{\"amount\":{\"value\":\"100\",\"currency\":\"EUR\"},\"reason\":7}", "reason")]
    public async Task ABrokenRefundIs400NamingTheField(string plaintext, string field)
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var chargeId = (await terminal.ChargeOkAsync()).Text("charge_id");
        var response = await terminal.Http.SendAsync(terminal.Signed(HttpMethod.Post, $"/pos/charge/{chargeId}/refund", terminal.EncryptedBody(plaintext)));
        var error = await response.AssertErrorAsync(HttpStatusCode.BadRequest, "4000");
        Assert.True(error.GetProperty("details").GetProperty("fields").TryGetProperty(field, out _));
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"idempotency_key\":\"\"}")]
    [InlineData("{\"idempotency_key\":42}")]
    public async Task AReverseByKeyWithoutAKeyIs400(string plaintext)
    {
        var (terminal, _, _) = await app.ActivatedTerminalAsync();
        var response = await terminal.Http.SendAsync(terminal.Signed(HttpMethod.Post, "/pos/charge/reverse", terminal.EncryptedBody(plaintext)));
        var error = await response.AssertErrorAsync(HttpStatusCode.BadRequest, "4000");
        Assert.True(error.GetProperty("details").GetProperty("fields").TryGetProperty("idempotency_key", out _));
    }

    /// <summary>
    /// "a.b=value" sets a.b to value as JSON when it parses (a bare number for a digit-string field is sent as a string,
    /// as the protocol writes them), else as a string; "#123" sends the bare JSON number 123 as it is.
    /// </summary>
    private static string Mutate(string json, string mutation)
    {
        var root = JsonNode.Parse(json)!.AsObject();
        var eq = mutation.IndexOf('=', StringComparison.Ordinal);
        var path = mutation[..eq].Split('.');
        var raw = mutation[(eq + 1)..];
        JsonNode? value;
        if (raw.StartsWith('#'))
        {
            value = JsonNode.Parse(raw[1..]);
        }
        else
        {
            try
            {
                value = JsonNode.Parse(raw);
                if (value is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number &&
                    path[^1] is "number" or "value" or "stan" or "block" && raw.All(char.IsAsciiDigit))
                {
                    value = JsonValue.Create(raw);
                }
            }
            catch (System.Text.Json.JsonException)
            {
                value = JsonValue.Create(raw);
            }
        }

        var parent = root;
        foreach (var segment in path[..^1])
        {
            parent = parent[segment]!.AsObject();
        }

        parent[path[^1]] = value;
        return root.ToJsonString();
    }
}
