import CSodium

/// The operating system's cryptographically secure random number generator, through
/// libsodium's `randombytes_buf` (getrandom(2) on Linux).
public enum SystemRandom {
    /// Returns `count` uniformly random bytes.
    ///
    /// - Parameter count: The number of bytes; must not be negative.
    /// - Returns: A new array of `count` random bytes.
    public static func bytes(_ count: Int) -> [UInt8] {
        precondition(count >= 0, "SystemRandom.bytes: count must not be negative")
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            fill(UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
    }

    /// Overwrites every byte of `buffer` with uniformly random bytes.
    ///
    /// - Parameter buffer: The memory to fill; may be empty.
    public static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        Sodium.ensureInitialized()
        randombytes_buf(base, buffer.count)
    }

    /// Returns a uniformly random 64-bit integer.
    public static func uint64() -> UInt64 {
        var value: UInt64 = 0
        withUnsafeMutableBytes(of: &value) { fill($0) }
        return value
    }

    /// A `RandomNumberGenerator` backed by the system CSPRNG, for APIs that take
    /// `inout some RandomNumberGenerator`.
    public struct Generator: RandomNumberGenerator, Sendable {
        /// Creates a generator; it holds no state.
        public init() {}

        /// Returns a uniformly random 64-bit integer from the system CSPRNG.
        public mutating func next() -> UInt64 { SystemRandom.uint64() }
    }
}

/// Compares two byte buffers in time that depends only on their lengths (`sodium_memcmp`).
///
/// - Returns: `true` when both buffers have the same length and the same bytes;
///   `false` at once when the lengths differ (lengths are not treated as secret).
public func constantTimeEquals(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    guard a.count == b.count else { return false }
    guard a.count > 0, let pa = a.baseAddress, let pb = b.baseAddress else { return true }
    Sodium.ensureInitialized()
    return sodium_memcmp(pa, pb, a.count) == 0
}

/// Compares two byte arrays in time that depends only on their lengths (`sodium_memcmp`).
///
/// - Returns: `true` when both arrays have the same length and the same bytes;
///   `false` at once when the lengths differ (lengths are not treated as secret).
public func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    a.withUnsafeBytes { pa in b.withUnsafeBytes { pb in constantTimeEquals(pa, pb) } }
}

/// Overwrites `buffer` with zeros in a way the compiler may not remove (`sodium_memzero`).
///
/// - Parameter buffer: The memory to wipe; may be empty.
public func secureZero(_ buffer: UnsafeMutableRawBufferPointer) {
    guard let base = buffer.baseAddress, buffer.count > 0 else { return }
    Sodium.ensureInitialized()
    sodium_memzero(base, buffer.count)
}
