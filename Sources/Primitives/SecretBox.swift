import CSodium

// Symmetric authenticated encryption for secrets at rest (ceremony state a restarted member
// reloads): libsodium's `crypto_secretbox_easy` (XSalsa20-Poly1305) with a random 24-byte
// nonce stored in front of the box. The key is 32 bytes of secure memory; the plaintext is
// read from and written to secure memory only.

/// `crypto_secretbox` with a random nonce: `seal` returns nonce ‖ box, `open` reverses it.
public enum SecretBox {
    /// Key length in bytes.
    public static let keyByteCount = 32
    /// Bytes added to the plaintext: the 24-byte nonce and the 16-byte authenticator.
    public static let overheadByteCount = 24 + 16

    /// Encrypts `plaintext` under `key` with a fresh random nonce.
    /// - Throws: `IdentityError.invalidLength` for a key that is not 32 bytes.
    public static func seal(_ plaintext: borrowing SecureBytes, key: borrowing SecureBytes) throws(IdentityError) -> [UInt8] {
        guard key.count == keyByteCount else { throw .invalidLength(what: "secretbox key", expected: keyByteCount, actual: key.count) }
        Sodium.ensureInitialized()
        var nonce = [UInt8](repeating: 0, count: 24)
        nonce.withUnsafeMutableBytes { SystemRandom.fill($0) }
        var out = [UInt8](repeating: 0, count: plaintext.count + 16)
        plaintext.withUnsafeBytes { m in
            key.withUnsafeBytes { k in
                out.withUnsafeMutableBufferPointer { c in
                    _ = crypto_secretbox_easy(c.baseAddress!, m.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                              UInt64(m.count), nonce, k.baseAddress!.assumingMemoryBound(to: UInt8.self))
                }
            }
        }
        return nonce + out
    }

    /// Decrypts what `seal` returned; the plaintext goes straight to secure memory.
    /// - Throws: `IdentityError.ciphertextTooShort`, `.invalidLength` (key) or
    ///   `.authenticationFailed` (wrong key or altered bytes).
    public static func open(_ sealed: [UInt8], key: borrowing SecureBytes) throws(IdentityError) -> SecureBytes {
        guard key.count == keyByteCount else { throw .invalidLength(what: "secretbox key", expected: keyByteCount, actual: key.count) }
        guard sealed.count >= overheadByteCount else { throw .ciphertextTooShort(sealed.count) }
        Sodium.ensureInitialized()
        let nonce = Array(sealed[0..<24])
        let box = Array(sealed[24...])
        var plaintext = SecureBytes(count: box.count - 16)
        let rc: Int32 = key.withUnsafeBytes { k in
            plaintext.withUnsafeMutableBytes { m in
                crypto_secretbox_open_easy(m.baseAddress!.assumingMemoryBound(to: UInt8.self), box, UInt64(box.count),
                                           nonce, k.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
        }
        guard rc == 0 else { throw .authenticationFailed }
        return plaintext
    }
}
