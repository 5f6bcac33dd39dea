import CBarrier

// Word-level helpers shared by Fp and Fr. Every one of them is branch-free: carries travel
// through UInt128 arithmetic, never through a `Bool` inside the products (which the optimiser
// turned into data-dependent branches there, see SWIFT-NOTES.md); borrows are the one exception
// (`subBorrow`, below), checked by `vring ct-check`.

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
///
/// The one helper that forms its result from overflow flags rather than from UInt128: two
/// `subtractingReportingOverflow` whose flags are or-ed is the pattern LLVM's x86 backend turns
/// into one `sbb` per limb, and a mask of the final borrow into `cmovb`. The UInt128 form
/// (`(a - b - borrow) >> 127`) compiled into `add`/`adc $-1`/`sar $63`/`add`/`adc $0` per limb:
/// the Fp product went from 690 to 658 instructions, `+` from 91 to 53 and `-` from 74 to 48
/// (stand-alone, `swiftc -O -wmo`, 2026-11-30). Branch-free in the generated code; `vring ct-check`
/// under memcheck is what keeps it so.
@inlinable @inline(__always)
func subBorrow(_ a: UInt64, _ b: UInt64, _ borrow: UInt64) -> (diff: UInt64, borrow: UInt64) {
    let (d1, o1) = a.subtractingReportingOverflow(b)
    let (d2, o2) = d1.subtractingReportingOverflow(borrow)
    return (d2, UInt64(o1 ? 1 : 0) | UInt64(o2 ? 1 : 0))
}

/// All-ones when `bit` is 1, zero when it is 0. `bit` must be 0 or 1. The mask passes an
/// optimisation barrier (`vring_value_barrier`, an empty assembly statement): without it LLVM
/// saw that a masked scan of a table (`acc = select(acc, t[j], j == index)`) picks one entry,
/// and compiled it into a loop that branched on j == index and loaded only that entry — a
/// secret-dependent branch and memory access (found 2026-11-30 in the batched fixed-base and
/// Straus lookups; docs/CONSTANT_TIME.md).
@inlinable @inline(__always)
package func maskFromBit(_ bit: UInt64) -> UInt64 { vring_value_barrier(0 &- bit) }

/// All-ones when a borrow or carry `bit` is 1: the mask of the modular corrections inside field
/// arithmetic that select between values already in registers (subtract p once, Fr's add-back).
/// Without the barrier, which measured +3 % on the pairing and the scalar multiplications there
/// (it stops LLVM from merging the mask into its carry arithmetic); `vring ct-check` under
/// memcheck is what shows these stay branch-free. A mask that ANDs a constant read from memory
/// (Fp's p, see vring_barrier.h) must be `maskFromBit`: LLVM turned `load & mask` into a branch
/// around the load.
@inlinable @inline(__always)
func borrowMask(_ bit: UInt64) -> UInt64 { 0 &- bit }

/// 1 when `x` is zero, else 0, without branching.
@inlinable @inline(__always)
func isZeroBit(_ x: UInt64) -> UInt64 {
    // (x | -x) has its top bit set iff x != 0.
    return ((x | (0 &- x)) >> 63) ^ 1
}

/// Limb k (bits 64k ..< 64k + 64) of the big-endian integer held in `bytes`. Which bytes are read
/// depends only on the length and k, never on their values.
@inline(__always)
func bigEndianLimb(_ bytes: UnsafeBufferPointer<UInt8>, _ k: Int) -> UInt64 {
    let end = bytes.count - 8 * k
    var v: UInt64 = 0
    if end > 0 {
        for i in Swift.max(0, end - 8)..<end { v = (v << 8) | UInt64(bytes[i]) }
    }
    return v
}

/// Runs `body` on the bytes of `bytes` in one contiguous buffer: the collection's own storage when
/// it has one (arrays, slices, Data), else a copy that is zeroed afterwards. Inlinable, so the
/// generic byte-decoding entry points specialise in the caller's module and only the
/// non-generic body below them is shared.
@inlinable @inline(__always)
func withContiguousBytes<R>(_ bytes: some Collection<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
    if let r = bytes.withContiguousStorageIfAvailable(body) { return r }
    var copy = Array(bytes)
    defer { for i in copy.indices { copy[i] = 0 } }
    return copy.withUnsafeBufferPointer(body)
}
