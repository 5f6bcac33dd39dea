import CSodium

// Long-term member identities over libsodium: an Ed25519 key that signs every protocol message
// and an X25519 key that receives encrypted shares.
//
// Share encryption uses the authenticated `crypto_box_easy` (X25519 + XSalsa20-Poly1305)
// between the *dealer's* X25519 key and the recipient's, not an anonymous sealed box: the
// recipient learns from the box itself which roster member wrote the plaintext, so a share
// cannot be re-wrapped by anyone else, and the enclosing protocol message is additionally
// signed with the dealer's Ed25519 key (the signature binds the ciphertext to the session and
// the sender; the box binds the plaintext to the pair of members). The 24-byte nonce is a
// parameter: callers draw it from their injected random source (never derive it from a
// counter that a restarted process could repeat: a reused nonce under the same pair of keys
// reveals the XOR of the two plaintexts).

/// Why an identity-key operation failed. Messages never contain secret bytes.
public enum IdentityError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A key, seed, signature or nonce had the wrong length.
    case invalidLength(what: String, expected: Int, actual: Int)
    /// The X25519 public key is a low-order point or otherwise unusable (`crypto_box_easy` refused it).
    case unusablePublicKey
    /// The ciphertext is shorter than the authenticator.
    case ciphertextTooShort(Int)
    /// The box did not open: wrong keys, wrong nonce, or the ciphertext was altered.
    case authenticationFailed

    public var description: String {
        switch self {
        case let .invalidLength(what, expected, actual): "\(what): expected \(expected) bytes, got \(actual)"
        case .unusablePublicKey: "X25519 public key rejected by libsodium"
        case .ciphertextTooShort(let n): "ciphertext of \(n) bytes is shorter than the 16-byte authenticator"
        case .authenticationFailed: "the box does not open with these keys (forged, altered or misaddressed)"
        }
    }
}

/// An Ed25519 public key (32 bytes): verifies a member's message signatures.
public struct SigningPublicKey: Hashable, Sendable, CustomStringConvertible {
    /// Public key length in bytes.
    public static let byteCount = 32
    /// Signature length in bytes.
    public static let signatureByteCount = 64
    /// The 32 encoded bytes.
    public let bytes: [UInt8]

    /// Wraps 32 bytes (libsodium checks the encoding when verifying).
    /// - Throws: `IdentityError.invalidLength` for anything but 32 bytes.
    public init(bytes: [UInt8]) throws(IdentityError) {
        guard bytes.count == Self.byteCount else {
            throw .invalidLength(what: "Ed25519 public key", expected: Self.byteCount, actual: bytes.count)
        }
        self.bytes = bytes
    }

    /// True when `signature` is a valid Ed25519 signature of `message` under this key
    /// (`crypto_sign_verify_detached`, which rejects non-canonical and small-order encodings).
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        guard signature.count == Self.signatureByteCount else { return false }
        Sodium.ensureInitialized()
        return signature.withUnsafeBufferPointer { s in
            message.withUnsafeBufferPointer { m in
                bytes.withUnsafeBufferPointer { pk in
                    crypto_sign_verify_detached(s.baseAddress!, m.baseAddress, UInt64(m.count), pk.baseAddress!) == 0
                }
            }
        }
    }

    public var description: String { lowercaseHex(bytes) }
}

/// An Ed25519 signing key: the 64-byte libsodium secret key in secure memory, and its public key.
public struct SigningKey: ~Copyable, Sendable {
    private let secret: SecureBytes
    /// The matching public key.
    public let publicKey: SigningPublicKey

    /// Derives the key pair from a 32-byte seed (`crypto_sign_seed_keypair`).
    /// - Throws: `IdentityError.invalidLength` unless the seed is 32 bytes.
    public init(seed: borrowing SecureBytes) throws(IdentityError) {
        guard seed.count == 32 else { throw .invalidLength(what: "Ed25519 seed", expected: 32, actual: seed.count) }
        Sodium.ensureInitialized()
        var sk = SecureBytes(count: 64)
        var pk = [UInt8](repeating: 0, count: 32)
        seed.withUnsafeBytes { s in
            sk.withUnsafeMutableBytes { k in
                pk.withUnsafeMutableBufferPointer { p in
                    _ = crypto_sign_seed_keypair(p.baseAddress!, k.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                                 s.baseAddress!.assumingMemoryBound(to: UInt8.self))
                }
            }
        }
        let publicKey = try SigningPublicKey(bytes: pk)
        self.publicKey = publicKey
        secret = sk
    }

    /// A fresh key pair from the system CSPRNG.
    public init() {
        let seed = SecureBytes(random: 32)
        try! self.init(seed: seed)
    }

    /// The 64-byte detached Ed25519 signature of `message` (deterministic, RFC 8032).
    public func sign(_ message: [UInt8]) -> [UInt8] {
        var signature = [UInt8](repeating: 0, count: SigningPublicKey.signatureByteCount)
        secret.withUnsafeBytes { k in
            message.withUnsafeBufferPointer { m in
                signature.withUnsafeMutableBufferPointer { s in
                    _ = crypto_sign_detached(s.baseAddress!, nil, m.baseAddress, UInt64(m.count),
                                             k.baseAddress!.assumingMemoryBound(to: UInt8.self))
                }
            }
        }
        return signature
    }
}

/// An X25519 public key (32 bytes): the address shares are encrypted to.
public struct BoxPublicKey: Hashable, Sendable, CustomStringConvertible {
    /// Public key length in bytes.
    public static let byteCount = 32
    /// The 32 encoded bytes.
    public let bytes: [UInt8]

    /// Wraps 32 bytes.
    /// - Throws: `IdentityError.invalidLength` for anything but 32 bytes.
    public init(bytes: [UInt8]) throws(IdentityError) {
        guard bytes.count == Self.byteCount else {
            throw .invalidLength(what: "X25519 public key", expected: Self.byteCount, actual: bytes.count)
        }
        self.bytes = bytes
    }

    public var description: String { lowercaseHex(bytes) }
}

/// An X25519 key pair for authenticated public-key encryption (`crypto_box_easy`).
public struct BoxKey: ~Copyable, Sendable {
    /// Nonce length in bytes (24).
    public static let nonceByteCount = 24
    /// Authenticator overhead in bytes (16).
    public static let overheadByteCount = 16

    private let secret: SecureBytes
    /// The matching public key.
    public let publicKey: BoxPublicKey

    /// Derives the key pair from a 32-byte seed (`crypto_box_seed_keypair`).
    /// - Throws: `IdentityError.invalidLength` unless the seed is 32 bytes.
    public init(seed: borrowing SecureBytes) throws(IdentityError) {
        guard seed.count == 32 else { throw .invalidLength(what: "X25519 seed", expected: 32, actual: seed.count) }
        Sodium.ensureInitialized()
        var sk = SecureBytes(count: 32)
        var pk = [UInt8](repeating: 0, count: 32)
        seed.withUnsafeBytes { s in
            sk.withUnsafeMutableBytes { k in
                pk.withUnsafeMutableBufferPointer { p in
                    _ = crypto_box_seed_keypair(p.baseAddress!, k.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                                s.baseAddress!.assumingMemoryBound(to: UInt8.self))
                }
            }
        }
        let publicKey = try BoxPublicKey(bytes: pk)
        self.publicKey = publicKey
        secret = sk
    }

    /// A fresh key pair from the system CSPRNG.
    public init() {
        let seed = SecureBytes(random: 32)
        try! self.init(seed: seed)
    }

    /// Encrypts and authenticates `plaintext` from this key to `recipient`: returns the
    /// `crypto_box_easy` output (16-byte authenticator followed by the ciphertext).
    /// - Parameters:
    ///   - plaintext: The secret bytes; they are read inside libsodium only.
    ///   - recipient: The recipient's X25519 public key.
    ///   - nonce: 24 bytes, never reused for the same pair of keys (draw them at random).
    /// - Throws: `IdentityError.invalidLength` for a bad nonce, `.unusablePublicKey` when
    ///   libsodium refuses the recipient key.
    public func seal(_ plaintext: borrowing SecureBytes, to recipient: BoxPublicKey, nonce: [UInt8]) throws(IdentityError) -> [UInt8] {
        guard nonce.count == Self.nonceByteCount else {
            throw .invalidLength(what: "box nonce", expected: Self.nonceByteCount, actual: nonce.count)
        }
        var out = [UInt8](repeating: 0, count: plaintext.count + Self.overheadByteCount)
        let rc: Int32 = plaintext.withUnsafeBytes { m in
            secret.withUnsafeBytes { k in
                out.withUnsafeMutableBufferPointer { c in
                    crypto_box_easy(c.baseAddress!, m.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(m.count),
                                    nonce, recipient.bytes, k.baseAddress!.assumingMemoryBound(to: UInt8.self))
                }
            }
        }
        guard rc == 0 else { throw .unusablePublicKey }
        return out
    }

    /// Opens a box written by `sender` to this key; the plaintext goes straight to secure memory.
    /// - Parameters:
    ///   - ciphertext: The `crypto_box_easy` output.
    ///   - sender: The sender's X25519 public key.
    ///   - nonce: The 24-byte nonce used to seal.
    /// - Throws: `IdentityError.authenticationFailed` when the box does not open,
    ///   `.ciphertextTooShort` / `.invalidLength` for malformed input.
    public func open(_ ciphertext: [UInt8], from sender: BoxPublicKey, nonce: [UInt8]) throws(IdentityError) -> SecureBytes {
        guard nonce.count == Self.nonceByteCount else {
            throw .invalidLength(what: "box nonce", expected: Self.nonceByteCount, actual: nonce.count)
        }
        guard ciphertext.count >= Self.overheadByteCount else { throw .ciphertextTooShort(ciphertext.count) }
        var plaintext = SecureBytes(count: ciphertext.count - Self.overheadByteCount)
        let rc: Int32 = secret.withUnsafeBytes { k in
            plaintext.withUnsafeMutableBytes { m in
                crypto_box_open_easy(m.baseAddress!.assumingMemoryBound(to: UInt8.self), ciphertext, UInt64(ciphertext.count),
                                     nonce, sender.bytes, k.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
        }
        guard rc == 0 else { throw .authenticationFailed }
        return plaintext
    }
}

/// Lowercase hex without a prefix (public keys only).
private func lowercaseHex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(bytes.count * 2)
    for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
    return String(decoding: out, as: UTF8.self)
}
