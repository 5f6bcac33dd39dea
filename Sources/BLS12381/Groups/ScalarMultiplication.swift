extension ProjectivePoint {
    /// [k]P for a secret scalar: fixed 4-bit windows over all 256 bits of k, each table entry
    /// read by a full constant-time scan, complete addition formulas. No branch or memory access
    /// depends on k.
    @inlinable
    public func multiplied(by k: Fr) -> ProjectivePoint {
        let c = k.canonicalLimbs
        return withUnsafeTemporaryAllocation(of: ProjectivePoint.self, capacity: 16) { table in
            table.initialize(repeating: .infinity)
            table[1] = self
            for j in 2..<16 { table[j] = (j & 1 == 0) ? table[j / 2].doubled() : table[j - 1] + self }
            var r = ProjectivePoint.infinity
            for i in stride(from: 63, through: 0, by: -1) {
                r = r.doubled().doubled().doubled().doubled()
                let limb: UInt64
                switch i >> 4 {  // the limb index depends only on the loop counter
                case 0: limb = c.0
                case 1: limb = c.1
                case 2: limb = c.2
                default: limb = c.3
                }
                let nibble = (limb >> UInt64(4 * (i & 15))) & 0xf
                var sel = ProjectivePoint.infinity
                for j in 0..<16 {
                    sel = ProjectivePoint.select(sel, table[j], isZeroBit(nibble ^ UInt64(j)))
                }
                r = r + sel
            }
            return r
        }
    }

    /// [k]P for a public scalar. Variable time.
    @inlinable
    public func multipliedVartime(by k: Fr) -> ProjectivePoint {
        let c = k.canonicalLimbs
        return multipliedVartime(by: [c.0, c.1, c.2, c.3])
    }

}

/// Width-w non-adjacent form of a little-endian multi-limb integer, least significant digit first.
/// Digits are odd and in (-2^(w-1), 2^(w-1)) or zero.
@usableFromInline
func wnaf(_ limbs: [UInt64], width w: Int) -> [Int8] {
    var k = limbs + [0]
    var out = [Int8]()
    out.reserveCapacity(64 * limbs.count + 1)
    let window = UInt64(1) << UInt64(w)
    func isZero() -> Bool { k.allSatisfy { $0 == 0 } }
    while !isZero() {
        var digit: Int64 = 0
        if k[0] & 1 == 1 {
            let m = Int64(k[0] & (window - 1))
            digit = m >= Int64(window >> 1) ? m - Int64(window) : m
            // k -= digit
            if digit > 0 {
                var borrow = UInt64(digit)
                for i in 0..<k.count where borrow != 0 {
                    let (d, o) = k[i].subtractingReportingOverflow(borrow)
                    k[i] = d; borrow = o ? 1 : 0
                }
            } else {
                var carry = UInt64(-digit)
                for i in 0..<k.count where carry != 0 {
                    let (s, o) = k[i].addingReportingOverflow(carry)
                    k[i] = s; carry = o ? 1 : 0
                }
            }
        }
        out.append(Int8(digit))
        // k >>= 1
        for i in 0..<k.count {
            k[i] = (k[i] >> 1) | (i + 1 < k.count ? k[i + 1] << 63 : 0)
        }
    }
    return out
}
