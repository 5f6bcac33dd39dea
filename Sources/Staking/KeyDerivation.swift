// Validator keys from a mnemonic: BIP-39 seed, EIP-2333 tree KDF, EIP-2334 paths.
//
//   let seed = try Mnemonic.seed(mnemonic: words, passphrase: "")          // SecureBytes, 64 bytes
//   let path = try KeyPath(parsing: "m/12381/3600/0/0/0")                  // or KeyPath.signing(validator: 0)
//   let key  = try EIP2333.deriveSecretKey(seed: seed, path: path)         // BLS12381.SecretKey
//
// - EIP-2333 (https://eips.ethereum.org/EIPS/eip-2333): `HKDF_mod_r` is exactly KeyGen of
//   draft-irtf-cfrg-bls-signature-05 §2.3 with an empty key_info, which `SecretKey.generate`
//   implements, so the master key is `SecretKey.generate(ikm: seed)` and a child key is
//   `SecretKey.generate(ikm: compressed_lamport_PK)`. The Lamport keys, their hashes and the
//   compressed Lamport public key are secrets (they determine the child key) and stay in
//   `SecureBytes` throughout.
// - EIP-2334 (https://eips.ethereum.org/EIPS/eip-2334): `m / 12381 / 3600 / i / 0` is
//   validator i's withdrawal key and `m / 12381 / 3600 / i / 0 / 0` its signing key. All
//   derivation is hardened; indices are 0 ≤ i < 2^32.
// - BIP-39 (https://github.com/bitcoin/bips/blob/master/bip-0039.mediawiki): seed =
//   PBKDF2-HMAC-SHA512(NFKD(mnemonic), "mnemonic" ‖ NFKD(passphrase), 2048, 64 bytes).
//   **The mnemonic's checksum is not validated** (that needs the BIP-39 wordlists, which this
//   package does not ship): the seed is computed from the words as given, after checking only
//   that there are 12, 15, 18, 21 or 24 of them. A mistyped word therefore yields a different,
//   valid-looking key; compare the derived public key with the expected one.

import BLS12381
import Foundation
import Primitives

/// Why a key could not be derived. Messages never contain seeds, words or keys.
public enum KeyDerivationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// EIP-2333 needs a seed of at least 32 bytes; the count given.
    case seedTooShort(Int)
    /// A derivation path that is not `m` followed by `/index` parts; the reason.
    case invalidPath(String)
    /// A mnemonic that cannot be used; the reason (never the words).
    case invalidMnemonic(String)
    /// OpenSSL failed while computing the seed.
    case crypto(String)

    public var description: String {
        switch self {
        case .seedTooShort(let n): "seed: EIP-2333 needs at least 32 bytes, got \(n)"
        case .invalidPath(let why): "derivation path: \(why)"
        case .invalidMnemonic(let why): "mnemonic: \(why)"
        case .crypto(let why): "key derivation: \(why)"
        }
    }
}

/// EIP-2333 hierarchical derivation of BLS12-381 secret keys.
public enum EIP2333 {
    /// The number of 32-byte Lamport chunks per half (K = 255).
    static let lamportChunks = 255

    /// `derive_master_SK(seed)`: the root of the key tree.
    ///
    /// - Parameter seed: At least 32 bytes (normally the 64-byte BIP-39 seed).
    /// - Throws: ``KeyDerivationError/seedTooShort(_:)``.
    public static func deriveMasterSK(seed: borrowing SecureBytes) throws(KeyDerivationError) -> SecretKey {
        guard seed.count >= 32 else { throw .seedTooShort(seed.count) }
        do throws(BLSError) {
            return try SecretKey.generate(ikm: seed)
        } catch {
            throw .seedTooShort(seed.count)  // the only refusal of KeyGen
        }
    }

    /// `derive_child_SK(parent_SK, index)`: the hardened child `index` of `parent`.
    ///
    /// - Parameters:
    ///   - parent: The parent secret key.
    ///   - index: The child index, 0 ≤ index < 2^32.
    public static func deriveChildSK(parent: borrowing SecretKey, index: UInt32) -> SecretKey {
        let compressedLamportPK = parentSKToLamportPK(parent: parent, index: index)
        // 32 bytes of IKM: KeyGen cannot refuse it.
        return try! SecretKey.generate(ikm: compressedLamportPK)
    }

    /// The key at `path` below the master key of `seed`.
    ///
    /// - Throws: ``KeyDerivationError/seedTooShort(_:)``.
    public static func deriveSecretKey(seed: borrowing SecureBytes, path: KeyPath) throws(KeyDerivationError) -> SecretKey {
        var key = try deriveMasterSK(seed: seed)
        for index in path.indices { key = deriveChildSK(parent: key, index: index) }
        return key
    }

    /// `IKM_to_lamport_SK(IKM, salt)`: 255 × 32 bytes of HKDF-SHA-256 output.
    package static func ikmToLamportSK(ikm: borrowing SecureBytes, salt: [UInt8]) -> SecureBytes {
        let prk = HKDFSHA256.extract(salt: salt, ikm: ikm)
        // 8160 bytes is HKDF's maximum output (255 × 32), so expand cannot refuse it.
        return try! HKDFSHA256.expand(prk: prk, info: [], count: lamportChunks * 32)
    }

    /// `parent_SK_to_lamport_PK(parent_SK, index)`: SHA-256 of the concatenated SHA-256 hashes
    /// of the 510 Lamport chunks derived from the parent key and its bitwise complement.
    package static func parentSKToLamportPK(parent: borrowing SecretKey, index: UInt32) -> SecureBytes {
        let salt = withUnsafeBytes(of: index.bigEndian) { Array($0) }
        let ikm = parent.serialized()
        var notIKM = SecureBytes(count: ikm.count)
        ikm.withUnsafeBytes { source in
            notIKM.withUnsafeMutableBytes { target in
                for i in 0..<source.count { target[i] = ~source[i] }
            }
        }
        var outer = SHA256()
        var chunkHash = SecureBytes(count: 32)
        absorbChunkHashes(ikmToLamportSK(ikm: ikm, salt: salt), into: &outer, scratch: &chunkHash)
        absorbChunkHashes(ikmToLamportSK(ikm: notIKM, salt: salt), into: &outer, scratch: &chunkHash)
        var compressed = SecureBytes(count: 32)
        compressed.withUnsafeMutableBytes { outer.finalize(into: $0) }
        return compressed
    }

    /// Feeds SHA-256(chunk) for each 32-byte chunk of `lamportSK` into `outer`, hashing through
    /// secure scratch memory so that no chunk hash lands in an ordinary array.
    private static func absorbChunkHashes(_ lamportSK: borrowing SecureBytes, into outer: inout SHA256, scratch: inout SecureBytes) {
        var inner = SHA256()
        for chunk in 0..<lamportChunks {
            lamportSK.withUnsafeBytes { inner.update(UnsafeRawBufferPointer(rebasing: $0[chunk * 32..<(chunk + 1) * 32])) }
            scratch.withUnsafeMutableBytes { inner.finalize(into: $0) }
            scratch.withUnsafeBytes { outer.update($0) }
        }
    }
}

/// An EIP-2333 derivation path: `m` followed by zero or more `/index` parts, 0 ≤ index < 2^32.
///
/// `KeyPath(parsing:)` accepts any such path (the EIP-2335 keystore vectors use
/// `m/12381/60/…`); ``signing(validator:)`` and ``withdrawal(validator:)`` build the EIP-2334
/// validator paths.
public struct KeyPath: Sendable, Hashable, CustomStringConvertible {
    /// EIP-2334 purpose: 12381 (the BLS12-381 curve).
    public static let purpose: UInt32 = 12381
    /// EIP-2334 coin type for Ethereum: 3600.
    public static let coinType: UInt32 = 3600

    /// The child indices below the master key, in order.
    public let indices: [UInt32]

    /// A path from its indices below `m`.
    public init(indices: [UInt32]) { self.indices = indices }

    /// Parses `m/12381/3600/0/0/0`.
    ///
    /// - Throws: ``KeyDerivationError/invalidPath(_:)`` naming the offending part: the path must
    ///   start with `m`, and every part after it must be a decimal number below 2^32 without
    ///   sign, spaces or leading zeros.
    public init(parsing text: String) throws(KeyDerivationError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.first == "m" else { throw .invalidPath("must start with \"m\" (like m/12381/3600/0/0/0)") }
        var indices: [UInt32] = []
        for (position, part) in parts.dropFirst().enumerated() {
            let where_ = "part \(position + 1) after m"
            guard !part.isEmpty else { throw .invalidPath("\(where_) is empty") }
            guard part.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
                throw .invalidPath("\(where_) is not a decimal index")
            }
            guard part == "0" || part.first != "0" else { throw .invalidPath("\(where_) has a leading zero") }
            guard let index = UInt32(part) else { throw .invalidPath("\(where_) is not below 2^32") }
            indices.append(index)
        }
        self.indices = indices
    }

    /// EIP-2334 signing key of validator `i`: `m/12381/3600/i/0/0`.
    public static func signing(validator i: UInt32) -> KeyPath { KeyPath(indices: [purpose, coinType, i, 0, 0]) }

    /// EIP-2334 withdrawal key of validator `i`: `m/12381/3600/i/0`.
    public static func withdrawal(validator i: UInt32) -> KeyPath { KeyPath(indices: [purpose, coinType, i, 0]) }

    /// `m/…` as written in keystores.
    public var description: String { (["m"] + indices.map(String.init)).joined(separator: "/") }
}

/// BIP-39 mnemonic to seed (see the file header: the checksum is not validated).
public enum Mnemonic {
    /// The word counts BIP-39 defines (128 to 256 bits of entropy).
    public static let validWordCounts: Set<Int> = [12, 15, 18, 21, 24]

    /// The 64-byte BIP-39 seed of `mnemonic` and `passphrase`.
    ///
    /// Words may be separated by any whitespace (leading and trailing whitespace, e.g. a final
    /// newline, is ignored); they are joined with single spaces after NFKD normalisation.
    /// - Parameters:
    ///   - mnemonic: The words, in any BIP-39 language.
    ///   - passphrase: The optional BIP-39 passphrase ("25th word"); empty by default.
    /// - Throws: ``KeyDerivationError/invalidMnemonic(_:)`` for a word count other than 12, 15,
    ///   18, 21 or 24; ``KeyDerivationError/crypto(_:)`` if OpenSSL fails.
    public static func seed(mnemonic: String, passphrase: String = "") throws(KeyDerivationError) -> SecureBytes {
        let words = mnemonic.decomposedStringWithCompatibilityMapping
            .split(whereSeparator: { $0.isWhitespace })
        guard validWordCounts.contains(words.count) else {
            throw .invalidMnemonic("expected 12, 15, 18, 21 or 24 words, got \(words.count)")
        }
        let password = SecureBytes(copying: words.joined(separator: " ").utf8)
        let salt = Array(("mnemonic" + passphrase).decomposedStringWithCompatibilityMapping.utf8)
        do throws(CryptoFailure) {
            return try PasswordKDF.pbkdf2(password: password, salt: salt, iterations: 2048, digest: .sha512, count: 64)
        } catch {
            throw .crypto(error.message)
        }
    }
}
