using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using VioPay.Crypto;

namespace VioPay.Crypto.Tests;

/// <summary>
/// Property-based fuzzing of every parser that reads attacker-controlled bytes: random and mutated inputs, a fixed seed
/// (so a failure reproduces) and a bounded number of cases. Each parser either succeeds or fails with its own typed
/// error; nothing else may escape, which is what keeps a hostile request from becoming a 500.
/// </summary>
public sealed class FuzzTests
{
    private const int Cases = 4000;

    [Fact]
    public void MutatedEnvelopesFailOnlyAsEnvelopeErrors()
    {
        var random = new Random(1);
        var msk = RandomNumberGenerator.GetBytes(32);
        var valid = JsonSerializer.SerializeToUtf8Bytes(MskEnvelopeCipher.Encrypt(msk, """{"card":{"number":"4111111111111111"},"amount":{"value":"1500","currency":"EUR"}}"""));
        var succeeded = 0;
        for (var i = 0; i < Cases; i++)
        {
            var input = Mutate(random, valid);
            try
            {
                var envelope = MskEnvelopeCipher.ParseJson(input);
                if (MskEnvelopeCipher.TryDecrypt(msk, envelope, out _))
                {
                    succeeded++;
                }
            }
            catch (EnvelopeException)
            {
            }
        }

        // Mutations that only touch insignificant bytes (white space, case of hex) may still decrypt; most must not.
        Assert.InRange(succeeded, 0, Cases / 2);
    }

    [Fact]
    public void MutatedChunkedEnvelopesFailOnlyAsEnvelopeErrors()
    {
        var random = new Random(2);
        var msk = RandomNumberGenerator.GetBytes(32);
        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(Enumerable.Range(0, 400).ToDictionary(i => $"k{i}", i => RandomNumberGenerator.GetHexString(24))));
        var valid = Encoding.UTF8.GetBytes(MskEnvelopeCipher.EncryptGzip(msk, json, maxChunkBytes: 1024).ToJsonString());
        for (var i = 0; i < Cases / 4; i++)
        {
            var input = Mutate(random, valid);
            try
            {
                using var document = JsonDocument.Parse(input);
                MskEnvelopeCipher.DecryptGzip(msk, document.RootElement);
            }
            catch (Exception e) when (e is EnvelopeException or JsonException)
            {
            }
        }
    }

    [Fact]
    public void MutatedKeyBlocksFailOnlyAsTr31ErrorsAndNeverUnwrapAnotherKey()
    {
        var random = new Random(3);
        var kbpk = RandomNumberGenerator.GetBytes(32);
        var key = RandomNumberGenerator.GetBytes(32);
        var valid = Encoding.ASCII.GetBytes(Tr31KeyBlock.Wrap(kbpk, KeySetHeaders.For(KeySetKey.Mac), key));
        for (var i = 0; i < Cases; i++)
        {
            var block = Encoding.Latin1.GetString(Mutate(random, valid));
            try
            {
                var unwrapped = Tr31KeyBlock.Unwrap(kbpk, block);
                // Only a mutation the MAC does not cover (the case of a hex digit) may still unwrap, and then to the same key.
                Assert.Equal(key, unwrapped.Key);
            }
            catch (Tr31Exception)
            {
            }
        }
    }

    [Fact]
    public void MemoryStaysFlatWhileFuzzing()
    {
        // A parser that kept what it read (a cache, a growing buffer) would show here; gzip bombs are bounded separately.
        var before = GC.GetTotalMemory(forceFullCollection: true);
        MutatedEnvelopesFailOnlyAsEnvelopeErrors();
        MutatedKeyBlocksFailOnlyAsTr31ErrorsAndNeverUnwrapAnotherKey();
        RandomSignatureHeadersAndTlvNeverThrow();
        Assert.True(GC.GetTotalMemory(forceFullCollection: true) - before < 32 * 1024 * 1024);
    }

    [Fact]
    public void RandomSignatureHeadersAndTlvNeverThrow()
    {
        var random = new Random(4);
        var key = RandomNumberGenerator.GetBytes(32);
        var message = Encoding.UTF8.GetBytes("POST\n/pos/charge\n\n{}\nTID-000001\n2025-12-13T14:35:00Z\nabcdefabcdef");
        var valid = Encoding.ASCII.GetBytes(RequestSignature.Sign(key, message));
        for (var i = 0; i < Cases; i++)
        {
            var header = Encoding.Latin1.GetString(Mutate(random, valid));
            _ = RequestSignature.Verify(key, message, header);
            var tlv = new byte[random.Next(0, 96)];
            random.NextBytes(tlv);
            _ = BerTlv.TryParse(tlv, out _);
            _ = BerTlv.TryParseHex(Convert.ToHexString(tlv) + (random.Next(4) == 0 ? "Z" : ""), out _);
        }
    }

    /// <summary>One to four random edits: flip a bit, overwrite, insert, delete, truncate, or duplicate a slice.</summary>
    private static byte[] Mutate(Random random, byte[] input)
    {
        var bytes = new List<byte>(input);
        for (var edits = random.Next(1, 5); edits > 0 && bytes.Count > 0; edits--)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0: bytes[at] ^= (byte)(1 << random.Next(8)); break;
                case 1: bytes[at] = (byte)random.Next(256); break;
                case 2: bytes.Insert(at, (byte)random.Next(256)); break;
                case 3: bytes.RemoveAt(at); break;
                case 4: bytes.RemoveRange(at, bytes.Count - at); break;
                default: bytes.InsertRange(at, bytes.GetRange(at, Math.Min(16, bytes.Count - at))); break;
            }
        }

        return [.. bytes];
    }
}
