/// Errors thrown by the primitives in this module.
///
/// Messages describe what was wrong with the request or which library call failed;
/// they never contain key material or other secret bytes.
public enum PrimitivesError: Error, Equatable, CustomStringConvertible {
    /// A length or count argument was out of range; the message says which and why.
    case invalidLength(String)
    /// An OpenSSL (libcrypto) call failed; the message names the call and OpenSSL's reason.
    case openSSL(String)
    /// A GMP operation could not be carried out; the message says why.
    case gmp(String)
    /// libsodium could not allocate secure memory or failed otherwise.
    case sodium(String)

    /// A human-readable explanation of the error.
    public var description: String {
        switch self {
        case .invalidLength(let message): "invalid length: \(message)"
        case .openSSL(let message): "OpenSSL error: \(message)"
        case .gmp(let message): "GMP error: \(message)"
        case .sodium(let message): "libsodium error: \(message)"
        }
    }
}
