import COpenSSL

/// HMAC-SHA-256 (RFC 2104, FIPS 198-1) through OpenSSL 3's `EVP_MAC` interface.
public enum HMACSHA256 {
    /// The tag length in bytes (32).
    public static let tagCount = 32

    /// Returns the 32-byte HMAC-SHA-256 tag of `message` under `key`.
    ///
    /// - Parameters:
    ///   - key: The key, of any length (keys longer than 64 bytes are hashed first).
    ///   - message: The message to authenticate.
    public static func authenticate(key: [UInt8], message: [UInt8]) -> [UInt8] {
        key.withUnsafeBytes { key in
            message.withUnsafeBytes { message in authenticate(key: key, message: message) }
        }
    }

    /// Returns the 32-byte HMAC-SHA-256 tag of `message` under `key`.
    ///
    /// - Parameters:
    ///   - key: The key bytes, of any length.
    ///   - message: The message to authenticate.
    public static func authenticate(key: UnsafeRawBufferPointer, message: UnsafeRawBufferPointer) -> [UInt8] {
        guard let context = EVP_MAC_CTX_new(OpenSSL.hmac.pointer) else {
            fatalError("HMAC-SHA256: EVP_MAC_CTX_new failed: \(OpenSSL.drainErrors())")
        }
        defer { EVP_MAC_CTX_free(context) }  // wipes the keyed state
        var parameters = [OpenSSL.utf8Parameter(OpenSSL.Name.digest, OpenSSL.Name.sha256), OSSL_PARAM_construct_end()]
        // A NULL key means "keep the previous key" to EVP_MAC_init, so an empty key needs a real address.
        let keyBase = key.baseAddress ?? UnsafeRawPointer(OpenSSL.emptyByte.pointer)
        guard EVP_MAC_init(context, keyBase.assumingMemoryBound(to: UInt8.self), key.count, &parameters) == 1 else {
            fatalError("HMAC-SHA256: EVP_MAC_init failed: \(OpenSSL.drainErrors())")
        }
        if let base = message.baseAddress, message.count > 0 {
            guard EVP_MAC_update(context, base.assumingMemoryBound(to: UInt8.self), message.count) == 1 else {
                fatalError("HMAC-SHA256: EVP_MAC_update failed: \(OpenSSL.drainErrors())")
            }
        }
        return [UInt8](unsafeUninitializedCapacity: tagCount) { buffer, initialized in
            var written = 0
            guard EVP_MAC_final(context, buffer.baseAddress, &written, tagCount) == 1, written == tagCount else {
                fatalError("HMAC-SHA256: EVP_MAC_final failed: \(OpenSSL.drainErrors())")
            }
            initialized = tagCount
        }
    }
}
