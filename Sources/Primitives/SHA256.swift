import COpenSSL

/// SHA-256 (FIPS 180-4) through OpenSSL 3's EVP interface.
///
/// The digest implementation is fetched once per process and each hasher owns one
/// `EVP_MD_CTX`, freed when the hasher is destroyed. After ``finalize()`` the hasher is
/// reset and can hash a new message, which avoids allocating a context per message.
public struct SHA256: ~Copyable {
    /// The digest length in bytes (32).
    public static let digestCount = 32
    /// The block length in bytes (64).
    public static let blockCount = 64

    private let context: OpaquePointer

    /// Creates a hasher ready to absorb a message.
    public init() {
        guard let context = EVP_MD_CTX_new() else {
            fatalError("SHA256: EVP_MD_CTX_new failed: \(OpenSSL.drainErrors())")
        }
        guard EVP_DigestInit_ex2(context, OpenSSL.sha256.pointer, nil) == 1 else {
            fatalError("SHA256: EVP_DigestInit_ex2 failed: \(OpenSSL.drainErrors())")
        }
        self.context = context
    }

    deinit {
        EVP_MD_CTX_free(context)
    }

    /// Absorbs `bytes` into the message.
    ///
    /// - Parameter bytes: The next part of the message; may be empty.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        guard EVP_DigestUpdate(context, base, bytes.count) == 1 else {
            fatalError("SHA256: EVP_DigestUpdate failed: \(OpenSSL.drainErrors())")
        }
    }

    /// Absorbs `bytes` into the message.
    ///
    /// - Parameter bytes: The next part of the message; may be empty.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Writes the digest of everything absorbed so far into `output` and resets the hasher.
    ///
    /// - Parameter output: At least ``digestCount`` bytes; the first 32 are written.
    public mutating func finalize(into output: UnsafeMutableRawBufferPointer) {
        precondition(output.count >= Self.digestCount, "SHA256.finalize(into:) needs 32 bytes of output")
        var written: UInt32 = 0
        let digest = output.baseAddress!.assumingMemoryBound(to: UInt8.self)
        guard EVP_DigestFinal_ex(context, digest, &written) == 1, written == UInt32(Self.digestCount) else {
            fatalError("SHA256: EVP_DigestFinal_ex failed: \(OpenSSL.drainErrors())")
        }
        guard EVP_DigestInit_ex2(context, OpenSSL.sha256.pointer, nil) == 1 else {
            fatalError("SHA256: EVP_DigestInit_ex2 failed: \(OpenSSL.drainErrors())")
        }
    }

    /// Returns the 32-byte digest of everything absorbed so far and resets the hasher.
    public mutating func finalize() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Self.digestCount) { buffer, initialized in
            finalize(into: UnsafeMutableRawBufferPointer(buffer))
            initialized = Self.digestCount
        }
    }

    /// Returns the 32-byte SHA-256 digest of `bytes`.
    ///
    /// - Parameter bytes: The whole message.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBytes { hash($0) }
    }

    /// Returns the 32-byte SHA-256 digest of `bytes`.
    ///
    /// - Parameter bytes: The whole message.
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: digestCount) { buffer, initialized in
            var written: UInt32 = 0
            let data = bytes.baseAddress ?? UnsafeRawPointer(OpenSSL.emptyByte.pointer)
            guard EVP_Digest(data, bytes.count, buffer.baseAddress, &written, OpenSSL.sha256.pointer, nil) == 1,
                written == UInt32(digestCount)
            else {
                fatalError("SHA256: EVP_Digest failed: \(OpenSSL.drainErrors())")
            }
            initialized = digestCount
        }
    }
}
