/// What the generic curve code needs from a coordinate field (Fp for G1, Fp2 for G2).
///
/// Every operation here is constant time unless its name ends in `Vartime`.
public protocol FieldElement: Equatable, Sendable {
    static var zero: Self { get }
    static var one: Self { get }
    static func + (lhs: Self, rhs: Self) -> Self
    static func - (lhs: Self, rhs: Self) -> Self
    static func * (lhs: Self, rhs: Self) -> Self
    static prefix func - (value: Self) -> Self
    func squared() -> Self
    func doubled() -> Self
    /// 1 when the element is zero, else 0 (constant time).
    var isZeroBit: UInt64 { get }
    /// 1 when equal, else 0 (constant time).
    func equalBit(_ other: Self) -> UInt64
    /// Constant-time inverse (Fermat); zero maps to zero.
    func inverse() -> Self
    /// Faster inverse for public data; zero maps to zero.
    func inverseVartime() -> Self
    /// Inverse of a secret nonzero element through a uniformly random blinding factor and the
    /// variable-time inversion (its timing depends only on the blinded value); zero maps to zero
    /// but is not hidden.
    func inverseBlinded() -> Self
    /// `a` when `bit` is 0, `b` when it is 1, without branching.
    static func select(_ a: Self, _ b: Self, _ bit: UInt64) -> Self
    /// A square root when one exists. Variable time in whether it exists; use on public data.
    func squareRootVartime() -> Self?
    /// Legendre symbol (1 square, -1 non-square, 0 zero). Variable time: public data only.
    var legendreVartime: Int { get }
    /// RFC 9380 sgn0.
    var sgn0: UInt64 { get }
    /// a·b + c·d with one reduction (lazy reduction; inputs reduced). Constant time.
    static func sumOfProducts(_ a: Self, _ b: Self, _ c: Self, _ d: Self) -> Self
    /// a·b − c·d with one reduction (lazy reduction; inputs reduced). Constant time.
    static func differenceOfProducts(_ a: Self, _ b: Self, _ c: Self, _ d: Self) -> Self
}

extension FieldElement {
    @inlinable public var isZero: Bool { isZeroBit == 1 }
}
