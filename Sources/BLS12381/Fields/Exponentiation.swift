/// What fixed-exponent exponentiation needs.
public protocol MultiplicativeMonoid: Sendable {
    static var one: Self { get }
    static func * (lhs: Self, rhs: Self) -> Self
    func squared() -> Self
}

extension Fp: MultiplicativeMonoid {}
extension Fp2: MultiplicativeMonoid {}
extension Fp6: MultiplicativeMonoid {}
extension Fp12: MultiplicativeMonoid {}
extension Fr: MultiplicativeMonoid {}

/// base^e for a PUBLIC exponent (little-endian limbs) by sliding windows of up to 5 bits (4 below
/// 320 bits, where the 16-entry table does not pay for itself): about bits squarings +
/// bits/(w + 1) products. The sequence of operations depends only on the exponent, never on the
/// base, so it is constant time in the base (used for Fermat inversion of secrets). Bits are read
/// straight from the limbs and the odd powers live on the stack: no allocation (the bit array
/// and table this replaced cost ≈ 8 % of a 381-bit exponentiation in instructions).
@inlinable
public func powerPublicExponent<T: MultiplicativeMonoid>(_ base: T, _ e: [UInt64]) -> T {
    @inline(__always) func bit(_ i: Int) -> Int { Int(truncatingIfNeeded: (e[i &>> 6] &>> UInt64(i & 63)) & 1) }
    var i = e.count * 64 - 1
    while i >= 0 && bit(i) == 0 { i -= 1 }
    if i < 0 { return T.one }
    let window = i >= 320 ? 5 : 4
    let count = 1 << (window - 1)
    return withUnsafeTemporaryAllocation(of: T.self, capacity: count) { odd in
        // odd[k] = base^(2k + 1)
        let b2 = base.squared()
        odd.initializeElement(at: 0, to: base)
        for k in 1..<count { odd.initializeElement(at: k, to: odd[k - 1] * b2) }
        defer { _ = odd.deinitialize() }
        var r = T.one
        var started = false
        while i >= 0 {
            if bit(i) == 0 {
                if started { r = r.squared() }
                i -= 1
                continue
            }
            // the longest window of at most `window` bits that ends in a 1
            var j = Swift.max(i - window + 1, 0)
            while bit(j) == 0 { j += 1 }
            var value = 0
            for k in stride(from: i, through: j, by: -1) {
                value = value << 1 | bit(k)
                if started { r = r.squared() }
            }
            r = started ? r * odd[value >> 1] : odd[value >> 1]
            started = true
            i = j - 1
        }
        return r
    }
}
