using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using VioPay.Api.Infrastructure;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Pos;

namespace VioPay.Api.Tests.Reliability;

/// <summary>
/// Issue 6: the POS header parsers on random and mutated values (fixed seed, bounded cases). Each value is accepted or
/// refused with the 400 (or 426, 401) of PROTOCOL §10.1; no other exception escapes, no value takes long, memory stays flat.
/// </summary>
public sealed class HeaderFuzzTests
{
    private static readonly string[] Valid =
    [
        "POS-8F3A2C91", "Viopay-POS/1.4.2 (Android 12; PAX-A920)", "pos", "2025-12-13T14:25:30Z", "a1b2c3d4e5f6a1b2", "TID-004812", "mac-key-1",
    ];

    private static readonly string[] Names =
    [
        PosHeaderNames.DeviceId, PosHeaderNames.UserAgent, PosHeaderNames.ClientType, PosHeaderNames.Timestamp, PosHeaderNames.Nonce,
        PosHeaderNames.TerminalId, PosHeaderNames.KeyId,
    ];

    [Fact]
    public void RandomAndMutatedHeaderValuesAreAcceptedOrRefusedCleanly()
    {
        var validator = new PosHeaderValidator(Options.Create(new PosOptions()), TimeProvider.System);
        var random = new Random(6);
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 20_000; i++)
        {
            var context = new DefaultHttpContext();
            for (var h = 0; h < Names.Length; h++)
            {
                var value = random.Next(3) == 0 ? Valid[h] : Mutate(random, Valid[h]);
                context.Request.Headers[Names[h]] = value;
            }

            try
            {
                PosHeaderValidator.RequirePresent(context.Request, PosHeaderNames.Charge);
                validator.ValidatePresent(context.Request);
                validator.RequireSupportedVersion(context.Request);
                validator.RequireFreshTimestamp(context.Request.Headers[PosHeaderNames.Timestamp].ToString());
            }
            catch (ApiException e) when (e.StatusCode is 400 or 401 or 426)
            {
            }
        }

        // Generated, anchored regexes: 20,000 rounds of seven headers stay far below a second each.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"header validation took {watch.Elapsed}");
        Assert.True(GC.GetTotalMemory(forceFullCollection: true) - before < 64 * 1024 * 1024, "memory grew while fuzzing the header parsers");
    }

    private static string Mutate(Random random, string value)
    {
        var chars = new StringBuilder(value);
        for (var edits = random.Next(1, 5); edits > 0; edits--)
        {
            var at = chars.Length == 0 ? 0 : random.Next(chars.Length);
            switch (random.Next(5))
            {
                case 0 when chars.Length > 0: chars[at] = (char)random.Next(0, 0x3000); break;
                case 1: chars.Insert(at, (char)random.Next(32, 127)); break;
                case 2 when chars.Length > 0: chars.Remove(at, 1); break;
                case 3: chars.Append(new string((char)random.Next(32, 127), random.Next(1, 300))); break;
                default: chars.Insert(at, "\u0000\r\n\uFFFD"); break;
            }
        }

        return chars.ToString();
    }
}
