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
}

/// Marker for G1 ⊂ E(Fp).
public enum G1Curve: CurveParameters {
    public typealias Field = Fp
    @inlinable public static var b: Fp { Fp.b }
    @inlinable public static var b3: Fp { Fp.b3 }
    public static var compressedSize: Int { 48 }
    public static var name: String { "G1" }
}

/// Marker for G2 ⊂ E'(Fp2).
public enum G2Curve: CurveParameters {
    public typealias Field = Fp2
    @inlinable public static var b: Fp2 { Fp2.b }
    @inlinable public static var b3: Fp2 { Fp2.b3 }
    public static var compressedSize: Int { 96 }
    public static var name: String { "G2" }
}

public typealias G1Affine = AffinePoint<G1Curve>
public typealias G2Affine = AffinePoint<G2Curve>
public typealias G1Projective = ProjectivePoint<G1Curve>
public typealias G2Projective = ProjectivePoint<G2Curve>

/// |z| for the BLS parameter z = -0xd201000000010000.
@usableFromInline let blsXAbs: UInt64 = 0xd201_0000_0001_0000
