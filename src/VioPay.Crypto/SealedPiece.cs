namespace VioPay.Crypto;

/// <summary>One piece sealed by <see cref="MskCipher.Seal"/>: the ciphertext and its fresh IV, both as uppercase hex.</summary>
public readonly record struct SealedPiece(string Ciphertext, string InitializationVector);
