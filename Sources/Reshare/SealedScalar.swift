import BLS12381
import Primitives

/// A secret scalar in transit between two members (a resharing sub-share, a repair piece or
/// partial sum), held in libsodium secure memory and printed as `<redacted>`.
///
/// It is a final class rather than a `~Copyable` struct because messages carry several of them
/// in a dictionary, and Swift collections need copyable elements; the class is immutable and the
/// bytes are wiped when the last reference goes. It is *plain*, not encrypted: encrypting each
/// value to its recipient's identity key is the ceremony/transport layer's job, as in the DKG.
public final class SealedScalar: @unchecked Sendable, CustomStringConvertible {
    private let storage: SecureBytes

    package init(_ scalar: Fr) {
        var bytes = scalar.bigEndianBytes
        storage = SecureBytes(copying: bytes)
        for i in bytes.indices { bytes[i] = 0 }
    }

    /// Lends the scalar to a (constant-time) computation.
    package func withScalar<R>(_ body: (Fr) throws -> R) rethrows -> R {
        let s = storage.withUnsafeBytes { Fr(bigEndian: $0)! }
        return try body(s)
    }

    /// [s]G1, constant time in s.
    package var commitment: G1Projective {
        withScalar { G1Projective(G1Affine.generator).multiplied(by: $0) }
    }

    public var description: String { "<redacted>" }
}
