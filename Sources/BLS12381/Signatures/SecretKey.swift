import Primitives

/// Why a BLS operation was refused.
public enum BLSError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidSecretKey(String)
    case invalidPublicKey(PointDecodingError)
    case invalidSignature(PointDecodingError)
    /// KeyGen needs at least 32 bytes of input keying material.
    case ikmTooShort(Int)
    /// Aggregating or verifying an empty list.
    case emptyInput(String)
    /// Lists that must pair up have different lengths.
    case lengthMismatch(String)
    case hashToCurve(HashToCurveError)

    public var description: String {
        switch self {
        case .invalidSecretKey(let why): return "secret key: \(why)"
        case .invalidPublicKey(let e): return "public key: \(e)"
        case .invalidSignature(let e): return "signature: \(e)"
        case .ikmTooShort(let n): return "keygen: input keying material must be at least 32 bytes, got \(n)"
        case .emptyInput(let what): return "\(what): the list is empty"
        case .lengthMismatch(let what): return "\(what): the lists have different lengths"
        case .hashToCurve(let e): return e.description
        }
    }
}

/// A BLS secret key: a non-zero scalar below r, held in libsodium secure memory (locked, guarded,
/// wiped when released). It cannot be copied implicitly, never prints its value, and is used
/// only by constant-time code (fixed-window scalar multiplication, Montgomery arithmetic).
public struct SecretKey: ~Copyable, @unchecked Sendable {
    /// 32 bytes, big-endian, canonical.
    @usableFromInline let storage: SecureBytes

    /// From a 32-byte big-endian scalar. Rejects wrong lengths, zero and values ≥ r.
    public init(bigEndian bytes: [UInt8]) throws(BLSError) {
        guard bytes.count == 32 else { throw .invalidSecretKey("expected 32 bytes, got \(bytes.count)") }
        guard let s = Fr(bigEndian: bytes) else { throw .invalidSecretKey("not below the group order r") }
        guard !Self.isZeroKey(s) else { throw .invalidSecretKey("zero is not a valid key") }
        storage = SecureBytes(copying: bytes)
    }

    /// From 32 big-endian bytes already in secure memory (a decrypted keystore, a derived key):
    /// the bytes are copied secure-to-secure and never pass through an ordinary array.
    /// Rejects wrong lengths, zero and values ≥ r.
    public init(secureBigEndian bytes: borrowing SecureBytes) throws(BLSError) {
        guard bytes.count == 32 else { throw .invalidSecretKey("expected 32 bytes, got \(bytes.count)") }
        let valid: (belowOrder: Bool, zero: Bool) = bytes.withUnsafeBytes { raw in
            guard let s = Fr(bigEndian: raw) else { return (false, false) }
            return (true, Self.isZeroKey(s))
        }
        guard valid.belowOrder else { throw .invalidSecretKey("not below the group order r") }
        guard !valid.zero else { throw .invalidSecretKey("zero is not a valid key") }
        storage = bytes.copy()
    }

    /// From a scalar (for share arithmetic). Rejects zero.
    public init(scalar: Fr) throws(BLSError) {
        guard !Self.isZeroKey(scalar) else { throw .invalidSecretKey("zero is not a valid key") }
        var bytes = scalar.bigEndianBytes
        storage = SecureBytes(copying: bytes)
        for i in bytes.indices { bytes[i] = 0 }
    }

    /// KeyGen of draft-irtf-cfrg-bls-signature-05 §2.3: HKDF-SHA-256 with salt
    /// "BLS-SIG-KEYGEN-SALT-" (hashed before each attempt), L = 48, reduced mod r, retried on zero.
    public static func generate(ikm: borrowing SecureBytes, keyInfo: [UInt8] = []) throws(BLSError) -> SecretKey {
        guard ikm.count >= 32 else { throw .ikmTooShort(ikm.count) }
        var salt = Array("BLS-SIG-KEYGEN-SALT-".utf8)
        var ikm0 = SecureBytes(count: ikm.count + 1)
        ikm.withUnsafeBytes { src in
            ikm0.withUnsafeMutableBytes { dst in dst.copyMemory(from: src) }  // last byte stays I2OSP(0, 1)
        }
        while true {
            salt = SHA256.hash(salt)
            let prk = HKDFSHA256.extract(salt: salt, ikm: ikm0)
            let okm: SecureBytes
            do { okm = try HKDFSHA256.expand(prk: prk, info: keyInfo + [0, 48], count: 48) } catch {
                fatalError("HKDF-Expand of 48 bytes cannot fail")
            }
            let scalar = okm.withUnsafeBytes { Fr(reducingBigEndian: $0) }
            if !Self.isZeroKey(scalar) { return try SecretKey(scalar: scalar) }
        }
    }

    /// KeyGen from plain bytes (copied into secure memory first).
    public static func generate(ikm: [UInt8], keyInfo: [UInt8] = []) throws(BLSError) -> SecretKey {
        let secure = SecureBytes(copying: ikm)
        return try generate(ikm: secure, keyInfo: keyInfo)
    }

    /// A fresh key from the system's CSPRNG.
    public static func random() -> SecretKey {
        let ikm = SecureBytes(random: 32)
        return try! generate(ikm: ikm)
    }

    /// Whether a candidate key is zero: the one fact about a secret scalar that key handling
    /// reveals (by refusing it), so it is public to the constant-time check.
    static func isZeroKey(_ s: Fr) -> Bool { ConstantTimeCheck.declassified(s.isZeroBit) == 1 }

    /// Lends the scalar to a constant-time computation.
    @inlinable
    public func withScalar<R>(_ body: (Fr) throws -> R) rethrows -> R {
        let s = storage.withUnsafeBytes { Fr(bigEndian: $0)! }
        return try body(s)
    }

    /// The 32 big-endian bytes, copied into new secure memory.
    public func serialized() -> SecureBytes { storage.copy() }

    /// Lowercase hex of the key, for the CLI's explicit `keygen`/`split` output only.
    public func revealHex() -> String { storage.withUnsafeBytes { Hex.encode($0) } }

    /// SkToPk: [sk]G1, constant time in sk.
    public var publicKey: PublicKey {
        withScalar { PublicKey(unchecked: G1Projective(G1Affine.generator).multiplied(by: $0).affine) }
    }

    /// Sign (draft-05 §2.6) with the Ethereum DST: [sk]·H(msg).
    public func sign(_ message: [UInt8], dst: [UInt8] = Ciphersuite.signatureDST) -> Signature {
        let h = try! G2Projective.hashToCurve(message, dst: dst)
        return withScalar { Signature(unchecked: h.multiplied(by: $0).affine) }
    }

    /// PopProve (draft-05 §3.3.2): a signature over the compressed public key with the POP DST.
    public func proveProofOfPossession() -> Signature {
        sign(publicKey.compressed, dst: Ciphersuite.popDST)
    }

    /// Never the key: secrets print as `<redacted>`.
    public var description: String { "<redacted>" }

    /// Constant-time equality.
    public func constantTimeEquals(_ other: borrowing SecretKey) -> Bool {
        storage.constantTimeEquals(other.storage)
    }
}

/// The Ethereum ciphersuite names.
public enum Ciphersuite {
    /// BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_
    public static let signatureDST = Array("BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_".utf8)
    /// BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_
    public static let popDST = Array("BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_".utf8)
}
