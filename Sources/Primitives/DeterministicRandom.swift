import CSodium

/// A cryptographically secure, replayable random stream: the ChaCha20 (IETF) keystream under a
/// secret 32-byte seed, read 64-byte block by block.
///
/// A ceremony member draws its protocol randomness from one of these, seeded from fresh system
/// randomness that it persists (sealed) in its data directory. After a crash it reloads the seed,
/// replays what it had received, and so regenerates exactly the messages it already sent: a
/// restarted member never contradicts itself (which the others would see as equivocation).
/// Unlike `SplitMix64` (public, for simulations), its output is fit for secret coefficients.
public final class DeterministicRandom: RandomNumberGenerator, @unchecked Sendable {
    private let key: SecureBytes
    private var block = SecureBytes(count: 64)
    private var counter: UInt32 = 0
    private var offset = 64

    /// - Parameter seed: 32 secret bytes (copied into secure memory).
    /// - Throws: `IdentityError.invalidLength` unless the seed is 32 bytes.
    public init(seed: borrowing SecureBytes) throws(IdentityError) {
        guard seed.count == 32 else { throw .invalidLength(what: "random seed", expected: 32, actual: seed.count) }
        Sodium.ensureInitialized()
        key = seed.copy()
    }

    public func next() -> UInt64 {
        if offset + 8 > 64 { refill() }
        let value: UInt64 = block.withUnsafeBytes { b in
            var v: UInt64 = 0
            for i in 0..<8 { v |= UInt64(b[offset + i]) << (8 * UInt64(i)) }
            return v
        }
        offset += 8
        return value
    }

    private func refill() {
        let nonce = [UInt8](repeating: 0, count: 12)
        let zeros = [UInt8](repeating: 0, count: 64)
        key.withUnsafeBytes { k in
            block.withUnsafeMutableBytes { out in
                _ = crypto_stream_chacha20_ietf_xor_ic(out.baseAddress!.assumingMemoryBound(to: UInt8.self), zeros, 64, nonce, counter,
                                                       k.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
        }
        precondition(counter < UInt32.max, "DeterministicRandom: stream exhausted (256 GiB)")
        counter += 1
        offset = 0
    }
}
