import COpenSSL

/// HKDF over SHA-256 (RFC 5869) through OpenSSL 3's `EVP_KDF` "HKDF" with separate
/// extract-only and expand-only steps.
///
/// OpenSSL copies key material into its context and wipes it when the context is freed
/// (`OPENSSL_clear_free`). The ``SecureBytes`` variants keep the input key material, the
/// pseudorandom key and the output in libsodium secure memory on the Swift side.
public enum HKDFSHA256 {
    /// The length of a pseudorandom key from extract (32 bytes).
    public static let prkCount = 32
    /// The largest output of one expand step: 255 × 32 = 8160 bytes (RFC 5869 §2.3).
    public static let maximumOutputCount = 255 * 32

    /// HKDF-Extract (RFC 5869 §2.2): returns the 32-byte pseudorandom key
    /// `HMAC-SHA-256(salt, ikm)`.
    ///
    /// - Parameters:
    ///   - salt: The salt; an empty salt means 32 zero bytes, as in the RFC.
    ///   - ikm: The input keying material.
    public static func extract(salt: [UInt8], ikm: [UInt8]) -> [UInt8] {
        var prk = [UInt8](repeating: 0, count: prkCount)
        ikm.withUnsafeBytes { ikm in
            prk.withUnsafeMutableBytes { output in extractCore(salt: salt, ikm: ikm, into: output) }
        }
        return prk
    }

    /// HKDF-Extract (RFC 5869 §2.2) for secret input keying material; the pseudorandom
    /// key is produced directly in secure memory.
    ///
    /// - Parameters:
    ///   - salt: The salt; an empty salt means 32 zero bytes, as in the RFC.
    ///   - ikm: The secret input keying material.
    /// - Returns: The 32-byte pseudorandom key.
    public static func extract(salt: [UInt8], ikm: borrowing SecureBytes) -> SecureBytes {
        var prk = SecureBytes(count: prkCount)
        ikm.withUnsafeBytes { ikm in
            prk.withUnsafeMutableBytes { output in extractCore(salt: salt, ikm: ikm, into: output) }
        }
        return prk
    }

    /// HKDF-Expand (RFC 5869 §2.3): derives `count` bytes from a pseudorandom key.
    ///
    /// - Parameters:
    ///   - prk: The pseudorandom key, normally the 32-byte output of extract.
    ///   - info: Context and application-specific information; may be empty.
    ///   - count: The output length, 0 through 8160.
    /// - Throws: ``PrimitivesError/invalidLength(_:)`` when `count` is negative or above
    ///   8160; ``PrimitivesError/openSSL(_:)`` if OpenSSL fails.
    public static func expand(prk: [UInt8], info: [UInt8], count: Int) throws(PrimitivesError) -> [UInt8] {
        try checkOutputCount(count)
        var output = [UInt8](repeating: 0, count: count)
        guard count > 0 else { return output }
        // Array.withUnsafeBytes is `rethrows` (untyped), so the failure is returned, then thrown.
        let failure = prk.withUnsafeBytes { prk in
            output.withUnsafeMutableBytes { output in expandCore(prk: prk, info: info, into: output) }
        }
        if let failure { throw failure }
        return output
    }

    /// HKDF-Expand (RFC 5869 §2.3) from a secret pseudorandom key into secure memory.
    ///
    /// - Parameters:
    ///   - prk: The secret pseudorandom key, normally the output of extract.
    ///   - info: Context and application-specific information; may be empty.
    ///   - count: The output length, 0 through 8160.
    /// - Returns: `count` bytes of output keying material in secure memory.
    /// - Throws: ``PrimitivesError/invalidLength(_:)`` when `count` is negative or above
    ///   8160; ``PrimitivesError/openSSL(_:)`` if OpenSSL fails.
    public static func expand(
        prk: borrowing SecureBytes, info: [UInt8], count: Int
    ) throws(PrimitivesError) -> SecureBytes {
        try checkOutputCount(count)
        var output = SecureBytes(count: count)
        guard count > 0 else { return output }
        let failure = prk.withUnsafeBytes { prk in
            output.withUnsafeMutableBytes { output in expandCore(prk: prk, info: info, into: output) }
        }
        if let failure { throw failure }
        return output
    }

    private static func checkOutputCount(_ count: Int) throws(PrimitivesError) {
        guard count >= 0, count <= maximumOutputCount else {
            throw .invalidLength("HKDF-SHA256 expand can produce 0 to \(maximumOutputCount) bytes (255 × 32); \(count) were requested")
        }
    }

    private static func extractCore(salt: [UInt8], ikm: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) {
        // RFC 5869 §2.2: "if not provided, [salt] is set to a string of HashLen zeros".
        // HMAC pads short keys with zeros, so this equals an empty salt; passing it
        // explicitly avoids relying on how OpenSSL treats an empty salt parameter.
        let effectiveSalt = salt.isEmpty ? [UInt8](repeating: 0, count: prkCount) : salt
        effectiveSalt.withUnsafeBytes { salt in
            let parameters = [
                OpenSSL.utf8Parameter(OpenSSL.Name.digest, OpenSSL.Name.sha256),
                OpenSSL.utf8Parameter(OpenSSL.Name.mode, OpenSSL.Name.extractOnly),
                OpenSSL.octetParameter(OpenSSL.Name.key, ikm),
                OpenSSL.octetParameter(OpenSSL.Name.salt, salt),
                OSSL_PARAM_construct_end(),
            ]
            if let failure = derive(parameters, into: output) {
                fatalError("HKDF-SHA256 extract failed: \(failure)")
            }
        }
    }

    private static func expandCore(
        prk: UnsafeRawBufferPointer, info: [UInt8], into output: UnsafeMutableRawBufferPointer
    ) -> PrimitivesError? {
        info.withUnsafeBytes { info in
            let parameters = [
                OpenSSL.utf8Parameter(OpenSSL.Name.digest, OpenSSL.Name.sha256),
                OpenSSL.utf8Parameter(OpenSSL.Name.mode, OpenSSL.Name.expandOnly),
                OpenSSL.octetParameter(OpenSSL.Name.key, prk),
                OpenSSL.octetParameter(OpenSSL.Name.info, info),
                OSSL_PARAM_construct_end(),
            ]
            return derive(parameters, into: output)
        }
    }

    /// Runs one HKDF step; returns the failure instead of throwing so that it can be
    /// called inside the standard library's untyped `rethrows` closures.
    private static func derive(_ parameters: [OSSL_PARAM], into output: UnsafeMutableRawBufferPointer) -> PrimitivesError? {
        guard let context = EVP_KDF_CTX_new(OpenSSL.hkdf.pointer) else {
            return .openSSL("EVP_KDF_CTX_new(HKDF) failed: \(OpenSSL.drainErrors())")
        }
        defer { EVP_KDF_CTX_free(context) }  // clears the copied key material
        let status = parameters.withUnsafeBufferPointer { parameters in
            EVP_KDF_derive(context, output.baseAddress!.assumingMemoryBound(to: UInt8.self), output.count, parameters.baseAddress)
        }
        guard status == 1 else {
            return .openSSL("EVP_KDF_derive(HKDF) failed: \(OpenSSL.drainErrors())")
        }
        return nil
    }
}
