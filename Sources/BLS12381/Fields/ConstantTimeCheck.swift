import CBarrier

/// Constant-time checking under valgrind's memcheck (`vring ct-check`; see
/// Sources/CBarrier/include/vring_barrier.h). Memory marked secret is "undefined" to memcheck,
/// which reports every conditional branch and every memory address computed from it. The engine
/// marks a value public only where docs/CONSTANT_TIME.md says its revelation is harmless: the
/// blinded product of `inverseBlinded` (uniform, independent of the secret) and the
/// negligible-probability fallbacks of the batched multiplications. Outside valgrind these are
/// no-ops.
package enum ConstantTimeCheck {
    /// True when running under valgrind with the client requests compiled in.
    package static var isAvailable: Bool { vring_ct_checking_available() == 1 }

    /// Marks the bytes of `value` secret (undefined to memcheck).
    @inlinable
    package static func markSecret<T>(_ value: inout T) {
        withUnsafeMutableBytes(of: &value) { vring_ct_mark_secret($0.baseAddress, UInt($0.count)) }
    }

    /// Marks the bytes of `value` public (defined to memcheck).
    @inlinable
    package static func markPublic<T>(_ value: inout T) {
        withUnsafeMutableBytes(of: &value) { vring_ct_mark_public($0.baseAddress, UInt($0.count)) }
    }

    /// Marks the bytes of a buffer secret (undefined to memcheck).
    package static func markSecret(_ buffer: UnsafeRawBufferPointer) {
        vring_ct_mark_secret(buffer.baseAddress, UInt(buffer.count))
    }

    /// `value`, declared public: for a value whose revelation is harmless by construction.
    @inlinable
    package static func declassified<T>(_ value: T) -> T {
        var v = value
        markPublic(&v)
        return v
    }
}
