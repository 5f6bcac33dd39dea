import COpenSSL

/// A pointer to an OpenSSL algorithm object fetched once and kept for the life of the process.
///
/// Fetched `EVP_MD`/`EVP_MAC`/`EVP_KDF` objects are immutable and reference counted, and
/// OpenSSL documents them as safe to share between threads.
struct OpenSSLAlgorithm: @unchecked Sendable {
    let pointer: OpaquePointer
}

/// A NUL-terminated C string allocated once and never freed, for `OSSL_PARAM` keys and
/// values, which OpenSSL reads through the pointers stored in the parameter array.
struct PermanentCString: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<CChar>

    init(_ string: String) {
        let utf8 = Array(string.utf8CString)
        let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: utf8.count)
        pointer.initialize(from: utf8, count: utf8.count)
        self.pointer = pointer
    }
}

/// Algorithms and parameter names fetched or built once (a fetch costs ~200 ns per call).
enum OpenSSL {
    static let sha256: OpenSSLAlgorithm = {
        guard let md = EVP_MD_fetch(nil, "SHA256", nil) else {
            fatalError("OpenSSL: EVP_MD_fetch(SHA256) failed: \(OpenSSL.drainErrors())")
        }
        return OpenSSLAlgorithm(pointer: md)
    }()

    static let hmac: OpenSSLAlgorithm = {
        guard let mac = EVP_MAC_fetch(nil, "HMAC", nil) else {
            fatalError("OpenSSL: EVP_MAC_fetch(HMAC) failed: \(OpenSSL.drainErrors())")
        }
        return OpenSSLAlgorithm(pointer: mac)
    }()

    static let hkdf: OpenSSLAlgorithm = {
        guard let kdf = EVP_KDF_fetch(nil, "HKDF", nil) else {
            fatalError("OpenSSL: EVP_KDF_fetch(HKDF) failed: \(OpenSSL.drainErrors())")
        }
        return OpenSSLAlgorithm(pointer: kdf)
    }()

    enum Name {
        static let digest = PermanentCString("digest")          // OSSL_MAC_PARAM_DIGEST / OSSL_KDF_PARAM_DIGEST
        static let sha256 = PermanentCString("SHA256")
        static let mode = PermanentCString("mode")              // OSSL_KDF_PARAM_MODE
        static let extractOnly = PermanentCString("EXTRACT_ONLY")
        static let expandOnly = PermanentCString("EXPAND_ONLY")
        static let key = PermanentCString("key")                // OSSL_KDF_PARAM_KEY
        static let salt = PermanentCString("salt")              // OSSL_KDF_PARAM_SALT
        static let info = PermanentCString("info")              // OSSL_KDF_PARAM_INFO
    }

    /// A UTF-8 string parameter; both strings must outlive the parameter array.
    static func utf8Parameter(_ key: PermanentCString, _ value: PermanentCString) -> OSSL_PARAM {
        OSSL_PARAM_construct_utf8_string(key.pointer, value.pointer, 0)
    }

    /// An octet-string parameter over `bytes`, which must stay valid while the array is used.
    /// OpenSSL rejects a NULL data pointer even for zero bytes, so empty input points at a
    /// static dummy byte.
    static func octetParameter(_ key: PermanentCString, _ bytes: UnsafeRawBufferPointer) -> OSSL_PARAM {
        let base = bytes.baseAddress ?? UnsafeRawPointer(emptyByte.pointer)
        return OSSL_PARAM_construct_octet_string(key.pointer, UnsafeMutableRawPointer(mutating: base), bytes.count)
    }

    /// A non-NULL address to pass with a length of zero.
    static let emptyByte = PermanentCString("")

    /// Pops OpenSSL's (thread-local) error queue into one line, for error messages.
    /// OpenSSL's messages name the failing function and reason, never the data.
    static func drainErrors() -> String {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
            reasons.append(String(decoding: bytes, as: UTF8.self))
        }
        return reasons.isEmpty ? "no reason given" : reasons.joined(separator: "; ")
    }
}
