// Password-based key derivation and the keystore cipher, over OpenSSL 3 libcrypto.
//
// What is here: scrypt (RFC 7914, `EVP_PBE_scrypt`), PBKDF2 (RFC 8018, `PKCS5_PBKDF2_HMAC`)
// with HMAC-SHA-256 (EIP-2335 keystores) or HMAC-SHA-512 (BIP-39 seeds), and AES-128-CTR
// (`EVP_aes_128_ctr`). Every derived key is written straight into `SecureBytes`; passwords
// are read from `SecureBytes`. Failures come back as `CryptoFailure` (an OpenSSL reason, never
// data), which the callers turn into their own typed errors.
//
// `Primitives` keeps its OpenSSL helpers internal, so this module calls COpenSSL directly for
// the three algorithms only it needs.

import COpenSSL
import Primitives

/// An OpenSSL call that failed: the function and OpenSSL's reason, never any key material.
struct CryptoFailure: Error, Sendable {
    let message: String
}

enum PasswordKDF {
    /// A valid address to pass with a length of zero (OpenSSL may reject NULL).
    nonisolated(unsafe) static let emptyBytes: UnsafeMutablePointer<UInt8> = {
        let pointer = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        pointer.initialize(to: 0)
        return pointer
    }()
    static var emptyCString: UnsafePointer<CChar> { UnsafeRawPointer(emptyBytes).assumingMemoryBound(to: CChar.self) }

    /// The memory cap given to scrypt: enough for n = 2^20, r = 8 (1 GiB) and no more, so a
    /// hostile keystore cannot ask for unbounded memory.
    static let scryptMaximumMemory: UInt64 = (1 << 30) + (1 << 24)

    /// scrypt (RFC 7914) of `password` into `count` bytes of secure memory.
    static func scrypt(
        password: borrowing SecureBytes, salt: [UInt8], n: UInt64, r: UInt64, p: UInt64, count: Int
    ) throws(CryptoFailure) -> SecureBytes {
        var output = SecureBytes(count: count)
        let status = password.withUnsafeBytes { password in
            salt.withUnsafeBufferPointer { salt in
                output.withUnsafeMutableBytes { out in
                    EVP_PBE_scrypt(
                        password.baseAddress?.assumingMemoryBound(to: CChar.self) ?? emptyCString, password.count,
                        salt.baseAddress ?? UnsafePointer(emptyBytes), salt.count, n, r, p, scryptMaximumMemory,
                        out.baseAddress!.assumingMemoryBound(to: UInt8.self), out.count)
                }
            }
        }
        guard status == 1 else { throw CryptoFailure(message: "EVP_PBE_scrypt failed: \(drainErrors())") }
        return output
    }

    enum Digest { case sha256, sha512 }

    /// PBKDF2 (RFC 8018 §5.2) with HMAC-`digest` of `password` into `count` bytes of secure memory.
    static func pbkdf2(
        password: borrowing SecureBytes, salt: [UInt8], iterations: Int, digest: Digest, count: Int
    ) throws(CryptoFailure) -> SecureBytes {
        guard iterations > 0, iterations <= Int(Int32.max), salt.count <= Int(Int32.max), password.count <= Int(Int32.max)
        else { throw CryptoFailure(message: "PBKDF2 parameters out of range") }
        var output = SecureBytes(count: count)
        let md = digest == .sha256 ? EVP_sha256() : EVP_sha512()
        let status = password.withUnsafeBytes { password in
            salt.withUnsafeBufferPointer { salt in
                output.withUnsafeMutableBytes { out in
                    PKCS5_PBKDF2_HMAC(
                        password.baseAddress?.assumingMemoryBound(to: CChar.self) ?? emptyCString, Int32(password.count),
                        salt.baseAddress ?? UnsafePointer(emptyBytes), Int32(salt.count), Int32(iterations), md,
                        Int32(out.count), out.baseAddress!.assumingMemoryBound(to: UInt8.self))
                }
            }
        }
        guard status == 1 else { throw CryptoFailure(message: "PKCS5_PBKDF2_HMAC failed: \(drainErrors())") }
        return output
    }

    /// AES-128-CTR (NIST SP 800-38A) of `input` into `output` (same length) under the first 16
    /// bytes of `key`, with the 16-byte initial counter block `iv`. CTR is its own inverse.
    static func aes128CTR(
        key: UnsafeRawBufferPointer, iv: [UInt8], input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer
    ) throws(CryptoFailure) {
        precondition(key.count >= 16 && iv.count == 16 && output.count == input.count)
        guard let context = EVP_CIPHER_CTX_new() else {
            throw CryptoFailure(message: "EVP_CIPHER_CTX_new failed: \(drainErrors())")
        }
        defer { EVP_CIPHER_CTX_free(context) }  // cleanses the expanded key schedule
        let keyBytes = key.baseAddress!.assumingMemoryBound(to: UInt8.self)
        guard iv.withUnsafeBufferPointer({ EVP_EncryptInit_ex(context, EVP_aes_128_ctr(), nil, keyBytes, $0.baseAddress) }) == 1 else {
            throw CryptoFailure(message: "EVP_EncryptInit_ex(AES-128-CTR) failed: \(drainErrors())")
        }
        guard input.count > 0 else { return }
        var written: Int32 = 0
        let status = EVP_EncryptUpdate(
            context, output.baseAddress!.assumingMemoryBound(to: UInt8.self), &written,
            input.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(input.count))
        guard status == 1, Int(written) == input.count else {
            throw CryptoFailure(message: "EVP_EncryptUpdate(AES-128-CTR) failed: \(drainErrors())")
        }
    }

    /// Pops OpenSSL's error queue into one line (function and reason names only).
    static func drainErrors() -> String {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            reasons.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return reasons.isEmpty ? "no reason given" : reasons.joined(separator: "; ")
    }
}
