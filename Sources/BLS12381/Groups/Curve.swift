/// One of the two curves of BLS12-381: E: y^2 = x^3 + 4 over Fp (G1) or E': y^2 = x^3 + 4(1+u)
/// over Fp2 (G2, the M-type sextic twist). The point code is written once against this.
public protocol CurveParameters: Sendable {
    associatedtype Field: FieldElement
    /// The coefficient b.
    static var b: Field { get }
    /// 3b, used by the complete formulas.
    static var b3: Field { get }
    /// Compressed encoding size in bytes (48 or 96).
    static var compressedSize: Int { get }
    /// A short name for messages ("G1" or "G2").
    static var name: String { get }
    /// 3b·t, by additions rather than a multiplication.
    static func mulByB3(_ t: Field) -> Field
    /// The big-endian encoding of a coordinate (48 or 96 bytes; Fp2 as c1 ‖ c0).
    static func encode(_ v: Field) -> [UInt8]
    /// A coordinate from its encoding; nil when not canonical (≥ p).
    static func decode(_ bytes: ArraySlice<UInt8>) -> Field?
    /// The ZCash sign flag: the coordinate is the lexicographically larger root.
    static func isLexicographicallyLargest(_ v: Field) -> Bool
    /// Prime-order subgroup membership (endomorphism test).
    static func isInSubgroup(_ p: ProjectivePoint<Self>) -> Bool
    /// [k]P for a secret k and P in the prime-order subgroup, constant time (GLV on G1, GLS on G2).
    static func multiplyConstantTime(_ p: ProjectivePoint<Self>, by k: Fr) -> ProjectivePoint<Self>
}

/// Marker for G1 ⊂ E(Fp).
public enum G1Curve: CurveParameters {
    public typealias Field = Fp
    @inlinable public static var b: Fp { Fp.b }
    @inlinable public static var b3: Fp { Fp.b3 }
    public static var compressedSize: Int { 48 }
    public static var name: String { "G1" }
    @inlinable @inline(__always)
    public static func mulByB3(_ t: Fp) -> Fp {
        let t4 = t.doubled().doubled()
        return t4.doubled() + t4  // 12t
    }
    public static func encode(_ v: Fp) -> [UInt8] { v.bigEndianBytes }
    public static func decode(_ bytes: ArraySlice<UInt8>) -> Fp? { Fp(bigEndian: bytes) }
    public static func isLexicographicallyLargest(_ v: Fp) -> Bool { v.isLexicographicallyLargest }
    public static func isInSubgroup(_ p: G1Projective) -> Bool { p.isInSubgroup }
    /// The generator itself (as `G1Projective(G1Affine.generator)` gives it; the base point is
    /// public, so branching on it is fine) goes through its precomputed table, any other point
    /// through GLV; both are constant time in k.
    @inlinable public static func multiplyConstantTime(_ p: G1Projective, by k: Fr) -> G1Projective {
        if isGenerator(p) { return FixedBaseTable.generator.multiply(k) }
        return p.multipliedGLV(by: k)
    }

    @usableFromInline static func isGenerator(_ p: G1Projective) -> Bool {
        let g = G1Affine.generator
        return p.z == .one && p.x == g.x && p.y == g.y
    }
}

/// Marker for G2 ⊂ E'(Fp2).
public enum G2Curve: CurveParameters {
    public typealias Field = Fp2
    @inlinable public static var b: Fp2 { Fp2.b }
    @inlinable public static var b3: Fp2 { Fp2.b3 }
    public static var compressedSize: Int { 96 }
    public static var name: String { "G2" }
    @inlinable @inline(__always)
    public static func mulByB3(_ t: Fp2) -> Fp2 {
        let t4 = t.mulByNonResidue().doubled().doubled()
        return t4.doubled() + t4  // 12(1+u)t
    }
    public static func encode(_ v: Fp2) -> [UInt8] { v.c1.bigEndianBytes + v.c0.bigEndianBytes }
    public static func decode(_ bytes: ArraySlice<UInt8>) -> Fp2? {
        guard bytes.count == 96, let c1 = Fp(bigEndian: bytes.prefix(48)), let c0 = Fp(bigEndian: bytes.suffix(48)) else { return nil }
        return Fp2(c0, c1)
    }
    public static func isLexicographicallyLargest(_ v: Fp2) -> Bool { v.isLexicographicallyLargest }
    public static func isInSubgroup(_ p: G2Projective) -> Bool { p.isInSubgroup }
    @inlinable public static func multiplyConstantTime(_ p: G2Projective, by k: Fr) -> G2Projective { p.multipliedGLS(by: k) }
}

public typealias G1Affine = AffinePoint<G1Curve>
public typealias G2Affine = AffinePoint<G2Curve>
public typealias G1Projective = ProjectivePoint<G1Curve>
public typealias G2Projective = ProjectivePoint<G2Curve>

/// |z| for the BLS parameter z = -0xd201000000010000.
@usableFromInline let blsXAbs: UInt64 = 0xd201_0000_0001_0000
