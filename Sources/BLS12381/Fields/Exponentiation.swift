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

/// base^e for a PUBLIC exponent (little-endian limbs) by 4-bit sliding windows: about
/// bits squarings + bits/5 products. The sequence of operations depends only on the exponent,
/// never on the base, so it is constant time in the base (used for Fermat inversion of secrets).
@inlinable
public func powerPublicExponent<T: MultiplicativeMonoid>(_ base: T, _ e: [UInt64]) -> T {
    // odd powers base^1, base^3, …, base^15
    let b2 = base.squared()
    var odd = [T](repeating: base, count: 8)
    for i in 1..<8 { odd[i] = odd[i - 1] * b2 }
    var bits = [UInt8]()
    bits.reserveCapacity(e.count * 64)
    for limb in e { for i in 0..<64 { bits.append(UInt8((limb >> UInt64(i)) & 1)) } }
    while let last = bits.last, last == 0 { bits.removeLast() }
    var r = T.one
    var started = false
    var i = bits.count - 1
    while i >= 0 {
        if bits[i] == 0 {
            if started { r = r.squared() }
            i -= 1
            continue
        }
        // longest window of at most 4 bits ending in a 1
        var j = max(i - 3, 0)
        while bits[j] == 0 { j += 1 }
        var value = 0
        for k in stride(from: i, through: j, by: -1) {
            value = value << 1 | Int(bits[k])
            if started { r = r.squared() }
        }
        r = started ? r * odd[value >> 1] : odd[value >> 1]
        started = true
        i = j - 1
    }
    return r
}
