using System.Security.Cryptography;
using System.Text.Json;
using VioPay.Api.Infrastructure;
using VioPay.Api.Infrastructure.Errors;
using VioPay.Api.Infrastructure.Security;
using VioPay.Api.Keys;
using VioPay.Crypto;

namespace VioPay.Api.Pos;

/// <summary>
/// The MSK envelopes of POS requests and answers (PROTOCOL §7), in one place for activation, config, parameters and the
/// charge family: <see cref="OpenRequest"/> decrypts a request body, <see cref="SealAnswer"/> encrypts an answer's
/// plaintext, <see cref="SealGzip"/> the gzip'd terminal parameters. The MSK is unwrapped from the LMK for the one
/// operation and wiped after it.
/// </summary>
public sealed class PosEnvelopes(LocalMasterKey lmk)
{
    /// <summary>How every POS plaintext is written: snake_case, the API's converters, no indentation.</summary>
    public static readonly JsonSerializerOptions PlaintextJson = CreatePlaintextJson();

    private static JsonSerializerOptions CreatePlaintextJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        JsonExtensions.Apply(options);
        return options;
    }

    /// <summary>The plaintext of <paramref name="value"/> as an answer carries it.</summary>
    public static string Plaintext(object value) => JsonSerializer.Serialize(value, value.GetType(), PlaintextJson);

    /// <summary>
    /// Parses and decrypts the request's MSK envelope. Every failure, whatever the step, is the same 401 with the same
    /// message, so the answer is no padding oracle (PROTOCOL §7).
    /// </summary>
    public JsonDocument OpenRequest(HttpContext http, KeySet set) => WithMsk(set, msk =>
    {
        try
        {
            var envelope = MskEnvelopeCipher.ParseJson(http.RawBody().Bytes);
            if (envelope.KeyKcv is { } kcv && !string.Equals(kcv, set.MskKcv, StringComparison.OrdinalIgnoreCase))
            {
                throw new EnvelopeException();
            }

            return MskEnvelopeCipher.DecryptDocument(msk, envelope);
        }
        catch (Exception e) when (e is EnvelopeException or JsonException)
        {
            throw ApiException.Unauthorized(EnvelopeException.StandardMessage);
        }
    });

    /// <summary>Encrypts an answer's plaintext JSON under the set's MSK, with a fresh IV every time (a replay too).</summary>
    public MskEnvelope SealAnswer(KeySet set, string json) => WithMsk(set, msk => MskEnvelopeCipher.Encrypt(msk, json));

    /// <summary>Gzip'd bytes in one TR31-DATA envelope or a TR31-DATA-CHUNKED one (PROTOCOL §7, terminal parameters).</summary>
    public System.Text.Json.Nodes.JsonObject SealGzip(KeySet set, byte[] content, int chunkBytes) =>
        WithMsk(set, msk => MskEnvelopeCipher.EncryptGzip(msk, content, chunkBytes));

    private T WithMsk<T>(KeySet set, Func<byte[], T> use)
    {
        var msk = lmk.Unprotect(set.Stored(KeySetKey.Msk), set.MskBlock);
        try
        {
            return use(msk);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(msk);
        }
    }
}
