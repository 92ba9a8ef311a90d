using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using VioPay.Api.Infrastructure;
using VioPay.Api.Infrastructure.Errors;

namespace VioPay.Api.Pos;

public static class PosHeaderNames
{
    public const string DeviceId = "X-Device-Id";
    public const string UserAgent = "User-Agent";
    public const string ClientType = "X-Client-Type";
    public const string KeyId = "X-Key-Id";
    public const string Timestamp = "X-Timestamp";
    public const string Nonce = "X-Nonce";
    public const string Signature = "X-Signature";
    public const string TerminalId = "X-Terminal-Id";
    public const string Authorization = "Authorization";
    public const string IdempotencyKey = "Idempotency-Key";

    public static readonly string[] Activation = [DeviceId, UserAgent, ClientType];
    public static readonly string[] Attest = [DeviceId, UserAgent, ClientType, KeyId, Timestamp, Nonce, Signature];
    public static readonly string[] AttestationToken = [Authorization, DeviceId];
    public static readonly string[] Charge = [TerminalId, Timestamp, Nonce, KeyId, Signature, ClientType, UserAgent];
}

/// <summary>
/// Validates POS headers in the order PROTOCOL §10.1 fixes: missing ones first (every required
/// header named), then malformed values, then the app version (426).
/// </summary>
public sealed partial class PosHeaderValidator(IOptions<PosOptions> options, TimeProvider time)
{
    [GeneratedRegex("^POS-[0-9A-F]{8}$")]
    private static partial Regex DeviceIdPattern();

    [GeneratedRegex(@"^Viopay-POS/(?<version>(?<major>0|[1-9]\d{0,5})\.(?<minor>0|[1-9]\d{0,5})\.(?<patch>0|[1-9]\d{0,5})(?<pre>-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?) \((?<os>[^;()]+); (?<model>[^;()]+)\)$")]
    private static partial Regex UserAgentPattern();

    [GeneratedRegex("^[A-Za-z0-9]{12,64}$")]
    private static partial Regex NoncePattern();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")]
    private static partial Regex TimestampPattern();

    [GeneratedRegex(@"^TID-\d{6}$")]
    private static partial Regex TerminalIdPattern();

    public static bool IsDeviceId(string? value) => value is not null && DeviceIdPattern().IsMatch(value);

    /// <summary>The semver a valid <c>User-Agent</c> carries (<c>Viopay-POS/1.4.2 (…)</c> → <c>1.4.2</c>), else null.</summary>
    public static string? AppVersion(string? userAgent) =>
        userAgent is not null && UserAgentPattern().Match(userAgent) is { Success: true } match ? match.Groups["version"].Value : null;

    /// <summary>Missing headers: 400 naming every required header and the missing ones.</summary>
    public static void RequirePresent(HttpRequest request, IReadOnlyList<string> required)
    {
        var missing = required.Where(h => string.IsNullOrWhiteSpace(request.Headers[h].ToString())).ToArray();
        if (missing.Length > 0)
        {
            throw ApiException.BadRequest("Missing required headers", new Dictionary<string, object?>
            {
                ["required_headers"] = required,
                ["missing_headers"] = missing,
            });
        }
    }

    /// <summary>
    /// Checks the format of every known POS header that is present, then the app version.
    /// </summary>
    public void ValidatePresent(HttpRequest request)
    {
        var invalid = new List<string>();
        var headers = request.Headers;
        Check(PosHeaderNames.DeviceId, v => DeviceIdPattern().IsMatch(v));
        Check(PosHeaderNames.UserAgent, v => UserAgentPattern().IsMatch(v));
        Check(PosHeaderNames.ClientType, v => v == "pos");
        Check(PosHeaderNames.Nonce, v => NoncePattern().IsMatch(v));
        Check(PosHeaderNames.Timestamp, v => TryParseTimestamp(v, out _));
        Check(PosHeaderNames.KeyId, v => v.Length <= 64 && v.All(c => c is > ' ' and < (char)127));
        Check(PosHeaderNames.TerminalId, v => TerminalIdPattern().IsMatch(v));
        if (invalid.Count > 0)
        {
            throw ApiException.BadRequest("Invalid header values", new Dictionary<string, object?>
            {
                ["invalid_headers"] = invalid,
            });
        }

        return;

        void Check(string name, Func<string, bool> isValid)
        {
            if (headers.TryGetValue(name, out var values) && (values.Count != 1 || !isValid(values.ToString())))
            {
                invalid.Add(name);
            }
        }
    }

    /// <summary>426 when the app is older than <c>Pos:MinSupportedVersion</c>; call after <see cref="ValidatePresent"/>.</summary>
    public void RequireSupportedVersion(HttpRequest request)
    {
        var userAgent = request.Headers.UserAgent.ToString();
        if (userAgent.Length == 0)
        {
            return;
        }

        var match = UserAgentPattern().Match(userAgent);
        if (match.Success && IsBelowMinimum(match))
        {
            throw ApiException.UpgradeRequired("POS app version is below the minimum supported version",
                new Dictionary<string, object?>
                {
                    ["app_version"] = match.Groups["version"].Value,
                    ["min_supported_version"] = options.Value.MinSupportedVersion,
                });
        }
    }

    /// <summary>
    /// The timestamp window of PROTOCOL §5: at most 300 s in the past, 60 s in the future. A
    /// timestamp outside it is 401 with <c>server_time</c> so a drifting terminal can correct itself.
    /// </summary>
    public void RequireFreshTimestamp(string value)
    {
        var now = time.GetUtcNow();
        if (!TryParseTimestamp(value, out var timestamp))
        {
            throw ApiException.BadRequest("Invalid header values", new Dictionary<string, object?>
            {
                ["invalid_headers"] = new[] { PosHeaderNames.Timestamp },
            });
        }

        var age = now - timestamp;
        if (age > TimeSpan.FromSeconds(options.Value.TimestampMaxPastSeconds) ||
            -age > TimeSpan.FromSeconds(options.Value.TimestampMaxFutureSeconds))
        {
            throw ApiException.Unauthorized("Timestamp outside the accepted window", new Dictionary<string, object?>
            {
                ["server_time"] = PosTime.Format(now),
            });
        }
    }

    /// <summary>How long a nonce must be remembered: the whole window it could be replayed in, and a margin.</summary>
    public TimeSpan NonceLifetime =>
        TimeSpan.FromSeconds(options.Value.TimestampMaxPastSeconds + options.Value.TimestampMaxFutureSeconds + 60);

    private bool IsBelowMinimum(Match match)
    {
        var minimum = options.Value.MinSupportedVersion.Split('.').Select(int.Parse).ToArray();
        int[] actual =
        [
            int.Parse(match.Groups["major"].Value, CultureInfo.InvariantCulture),
            int.Parse(match.Groups["minor"].Value, CultureInfo.InvariantCulture),
            int.Parse(match.Groups["patch"].Value, CultureInfo.InvariantCulture),
        ];
        for (var i = 0; i < 3; i++)
        {
            if (actual[i] != minimum[i])
            {
                return actual[i] < minimum[i];
            }
        }

        // Semver: 1.3.5-beta precedes 1.3.5.
        return match.Groups["pre"].Success;
    }

    public static bool TryParseTimestamp(string value, out DateTimeOffset timestamp)
    {
        timestamp = default;
        return TimestampPattern().IsMatch(value) &&
            DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out timestamp);
    }
}

public static class PosTime
{
    /// <summary>RFC 3339 UTC, whole seconds, <c>Z</c> (PROTOCOL §1).</summary>
    public static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
