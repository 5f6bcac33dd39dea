import CGMP

/// Allocation-free, variable-time helpers over GMP's `mpn` layer for the field code.
///
/// **Variable time: public data only.** These run GMP's extended GCD and Jacobi symbol,
/// whose running time depends on the values. Secrets must use constant-time code
/// (Fermat inversion or `mpn_sec_invert`).
///
/// Numbers are arrays of `count` 64-bit limbs, least significant first. Scratch space is
/// taken with `withUnsafeTemporaryAllocation` (on the stack for field-sized inputs) and
/// GMP's own temporaries use `alloca` at these sizes, so no heap allocation happens.
public enum GMPField {
    /// Computes `result = a⁻¹ mod m`.
    ///
    /// - Parameters:
    ///   - a: `count` limbs; need not be reduced modulo `m`.
    ///   - m: The modulus, `count` limbs, greater than one (its top limbs may be zero).
    ///   - count: The number of limbs of `a`, `m` and `result`; at least 1.
    ///   - result: Receives `count` limbs of the inverse, in `0..<m`; untouched on failure.
    /// - Returns: `false` when `a` has no inverse (`a ≡ 0 mod m`, or more generally
    ///   `gcd(a, m) ≠ 1`).
    public static func inverseVartime(
        _ a: UnsafePointer<UInt64>, modulus m: UnsafePointer<UInt64>, count: Int,
        result: UnsafeMutablePointer<UInt64>
    ) -> Bool {
        precondition(UInt.bitWidth == 64, "GMPField requires 64-bit GMP limbs")
        precondition(count > 0, "GMPField.inverseVartime: count must be positive")
        var mCount = count
        while mCount > 0 && m[mCount - 1] == 0 { mCount -= 1 }
        precondition(mCount > 1 || (mCount == 1 && m[0] > 1), "GMPField.inverseVartime: modulus must be greater than one")

        // Scratch layout (limbs): u [count + 2], v [mCount + 1], s [count + 3], g [mCount],
        // q [count + 1] (quotient of the optional reduction).
        let scratchCount = (count + 2) + (mCount + 1) + (count + 3) + mCount + (count + 1)
        return withUnsafeTemporaryAllocation(of: UInt.self, capacity: scratchCount) { scratch in
            let base = scratch.baseAddress!
            base.initialize(repeating: 0, count: scratchCount)
            let u = base
            let v = u + (count + 2)
            let s = v + (mCount + 1)
            let g = s + (count + 3)
            let q = g + mCount

            // v = m (normalised so that its top limb is non-zero, as mpn_gcdext requires).
            for i in 0..<mCount { v[i] = UInt(m[i]) }
            // u = a mod m.
            var aCount = count
            while aCount > 0 && a[aCount - 1] == 0 { aCount -= 1 }
            for i in 0..<aCount { u[i] = UInt(a[i]) }
            if aCount > mCount || (aCount == mCount && __gmpn_cmp(u, v, mCount) >= 0) {
                // mpn_tdiv_qr writes the remainder (mCount limbs) to a separate area: use s.
                __gmpn_tdiv_qr(q, s, 0, u, aCount, v, mCount)
                for i in 0..<(count + 2) { u[i] = i < mCount ? s[i] : 0 }
                for i in 0..<(count + 3) { s[i] = 0 }
            }
            // u = (a mod m) + m: congruent to a, at least m, so un >= vn and u's top limb is
            // non-zero, which is what mpn_gcdext asks of its first operand.
            let carry = __gmpn_add_n(u, u, v, mCount)
            u[mCount] = carry
            let uCount = carry != 0 ? mCount + 1 : mCount

            // g = gcd(u, m) = u·s + m·t (t not computed), so u·s ≡ g (mod m).
            // |s| < m / (2g) or s = 1; s = 0 only when m divides u, i.e. a ≡ 0.
            var sSigned = 0
            let gCount = __gmpn_gcdext(g, s, &sSigned, u, uCount, v, mCount)
            guard gCount == 1, g[0] == 1, sSigned != 0 else { return false }

            if sSigned > 0 {
                for i in 0..<count { result[i] = i < sSigned ? UInt64(s[i]) : 0 }
            } else {
                // The inverse is m - |s|; |s| < m so this is in 1..<m. The original m is
                // re-read because mpn_gcdext destroyed v.
                let sCount = -sSigned
                var borrow: UInt64 = 0
                for i in 0..<count {
                    let subtrahend = i < sCount ? UInt64(s[i]) : 0
                    let (d1, o1) = m[i].subtractingReportingOverflow(subtrahend)
                    let (d2, o2) = d1.subtractingReportingOverflow(borrow)
                    result[i] = d2
                    borrow = (o1 || o2) ? 1 : 0
                }
            }
            return true
        }
    }

    /// Returns the Legendre symbol `(a | m)` for an odd prime `m`: 1 when `a` is a non-zero
    /// square modulo `m`, -1 when it is not a square, 0 when `a ≡ 0`.
    ///
    /// - Parameters:
    ///   - a: `count` limbs; need not be reduced.
    ///   - m: An odd prime, `count` limbs (not checked; otherwise this is the Jacobi symbol).
    ///   - count: The number of limbs of `a` and `m`.
    public static func legendreVartime(_ a: UnsafePointer<UInt64>, modulus m: UnsafePointer<UInt64>, count: Int) -> Int {
        precondition(UInt.bitWidth == 64, "GMPField requires 64-bit GMP limbs")
        precondition(count > 0 && m[0] & 1 == 1, "GMPField.legendreVartime: modulus must be odd")
        var aValue = __mpz_struct()
        var mValue = __mpz_struct()
        // mpz_roinit_n wraps existing limbs as a read-only mpz without copying or allocating.
        return a.withMemoryRebound(to: UInt.self, capacity: count) { aLimbs in
            m.withMemoryRebound(to: UInt.self, capacity: count) { mLimbs in
                withUnsafeMutablePointer(to: &aValue) { aPointer in
                    withUnsafeMutablePointer(to: &mValue) { mPointer in
                        Int(__gmpz_jacobi(
                            __gmpz_roinit_n(aPointer, aLimbs, count),
                            __gmpz_roinit_n(mPointer, mLimbs, count)))
                    }
                }
            }
        }
    }
}
