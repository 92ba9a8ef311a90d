using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace VioPay.Api.Payments;

/// <summary>
/// The built-in acquirer of PROTOCOL §8: outcomes are fixed by the card number, and the authorization code and RRN
/// are derived from the charge id, so a test can predict every answer. The timeout card throws as a real acquirer's
/// silence would, which makes the server reverse and decline with <c>issuer_unavailable</c>.
/// </summary>
public sealed class AcquirerSimulator(TimeProvider time, Microsoft.Extensions.Options.IOptions<PaymentOptions> options) : IPaymentProcessor
{
    public const string DeclinedCard = "4000000000000002";
    public const string InsufficientFundsCard = "4000000000009995";
    public const string IncorrectPinCard = "4000000000000127";
    public const string TimeoutCard = "4000000000000119";

    private const string CodeAlphabet = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";

    public async Task<AuthorizationResult> AuthorizeAsync(AuthorizationRequest request, CancellationToken cancellationToken)
    {
        await LatencyAsync(cancellationToken);
        var rrn = Rrn(request.ChargeId);
        var result = request.Pan switch
        {
            DeclinedCard => Declined("card_declined"),
            InsufficientFundsCard => Declined("insufficient_funds"),
            IncorrectPinCard => Declined("incorrect_pin"),
            TimeoutCard => throw new AcquirerTimeoutException("The acquirer simulator does not answer for the timeout card."),
            _ => new AuthorizationResult(true, AuthorizationCode(request.ChargeId), rrn, null),
        };
        return result;

        AuthorizationResult Declined(string code) => new(false, null, rrn, code);
    }

    /// <summary>The increment rule of PROTOCOL §11.3: declined <c>insufficient_funds</c> above 10 × the first authorized amount.</summary>
    public async Task<AuthorizationResult> IncrementAsync(IncrementRequest request, CancellationToken cancellationToken)
    {
        await LatencyAsync(cancellationToken);
        return request.NewTotalMinor > 10 * request.FirstAuthorizedMinor
            ? new AuthorizationResult(false, null, Rrn(request.ChargeId), "insufficient_funds")
            : new AuthorizationResult(true, AuthorizationCode(request.ChargeId), Rrn(request.ChargeId), null);
    }

    public Task CaptureAsync(CaptureRequest request, CancellationToken cancellationToken) => LatencyAsync(cancellationToken);

    public Task ReverseAsync(string chargeId, string reason, CancellationToken cancellationToken) => LatencyAsync(cancellationToken);

    public Task ReleaseAsync(string chargeId, string reason, CancellationToken cancellationToken) => LatencyAsync(cancellationToken);

    public async Task<RefundResult> RefundAsync(string chargeId, string refundId, long amountMinor, string currency,
        CancellationToken cancellationToken)
    {
        await LatencyAsync(cancellationToken);
        return RefundResult.Acknowledged;
    }

    private Task LatencyAsync(CancellationToken cancellationToken) => options.Value.SimulatorLatencyMilliseconds == 0
        ? Task.CompletedTask
        : Task.Delay(TimeSpan.FromMilliseconds(options.Value.SimulatorLatencyMilliseconds), time, cancellationToken);

    /// <summary>Six characters from the charge id's hash: what an issuer's approval code looks like.</summary>
    public static string AuthorizationCode(string chargeId)
    {
        var hash = SHA256.HashData(Encoding.ASCII.GetBytes("auth:" + chargeId));
        var code = new char[6];
        for (var i = 0; i < code.Length; i++)
        {
            code[i] = CodeAlphabet[hash[i] % CodeAlphabet.Length];
        }

        return new string(code);
    }

    /// <summary>
    /// The ISO 8583 retrieval reference number layout acquirers use: YDDD (last digit of the year, day of the year),
    /// HH (hour), then six digits from the charge id's hash. Twelve digits in all.
    /// </summary>
    public string Rrn(string chargeId)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var hash = SHA256.HashData(Encoding.ASCII.GetBytes("rrn:" + chargeId));
        var serial = (BitConverter.ToUInt32(hash, 0) % 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
        return string.Create(CultureInfo.InvariantCulture, $"{now.Year % 10}{now.DayOfYear:D3}{now.Hour:D2}{serial}");
    }
}
