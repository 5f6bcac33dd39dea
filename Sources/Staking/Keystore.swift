// EIP-2335 BLS keystores (version 4): https://eips.ethereum.org/EIPS/eip-2335
//
//   let json = try Keystore.encrypt(secretKey: share, password: pw, path: "m/12381/3600/0/0/0")
//   let info = try Keystore.parse(json: json)                       // pubkey, path, uuid, kdf
//   let secret: SecureBytes = try Keystore.decrypt(json: json, password: pw)
//   let key: SecretKey = try Keystore.decryptSecretKey(json: json, password: pw) // checks pubkey
//
// Encryption: DK = scrypt(n=262144, r=8, p=1) or PBKDF2-HMAC-SHA256(c=262144) of the processed
// password with a random 32-byte salt, dklen 32; cipher = AES-128-CTR(key DK[0..<16], random
// 16-byte IV); checksum = SHA-256(DK[16..<32] ‖ cipher). Decryption checks the checksum
// (constant-time compare) before decrypting: a mismatch is `KeystoreError.wrongPassword`.
// Password processing (EIP-2335 § Password requirements): NFKD, then remove the C0 (U+0000–
// U+001F), DEL (U+007F) and C1 (U+0080–U+009F) control codes, then UTF-8.
//
// The derived key, password bytes and decrypted secret live in `SecureBytes` only. Errors name
// the field or parameter at fault, never a password, key or secret. The JSON is written like
// the official deposit CLIs write it (one line, Python `json.dumps` spacing, same key order).
// Parameters from a file are bounded (scrypt memory ≤ 1 GiB, PBKDF2 c < 2^31) so a hostile
// keystore cannot exhaust the machine.

import BLS12381
import Foundation
import Primitives

/// Why a keystore could not be written or opened. Never contains passwords or key material.
public enum KeystoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file is not JSON, or a field is missing or of the wrong type; which field.
    case invalidJSON(String)
    /// `version` is not 4.
    case unsupportedVersion(Int)
    /// `crypto.kdf.function` is neither scrypt nor pbkdf2.
    case unsupportedKDF(String)
    /// `crypto.checksum.function` is not sha256.
    case unsupportedChecksum(String)
    /// `crypto.cipher.function` is not aes-128-ctr.
    case unsupportedCipher(String)
    /// A field or parameter has a value we cannot use; which one and why.
    case invalidParameter(String)
    /// The checksum does not match: the password is wrong (or the file was altered).
    case wrongPassword
    /// The decrypted secret is not a BLS12-381 secret key (32 bytes, non-zero, below r).
    case invalidSecretKey(String)
    /// The decrypted key's public key is not the keystore's `pubkey`.
    case publicKeyMismatch
    /// OpenSSL failed; the function and reason.
    case crypto(String)

    public var description: String {
        switch self {
        case .invalidJSON(let why): "keystore: not an EIP-2335 keystore: \(why)"
        case .unsupportedVersion(let v): "keystore: version \(v) is not supported (only EIP-2335 version 4)"
        case .unsupportedKDF(let f): "keystore: crypto.kdf.function \(JSONText.quote(String(f.prefix(40)))) is not supported (use scrypt or pbkdf2)"
        case .unsupportedChecksum(let f): "keystore: crypto.checksum.function \(JSONText.quote(String(f.prefix(40)))) is not supported (only sha256)"
        case .unsupportedCipher(let f): "keystore: crypto.cipher.function \(JSONText.quote(String(f.prefix(40)))) is not supported (only aes-128-ctr)"
        case .invalidParameter(let why): "keystore: \(why)"
        case .wrongPassword: "keystore: wrong password (the checksum does not match)"
        case .invalidSecretKey(let why): "keystore: the decrypted secret is not a BLS secret key: \(why)"
        case .publicKeyMismatch: "keystore: the decrypted secret key does not belong to the keystore's pubkey"
        case .crypto(let why): "keystore: \(why)"
        }
    }
}

/// The key derivation function of a keystore, with its cost parameters.
public enum KeystoreKDF: Sendable, Equatable {
    /// scrypt (RFC 7914) with cost `n` (a power of two), block size `r`, parallelism `p`.
    case scrypt(n: UInt64, r: UInt64, p: UInt64)
    /// PBKDF2 (RFC 8018) with HMAC-SHA-256 and `iterations` rounds.
    case pbkdf2(iterations: Int)

    /// EIP-2335's and the deposit CLIs' default: scrypt n = 2^18, r = 8, p = 1 (256 MiB, ~0.5 s).
    public static let scryptDefault = KeystoreKDF.scrypt(n: 262_144, r: 8, p: 1)
    /// The deposit CLIs' `--pbkdf2` choice: c = 2^18.
    public static let pbkdf2Default = KeystoreKDF.pbkdf2(iterations: 262_144)

    /// `crypto.kdf.function`: "scrypt" or "pbkdf2".
    public var functionName: String {
        switch self {
        case .scrypt: "scrypt"
        case .pbkdf2: "pbkdf2"
        }
    }
}

/// The public fields of a keystore.
public struct KeystoreInfo: Sendable, Equatable {
    /// `pubkey`: 48 bytes, or empty when the keystore has none.
    public let pubkey: [UInt8]
    /// `path`: the EIP-2334 path, possibly empty.
    public let path: String
    /// `uuid` as written in the file.
    public let uuid: String
    /// `description`, possibly empty.
    public let description: String
    /// The key derivation function and its parameters.
    public let kdf: KeystoreKDF
}

/// EIP-2335 keystore encryption and decryption.
public enum Keystore {
    /// The keystore format version written and accepted.
    public static let version = 4

    /// Encrypts a BLS secret key; the keystore's `pubkey` is the key's public key (for a
    /// threshold member, its public share).
    ///
    /// - Parameters:
    ///   - secretKey: The key to encrypt.
    ///   - password: Any Unicode password; processed as EIP-2335 requires.
    ///   - path: The EIP-2334 path to record, or "" when the key was not derived (a share).
    ///   - kdf: ``KeystoreKDF/scryptDefault`` unless there is a reason to differ.
    ///   - description: Free text stored in the file.
    /// - Returns: The keystore JSON, UTF-8, one line.
    /// - Throws: ``KeystoreError/invalidParameter(_:)`` for unusable KDF parameters,
    ///   ``KeystoreError/crypto(_:)`` if OpenSSL fails.
    public static func encrypt(
        secretKey: borrowing SecretKey, password: String, path: String, kdf: KeystoreKDF = .scryptDefault,
        description: String = ""
    ) throws(KeystoreError) -> [UInt8] {
        let secret = secretKey.serialized()
        return try encrypt(secret: secret, password: password, pubkey: secretKey.publicKey.compressed, path: path, kdf: kdf, description: description)
    }

    /// Encrypts arbitrary secret bytes (EIP-2335 allows any secret; validators store 32-byte keys).
    ///
    /// - Parameters:
    ///   - secret: The bytes to encrypt.
    ///   - password: Any Unicode password; processed as EIP-2335 requires.
    ///   - pubkey: The 48-byte public key to record, or empty for none.
    ///   - path: The EIP-2334 path to record, possibly empty.
    ///   - kdf: ``KeystoreKDF/scryptDefault`` unless there is a reason to differ.
    ///   - description: Free text stored in the file.
    /// - Returns: The keystore JSON, UTF-8, one line.
    /// - Throws: ``KeystoreError/invalidParameter(_:)`` for a pubkey that is not 48 bytes or
    ///   unusable KDF parameters; ``KeystoreError/crypto(_:)`` if OpenSSL fails.
    public static func encrypt(
        secret: borrowing SecureBytes, password: String, pubkey: [UInt8], path: String,
        kdf: KeystoreKDF = .scryptDefault, description: String = ""
    ) throws(KeystoreError) -> [UInt8] {
        try encrypt(
            secret: secret, password: password, pubkey: pubkey, path: path, kdf: kdf, description: description,
            salt: SystemRandom.bytes(32), iv: SystemRandom.bytes(16), uuid: randomUUID())
    }

    /// Encryption with a given salt, IV and UUID, to reproduce published keystores in tests.
    package static func encrypt(
        secret: borrowing SecureBytes, password: String, pubkey: [UInt8], path: String,
        kdf: KeystoreKDF, description: String, salt: [UInt8], iv: [UInt8], uuid: String
    ) throws(KeystoreError) -> [UInt8] {
        guard pubkey.isEmpty || pubkey.count == 48 else {
            throw .invalidParameter("pubkey must be 48 bytes (a compressed BLS12-381 public key), got \(pubkey.count)")
        }
        guard iv.count == 16 else { throw .invalidParameter("the AES-128-CTR IV must be 16 bytes, got \(iv.count)") }
        try validate(kdf)
        let derivedKey = try deriveKey(password: processPassword(password), kdf: kdf, salt: salt, count: 32)
        var cipherText = [UInt8](repeating: 0, count: secret.count)
        // Array's closures are untyped `rethrows`, so the failure is returned, then thrown.
        let failure: CryptoFailure? = derivedKey.withUnsafeBytes { key in
            secret.withUnsafeBytes { plain in
                cipherText.withUnsafeMutableBytes { out in
                    do throws(CryptoFailure) {
                        try PasswordKDF.aes128CTR(key: key, iv: iv, input: plain, output: out)
                        return nil
                    } catch { return error }
                }
            }
        }
        if let failure { throw .crypto(failure.message) }
        let checksum = checksum(derivedKey: derivedKey, cipherText: cipherText)

        let kdfParams: [(String, JSONText)]
        switch kdf {
        case .scrypt(let n, let r, let p):
            kdfParams = [("dklen", .integer(32)), ("n", .integer(n)), ("p", .integer(p)), ("r", .integer(r)), ("salt", .string(Hex.encode(salt)))]
        case .pbkdf2(let c):
            kdfParams = [("c", .integer(UInt64(c))), ("dklen", .integer(32)), ("prf", .string("hmac-sha256")), ("salt", .string(Hex.encode(salt)))]
        }
        let document = JSONText.object([
            ("crypto", .object([
                ("kdf", .object([("function", .string(kdf.functionName)), ("params", .object(kdfParams)), ("message", .string(""))])),
                ("checksum", .object([("function", .string("sha256")), ("params", .object([])), ("message", .string(Hex.encode(checksum)))])),
                ("cipher", .object([
                    ("function", .string("aes-128-ctr")), ("params", .object([("iv", .string(Hex.encode(iv)))])),
                    ("message", .string(Hex.encode(cipherText))),
                ])),
            ])),
            ("description", .string(description)),
            ("pubkey", .string(Hex.encode(pubkey))),
            ("path", .string(path)),
            ("uuid", .string(uuid)),
            ("version", .integer(UInt64(version))),
        ])
        return Array(document.rendered.utf8)
    }

    /// Decrypts a keystore's secret into secure memory.
    ///
    /// - Parameters:
    ///   - json: The keystore file's bytes.
    ///   - password: The password, as typed; processed as EIP-2335 requires.
    /// - Returns: The secret (32 bytes for a validator key).
    /// - Throws: ``KeystoreError/wrongPassword`` when the checksum does not match; the
    ///   format errors of ``parse(json:)``; ``KeystoreError/crypto(_:)`` if OpenSSL fails.
    public static func decrypt(json: [UInt8], password: String) throws(KeystoreError) -> SecureBytes {
        let file = try ParsedKeystore(json: json)
        let derivedKey = try deriveKey(password: processPassword(password), kdf: file.info.kdf, salt: file.salt, count: file.dklen)
        let expected = checksum(derivedKey: derivedKey, cipherText: file.cipherText)
        guard constantTimeEquals(expected, file.checksum) else { throw .wrongPassword }
        var secret = SecureBytes(count: file.cipherText.count)
        let failure: CryptoFailure? = derivedKey.withUnsafeBytes { key in
            file.cipherText.withUnsafeBytes { cipher in
                secret.withUnsafeMutableBytes { out in
                    do throws(CryptoFailure) {
                        try PasswordKDF.aes128CTR(key: key, iv: file.iv, input: cipher, output: out)
                        return nil
                    } catch { return error }
                }
            }
        }
        if let failure { throw .crypto(failure.message) }
        return secret
    }

    /// Decrypts a validator keystore into a ``SecretKey`` and checks it against the `pubkey` field.
    ///
    /// - Throws: What ``decrypt(json:password:)`` throws; ``KeystoreError/invalidSecretKey(_:)``
    ///   when the secret is not a BLS key; ``KeystoreError/publicKeyMismatch`` when its public
    ///   key differs from a non-empty `pubkey`.
    public static func decryptSecretKey(json: [UInt8], password: String) throws(KeystoreError) -> SecretKey {
        let info = try parse(json: json)
        let secret = try decrypt(json: json, password: password)
        guard secret.count == 32 else { throw .invalidSecretKey("expected 32 bytes, got \(secret.count)") }
        guard let scalar = secret.withUnsafeBytes({ Fr(bigEndian: $0) }) else { throw .invalidSecretKey("not below the group order r") }
        let key: SecretKey
        do throws(BLSError) { key = try SecretKey(scalar: scalar) } catch { throw .invalidSecretKey("zero") }
        if !info.pubkey.isEmpty, key.publicKey.compressed != info.pubkey { throw .publicKeyMismatch }
        return key
    }

    /// Reads a keystore's public fields and checks its structure, without a password.
    ///
    /// - Throws: ``KeystoreError/invalidJSON(_:)``, ``KeystoreError/unsupportedVersion(_:)``,
    ///   ``KeystoreError/unsupportedKDF(_:)``, ``KeystoreError/unsupportedChecksum(_:)``,
    ///   ``KeystoreError/unsupportedCipher(_:)`` or ``KeystoreError/invalidParameter(_:)``.
    public static func parse(json: [UInt8]) throws(KeystoreError) -> KeystoreInfo {
        try ParsedKeystore(json: json).info
    }

    /// EIP-2335 password processing: NFKD, control codes removed, UTF-8, in secure memory.
    ///
    /// - Parameter password: The password as typed.
    public static func processPassword(_ password: String) -> SecureBytes {
        var kept = String.UnicodeScalarView()
        for scalar in password.decomposedStringWithCompatibilityMapping.unicodeScalars {
            let v = scalar.value
            if v <= 0x1F || (0x7F...0x9F).contains(v) { continue }
            kept.append(scalar)
        }
        return SecureBytes(copying: String(kept).utf8)
    }

    /// A random (version 4) UUID in lowercase 8-4-4-4-12 form.
    public static func randomUUID() -> String {
        var bytes = SystemRandom.bytes(16)
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        let hex = Hex.encode(bytes)
        var parts: [Substring] = []
        var start = hex.startIndex
        for length in [8, 4, 4, 4, 12] {
            let end = hex.index(start, offsetBy: length)
            parts.append(hex[start..<end])
            start = end
        }
        return parts.joined(separator: "-")
    }

    // MARK: - Internals

    /// Bounds on parameters read from files (see the file header).
    static func validate(_ kdf: KeystoreKDF) throws(KeystoreError) {
        switch kdf {
        case .scrypt(let n, let r, let p):
            guard n >= 2, n & (n - 1) == 0 else { throw .invalidParameter("crypto.kdf.params.n must be a power of two ≥ 2, got \(n)") }
            guard r >= 1, p >= 1, r <= 1 << 16, p <= 1 << 16 else { throw .invalidParameter("crypto.kdf.params.r and p must be 1 to 65536") }
            guard n <= 1 << 24, 128 * n * r * p <= 1 << 30 else {
                throw .invalidParameter("scrypt parameters need more than 1 GiB of memory (128·n·r·p); refusing")
            }
        case .pbkdf2(let c):
            guard c >= 1, c <= Int(Int32.max) else { throw .invalidParameter("crypto.kdf.params.c must be 1 to 2^31 − 1, got \(c)") }
        }
    }

    static func deriveKey(password: borrowing SecureBytes, kdf: KeystoreKDF, salt: [UInt8], count: Int) throws(KeystoreError) -> SecureBytes {
        do throws(CryptoFailure) {
            switch kdf {
            case .scrypt(let n, let r, let p):
                return try PasswordKDF.scrypt(password: password, salt: salt, n: n, r: r, p: p, count: count)
            case .pbkdf2(let c):
                return try PasswordKDF.pbkdf2(password: password, salt: salt, iterations: c, digest: .sha256, count: count)
            }
        } catch {
            throw .crypto(error.message)
        }
    }

    /// SHA-256(DK[16..<32] ‖ cipher message).
    static func checksum(derivedKey: borrowing SecureBytes, cipherText: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        derivedKey.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[16..<32])) }
        hasher.update(cipherText)
        return hasher.finalize()
    }
}

/// A structurally valid keystore file.
private struct ParsedKeystore {
    let info: KeystoreInfo
    let salt: [UInt8]
    let dklen: Int
    let checksum: [UInt8]
    let iv: [UInt8]
    let cipherText: [UInt8]

    private struct Version: Decodable { let version: Int }
    private struct Module<Params: Decodable>: Decodable {
        let function: String
        let params: Params
        let message: String
    }
    private struct KDFParams: Decodable {
        let dklen: UInt64
        let salt: String
        let n: UInt64?, r: UInt64?, p: UInt64?
        let c: UInt64?, prf: String?
    }
    private struct NoParams: Decodable {}
    private struct CipherParams: Decodable { let iv: String }
    private struct Crypto: Decodable {
        let kdf: Module<KDFParams>
        let checksum: Module<NoParams>
        let cipher: Module<CipherParams>
    }
    private struct File: Decodable {
        let crypto: Crypto
        let description: String?
        let pubkey: String?
        let path: String?
        let uuid: String
        let version: Int
    }

    init(json: [UInt8]) throws(KeystoreError) {
        let decoder = JSONDecoder()
        let version: Version
        do { version = try decoder.decode(Version.self, from: Data(json)) } catch { throw .invalidJSON(JSONText.describe(error)) }
        guard version.version == Keystore.version else { throw .unsupportedVersion(version.version) }
        let file: File
        do { file = try decoder.decode(File.self, from: Data(json)) } catch { throw .invalidJSON(JSONText.describe(error)) }

        let crypto = file.crypto
        let params = crypto.kdf.params
        let kdf: KeystoreKDF
        switch crypto.kdf.function {
        case "scrypt":
            guard let n = params.n, let r = params.r, let p = params.p else {
                throw .invalidJSON("crypto.kdf.params: scrypt needs n, r and p")
            }
            kdf = .scrypt(n: n, r: r, p: p)
        case "pbkdf2":
            guard let c = params.c else { throw .invalidJSON("crypto.kdf.params.c: missing") }
            guard params.prf == "hmac-sha256" else {
                throw .invalidParameter("crypto.kdf.params.prf must be hmac-sha256")
            }
            guard c <= UInt64(Int32.max) else { throw .invalidParameter("crypto.kdf.params.c must be below 2^31") }
            kdf = .pbkdf2(iterations: Int(c))
        default:
            throw .unsupportedKDF(crypto.kdf.function)
        }
        try Keystore.validate(kdf)
        guard params.dklen >= 32, params.dklen <= 64 else {
            throw .invalidParameter("crypto.kdf.params.dklen must be 32 (at least 32, at most 64), got \(params.dklen)")
        }
        guard crypto.checksum.function == "sha256" else { throw .unsupportedChecksum(crypto.checksum.function) }
        guard crypto.cipher.function == "aes-128-ctr" else { throw .unsupportedCipher(crypto.cipher.function) }

        guard let salt = Hex.decode(params.salt) else { throw .invalidParameter("crypto.kdf.params.salt is not hex") }
        guard let checksum = Hex.decode(crypto.checksum.message), checksum.count == 32 else {
            throw .invalidParameter("crypto.checksum.message must be 32 bytes of hex")
        }
        guard let iv = Hex.decode(crypto.cipher.params.iv), iv.count == 16 else {
            throw .invalidParameter("crypto.cipher.params.iv must be 16 bytes of hex")
        }
        guard let cipherText = Hex.decode(crypto.cipher.message), !cipherText.isEmpty else {
            throw .invalidParameter("crypto.cipher.message must be non-empty hex")
        }
        guard UUID(uuidString: file.uuid) != nil else { throw .invalidParameter("uuid is not a UUID") }
        let pubkey: [UInt8]
        if let text = file.pubkey, !text.isEmpty {
            guard let bytes = Hex.decode(text), bytes.count == 48 else { throw .invalidParameter("pubkey must be 48 bytes of hex") }
            pubkey = bytes
        } else {
            pubkey = []
        }
        self.info = KeystoreInfo(
            pubkey: pubkey, path: file.path ?? "", uuid: file.uuid, description: file.description ?? "", kdf: kdf)
        self.salt = salt
        self.dklen = Int(params.dklen)
        self.checksum = checksum
        self.iv = iv
        self.cipherText = cipherText
    }
}
