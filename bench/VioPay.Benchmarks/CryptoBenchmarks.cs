using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using VioPay.Crypto;

namespace VioPay.Benchmarks;

/// <summary>
/// TR-31 unwrap of a key-set block (an AES-256 key under an AES-256 KBPK), beside the platform calls it is made of:
/// the CBC decryption of its 48-byte payload and one AES-CMAC.
/// </summary>
[MemoryDiagnoser]
public class Tr31Benchmarks
{
    private readonly byte[] _kbpk = RandomNumberGenerator.GetBytes(32);
    private readonly byte[] _payload = RandomNumberGenerator.GetBytes(48);
    private readonly byte[] _iv = RandomNumberGenerator.GetBytes(16);
    private string _block = "";
    private Aes _aes = null!;

    [GlobalSetup]
    public void Setup()
    {
        _block = Tr31KeyBlock.Wrap(_kbpk, KeySetHeaders.For(KeySetKey.Msk), RandomNumberGenerator.GetBytes(32));
        _aes = Aes.Create();
        _aes.Key = _kbpk;
    }

    [GlobalCleanup]
    public void Cleanup() => _aes.Dispose();

    [Benchmark(Description = "Tr31KeyBlock.Unwrap (MSK block)")]
    public byte[] Unwrap() => Tr31KeyBlock.Unwrap(_kbpk, _block).Key;

    [Benchmark(Baseline = true, Description = "raw Aes.DecryptCbc, 48 B")]
    public byte[] RawCbc() => _aes.DecryptCbc(_payload, _iv, PaddingMode.None);
}

/// <summary>
/// A TR31-DATA envelope round trip (encrypt then decrypt, as a request and its answer) of a JSON document of the given
/// size, beside the raw AES-256-CBC encrypt and decrypt of the same number of bytes the envelope really encrypts:
/// ascii(HEX(json)), twice the JSON's size. "keyed once" is the like-for-like comparison with the pre-keyed raw calls:
/// one <see cref="MskCipher"/> for the round trip, as a request opened and its answer sealed under the same MSK; the
/// MskEnvelopeCipher rows key a fresh cipher (key schedule and KCV) on every call.
/// </summary>
[MemoryDiagnoser]
public class EnvelopeBenchmarks
{
    private readonly byte[] _msk = RandomNumberGenerator.GetBytes(32);
    private readonly byte[] _iv = RandomNumberGenerator.GetBytes(16);
    private string _json = "";
    private MskEnvelope _envelope = null!;
    private byte[] _hexPlaintext = [];
    private byte[] _ciphertext = [];
    private Aes _aes = null!;
    private MskCipher _cipher = null!;

    [Params(256, 1024, 16384)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // {"d":"xxx…"} of exactly Size bytes.
        _json = "{\"d\":\"" + new string('x', Size - 8) + "\"}";
        _envelope = MskEnvelopeCipher.Encrypt(_msk, _json);
        _hexPlaintext = Encoding.ASCII.GetBytes(Convert.ToHexString(Encoding.UTF8.GetBytes(_json)));
        _aes = Aes.Create();
        _aes.Key = _msk;
        _ciphertext = _aes.EncryptCbc(_hexPlaintext, _iv);
        _cipher = new MskCipher(_msk);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _aes.Dispose();
        _cipher.Dispose();
    }

    [Benchmark(Description = "MskEnvelopeCipher.Encrypt")]
    public MskEnvelope Encrypt() => MskEnvelopeCipher.Encrypt(_msk, _json);

    [Benchmark(Description = "MskEnvelopeCipher.Decrypt")]
    public string Decrypt() => MskEnvelopeCipher.Decrypt(_msk, _envelope);

    [Benchmark(Description = "envelope encrypt + decrypt")]
    public string RoundTrip() => MskEnvelopeCipher.Decrypt(_msk, MskEnvelopeCipher.Encrypt(_msk, _json));

    [Benchmark(Description = "MskCipher encrypt + decrypt, keyed once")]
    public string? KeyedRoundTrip() => _cipher.Decrypt(_cipher.Encrypt(_json)).Value;

    [Benchmark(Description = "new MskCipher + encrypt + decrypt")]
    public string? KeyedPerRoundTrip()
    {
        using var cipher = new MskCipher(_msk);
        return cipher.Decrypt(cipher.Encrypt(_json)).Value;
    }

    [Benchmark(Baseline = true, Description = "raw Aes.EncryptCbc + DecryptCbc, 2x size")]
    public byte[] RawCbcRoundTrip() => _aes.DecryptCbc(_aes.EncryptCbc(_hexPlaintext, _iv), _iv);
}

/// <summary>Charge-family signature verification beside the one HMAC-SHA256 it computes.</summary>
[MemoryDiagnoser]
public class SignatureBenchmarks
{
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private byte[] _message = [];
    private string _header = "";

    [GlobalSetup]
    public void Setup()
    {
        var body = Encoding.UTF8.GetBytes("{\"format\":\"TR31-DATA\",\"ciphertext\":\"" + new string('A', 1536) +
            "\",\"initialization_vector\":\"000102030405060708090A0B0C0D0E0F\",\"mode\":\"CBC\",\"key_kcv\":\"77DC84\"}");
        _message = RequestSignature.ChargeString("POST", "/pos/charge", "", body, "TID-004812", "2025-12-13T14:35:00Z", "f9e8d7c6b5a4f9e8");
        _header = RequestSignature.Sign(_key, _message);
    }

    [Benchmark(Description = "RequestSignature.Verify (1.6 KiB request)")]
    public bool Verify() => RequestSignature.Verify(_key, _message, _header);

    [Benchmark(Baseline = true, Description = "raw HMACSHA256.HashData")]
    public byte[] RawHmac() => HMACSHA256.HashData(_key, _message);
}
