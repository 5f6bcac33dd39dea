import CSodium

/// Secret bytes kept in libsodium secure memory.
///
/// The bytes live in a `sodium_malloc` allocation: guard pages on both sides, locked
/// into RAM where the system allows it (`mlock`), and wiped and freed by `sodium_free`
/// when the value is destroyed. The type is non-copyable, so a secret has exactly one
/// owner; duplicates are made explicitly with ``copy()``. The bytes are lent out only
/// inside `withUnsafe…` closures and nothing in the API prints them.
public struct SecureBytes: ~Copyable {
    private let storage: UnsafeMutableRawPointer
    /// The number of secret bytes.
    public let count: Int

    /// Allocates `count` zero bytes of secure memory.
    ///
    /// - Parameter count: The number of bytes; must not be negative.
    public init(count: Int) {
        precondition(count >= 0, "SecureBytes: count must not be negative")
        Sodium.ensureInitialized()
        // sodium_malloc(0) is valid in libsodium, but one byte keeps the pointer non-nil everywhere.
        guard let pointer = sodium_malloc(Swift.max(count, 1)) else {
            fatalError("SecureBytes: sodium_malloc could not allocate \(count) bytes of secure memory")
        }
        sodium_memzero(pointer, Swift.max(count, 1))
        self.storage = pointer
        self.count = count
    }

    /// Copies `bytes` into a new secure allocation.
    ///
    /// The source collection is not wiped; prefer producing secrets directly in secure
    /// memory (``init(random:)``, ``withUnsafeMutableBytes(_:)``) where possible.
    /// - Parameter bytes: The bytes to copy.
    public init(copying bytes: some Collection<UInt8>) {
        self.init(count: bytes.count)
        let destination = UnsafeMutableRawBufferPointer(start: storage, count: count)
        var index = 0
        for byte in bytes {
            precondition(index < count, "SecureBytes: the collection yielded more elements than its count")
            destination[index] = byte
            index += 1
        }
    }

    /// Allocates `count` bytes of secure memory filled from the system CSPRNG.
    ///
    /// - Parameter count: The number of random bytes; must not be negative.
    public init(random count: Int) {
        self.init(count: count)
        SystemRandom.fill(UnsafeMutableRawBufferPointer(start: storage, count: count))
    }

    deinit {
        sodium_free(storage)  // wipes, then unlocks and frees
    }

    /// Lends the secret bytes, read-only, for the duration of `body`.
    ///
    /// - Parameter body: A closure that must not let the buffer escape.
    /// - Returns: What `body` returns.
    /// - Throws: What `body` throws.
    public func withUnsafeBytes<R, E: Error>(
        _ body: (UnsafeRawBufferPointer) throws(E) -> R
    ) throws(E) -> R {
        try body(UnsafeRawBufferPointer(start: storage, count: count))
    }

    /// Lends the secret bytes, writable, for the duration of `body`.
    ///
    /// - Parameter body: A closure that must not let the buffer escape.
    /// - Returns: What `body` returns.
    /// - Throws: What `body` throws.
    public mutating func withUnsafeMutableBytes<R, E: Error>(
        _ body: (UnsafeMutableRawBufferPointer) throws(E) -> R
    ) throws(E) -> R {
        try body(UnsafeMutableRawBufferPointer(start: storage, count: count))
    }

    /// Returns an independent secure copy of these bytes.
    public func copy() -> SecureBytes {
        var duplicate = SecureBytes(count: count)
        let source = UnsafeRawBufferPointer(start: storage, count: count)
        duplicate.withUnsafeMutableBytes { $0.copyMemory(from: source) }
        return duplicate
    }

    /// Compares with `other` in time that depends only on the lengths (`sodium_memcmp`).
    ///
    /// - Parameter other: The secret to compare with.
    /// - Returns: `true` when the lengths and all bytes are equal; `false` when the
    ///   lengths differ.
    public func constantTimeEquals(_ other: borrowing SecureBytes) -> Bool {
        guard count == other.count else { return false }
        return sodium_memcmp(storage, other.storage, count) == 0
    }
}

// The allocation is owned uniquely (the type is non-copyable) and never shared, so moving
// a value to another task is safe.
extension SecureBytes: @unchecked Sendable {}
