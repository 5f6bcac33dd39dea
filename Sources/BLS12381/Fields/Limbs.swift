// Word-level helpers shared by Fp and Fr. Every one of them is branch-free: carries and borrows
// travel through UInt128 arithmetic, never through a `Bool` (which the optimiser may turn into
// a data-dependent branch, see SWIFT-NOTES.md).

/// a * b + t + c as a (low, high) pair. Cannot overflow: (2^64-1)^2 + 2(2^64-1) = 2^128 - 1.
@inlinable @inline(__always)
func mulAdd(_ a: UInt64, _ b: UInt64, _ t: UInt64, _ c: UInt64) -> (lo: UInt64, hi: UInt64) {
    let r = UInt128(a) &* UInt128(b) &+ UInt128(t) &+ UInt128(c)
    return (UInt64(truncatingIfNeeded: r), UInt64(truncatingIfNeeded: r &>> 64))
}

/// a + b + carry, carry in {0, 1}.
@inlinable @inline(__always)
func addCarry(_ a: UInt64, _ b: UInt64, _ carry: UInt64) -> (sum: UInt64, carry: UInt64) {
    let r = UInt128(a) &+ UInt128(b) &+ UInt128(carry)
    return (UInt64(truncatingIfNeeded: r), UInt64(truncatingIfNeeded: r &>> 64))
}

/// a - b - borrow, borrow in {0, 1}; the returned borrow is 1 when the result wrapped.
@inlinable @inline(__always)
func subBorrow(_ a: UInt64, _ b: UInt64, _ borrow: UInt64) -> (diff: UInt64, borrow: UInt64) {
    let r = UInt128(a) &- UInt128(b) &- UInt128(borrow)
    return (UInt64(truncatingIfNeeded: r), UInt64(truncatingIfNeeded: r &>> 127))
}

/// All-ones when `bit` is 1, zero when it is 0. `bit` must be 0 or 1.
@inlinable @inline(__always)
func maskFromBit(_ bit: UInt64) -> UInt64 { 0 &- bit }

/// 1 when `x` is zero, else 0, without branching.
@inlinable @inline(__always)
func isZeroBit(_ x: UInt64) -> UInt64 {
    // (x | -x) has its top bit set iff x != 0.
    return ((x | (0 &- x)) >> 63) ^ 1
}
