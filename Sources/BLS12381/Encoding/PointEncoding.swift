// The ZCash / Ethereum serialisation of BLS12-381 points
// (https://github.com/zkcrypto/pairing/tree/master/src/bls12_381#serialization).
//
// The three high bits of the first byte are flags: C (0x80) compressed, I (0x40) infinity,
// S (0x20) the sign of y (set when y is the lexicographically larger root). G1: x is 48 bytes
// big-endian. G2: x = x.c1 ‖ x.c0, each 48 bytes. Uncompressed forms append y the same way.

/// Why bytes did not decode to a group point.
public enum PointDecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input has neither the compressed nor the uncompressed length.
    case wrongLength(group: String, expected: [Int], actual: Int)
    /// Compressed length but the compression flag is clear, or uncompressed length with it set.
    case compressionFlagMismatch(group: String, length: Int)
    /// The infinity flag is set but other bits are not zero, or the sign flag is set on infinity.
    case nonCanonicalInfinity(group: String)
    /// The sign flag is set on an uncompressed encoding.
    case signFlagOnUncompressed(group: String)
    /// A coordinate is not below the field modulus p.
    case coordinateNotInField(group: String)
    /// The coordinates do not satisfy the curve equation (or x has no y).
    case notOnCurve(group: String)
    /// The point is on the curve but not in the prime-order subgroup.
    case notInSubgroup(group: String)
    /// The point is the point at infinity where a non-identity point is required.
    case infinityNotAllowed(group: String)

    public var description: String {
        switch self {
        case let .wrongLength(g, e, a):
            return "\(g) point: expected \(e.map(String.init).joined(separator: " or ")) bytes, got \(a)"
        case let .compressionFlagMismatch(g, l):
            return "\(g) point: the compression flag does not match the \(l)-byte length"
        case let .nonCanonicalInfinity(g): return "\(g) point: non-canonical encoding of the point at infinity"
        case let .signFlagOnUncompressed(g): return "\(g) point: sign flag set on an uncompressed encoding"
        case let .coordinateNotInField(g): return "\(g) point: coordinate is not below the field modulus"
        case let .notOnCurve(g): return "\(g) point: not on the curve"
        case let .notInSubgroup(g): return "\(g) point: not in the prime-order subgroup"
        case let .infinityNotAllowed(g): return "\(g) point: the point at infinity is not allowed here"
        }
    }
}

/// Whether a decoder checks subgroup membership. Checking is the default; skipping is for
/// points whose membership was established another way (e.g. trusted tables).
public enum SubgroupCheck: Sendable { case check, skip }

extension AffinePoint {
    /// The 48- or 96-byte compressed encoding.
    public func compressed() -> [UInt8] {
        if isInfinity {
            var out = [UInt8](repeating: 0, count: C.compressedSize)
            out[0] = 0xc0
            return out
        }
        var out = Self.fieldBytes(x)
        out[0] |= 0x80
        if Self.isLargest(y) { out[0] |= 0x20 }
        return out
    }

    /// The 96- or 192-byte uncompressed encoding.
    public func uncompressed() -> [UInt8] {
        if isInfinity {
            var out = [UInt8](repeating: 0, count: 2 * C.compressedSize)
            out[0] = 0x40
            return out
        }
        return Self.fieldBytes(x) + Self.fieldBytes(y)
    }

    /// Decodes either form, rejecting wrong lengths, bad flags, x or y ≥ p, points off the curve and,
    /// unless told to skip, points outside the prime-order subgroup.
    public init(decoding bytes: [UInt8], subgroupCheck: SubgroupCheck = .check) throws(PointDecodingError) {
        let n = C.compressedSize
        let g = C.name
        guard bytes.count == n || bytes.count == 2 * n else {
            throw .wrongLength(group: g, expected: [n, 2 * n], actual: bytes.count)
        }
        let compressedFlag = bytes[0] & 0x80 != 0
        let infinityFlag = bytes[0] & 0x40 != 0
        let signFlag = bytes[0] & 0x20 != 0
        guard compressedFlag == (bytes.count == n) else { throw .compressionFlagMismatch(group: g, length: bytes.count) }
        if !compressedFlag && signFlag { throw .signFlagOnUncompressed(group: g) }
        var body = bytes
        body[0] &= 0x1f
        if infinityFlag {
            guard !signFlag, body.allSatisfy({ $0 == 0 }) else { throw .nonCanonicalInfinity(group: g) }
            self = .infinity
            return
        }
        guard let x = Self.field(from: body[0..<n]) else { throw .coordinateNotInField(group: g) }
        let y: C.Field
        if compressedFlag {
            guard let root = (x.squared() * x + C.b).squareRootVartime() else { throw .notOnCurve(group: g) }
            y = Self.isLargest(root) == signFlag ? root : -root
        } else {
            guard let yy = Self.field(from: body[n..<(2 * n)]) else { throw .coordinateNotInField(group: g) }
            y = yy
        }
        let p = AffinePoint(x: x, y: y)
        // An uncompressed (x, y) = (0, 0) would read as infinity: it is not on either curve.
        guard !p.isInfinity, p.isOnCurve else { throw .notOnCurve(group: g) }
        if subgroupCheck == .check {
            guard Self.inSubgroup(p) else { throw .notInSubgroup(group: g) }
        }
        self = p
    }

    static func fieldBytes(_ v: C.Field) -> [UInt8] { C.encode(v) }
    static func field(from bytes: ArraySlice<UInt8>) -> C.Field? { C.decode(bytes) }
    static func isLargest(_ v: C.Field) -> Bool { C.isLexicographicallyLargest(v) }
    static func inSubgroup(_ p: AffinePoint) -> Bool { C.isInSubgroup(ProjectivePoint(p)) }

    /// True when the point is in the prime-order subgroup.
    public var isInSubgroup: Bool { Self.inSubgroup(self) }
}
