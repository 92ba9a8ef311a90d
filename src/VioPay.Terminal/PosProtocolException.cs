namespace VioPay.Terminal;

/// <summary>
/// The server answered 2xx, but the answer breaks the protocol: not the documented JSON, an envelope that does not
/// decrypt, or one encrypted under a key other than this terminal's MSK. Distinct from <see cref="PosApiException"/>,
/// which is the server refusing the request.
/// </summary>
public sealed class PosProtocolException(string message, Exception? innerException = null) : Exception(message, innerException);
