import BLS12381
import Primitives

// Canonical binary encoding: big-endian fixed-width integers, explicit lengths, nothing
// optional or reorderable. A reader refuses short input and `finish()` refuses trailing bytes,
// so exactly one byte string decodes to each value.

/// Appends canonical big-endian fields to a byte buffer.
package struct ByteWriter {
    package private(set) var bytes: [UInt8] = []
    package init() {}

    package mutating func u8(_ v: UInt8) { bytes.append(v) }
    package mutating func u16(_ v: UInt16) { bytes.append(UInt8(v >> 8)); bytes.append(UInt8(v & 0xff)) }
    package mutating func u32(_ v: UInt32) { for s in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8((v >> UInt32(s)) & 0xff)) } }
    package mutating func u64(_ v: UInt64) { for s in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8((v >> UInt64(s)) & 0xff)) } }
    /// Raw bytes of a length fixed by the format.
    package mutating func fixed(_ b: [UInt8]) { bytes.append(contentsOf: b) }
    /// A u32 length prefix and the bytes.
    package mutating func variable(_ b: [UInt8]) { u32(UInt32(b.count)); bytes.append(contentsOf: b) }
}

/// Reads canonical fields; every failure is a `DKGMessageError.malformed` naming the field.
package struct ByteReader {
    private let bytes: [UInt8]
    private(set) var offset: Int = 0
    package init(_ bytes: [UInt8]) { self.bytes = bytes }

    package var remaining: Int { bytes.count - offset }

    package mutating func fixed(_ n: Int, _ field: String) throws(DKGMessageError) -> [UInt8] {
        guard n >= 0, remaining >= n else { throw .malformed("\(field): truncated (need \(n) bytes, have \(remaining))") }
        defer { offset += n }
        return Array(bytes[offset..<(offset + n)])
    }
    package mutating func u8(_ field: String) throws(DKGMessageError) -> UInt8 { try fixed(1, field)[0] }
    package mutating func u16(_ field: String) throws(DKGMessageError) -> UInt16 {
        let b = try fixed(2, field); return UInt16(b[0]) << 8 | UInt16(b[1])
    }
    package mutating func u32(_ field: String) throws(DKGMessageError) -> UInt32 {
        let b = try fixed(4, field); return b.reduce(0) { $0 << 8 | UInt32($1) }
    }
    package mutating func u64(_ field: String) throws(DKGMessageError) -> UInt64 {
        let b = try fixed(8, field); return b.reduce(0) { $0 << 8 | UInt64($1) }
    }
    package mutating func variable(_ field: String, max: Int) throws(DKGMessageError) -> [UInt8] {
        let n = Int(try u32(field + " length"))
        guard n <= max else { throw .malformed("\(field): length \(n) exceeds \(max)") }
        return try fixed(n, field)
    }
    /// A 48-byte compressed G1 point, on the curve and in the subgroup.
    package mutating func g1(_ field: String) throws(DKGMessageError) -> G1Affine {
        let b = try fixed(48, field)
        guard b[0] & 0x80 != 0 else { throw .malformed("\(field): not a compressed point") }
        do { return try G1Affine(decoding: b) } catch { throw .malformed("\(field): \(error)") }
    }
    /// A 48-byte compressed G1 point on the curve, *not* checked for subgroup membership (the
    /// caller checks it, or an aggregate of it, before anything depends on it).
    package mutating func g1OnCurve(_ field: String) throws(DKGMessageError) -> G1Affine {
        let b = try fixed(48, field)
        guard b[0] & 0x80 != 0 else { throw .malformed("\(field): not a compressed point") }
        do { return try G1Affine(decoding: b, subgroupCheck: .skip) } catch { throw .malformed("\(field): \(error)") }
    }
    /// A 32-byte canonical (below r) big-endian scalar.
    package mutating func scalar(_ field: String) throws(DKGMessageError) -> Fr {
        let b = try fixed(32, field)
        guard let s = Fr(bigEndian: b) else { throw .malformed("\(field): scalar not below the group order") }
        return s
    }
    /// Refuses trailing bytes.
    package func finish(_ what: String) throws(DKGMessageError) {
        guard remaining == 0 else { throw .nonCanonical("\(remaining) trailing byte(s) after the \(what)") }
    }
}

/// A labelled Fiat–Shamir / hashing transcript: every item is appended as
/// (u32 label length, label, u32 data length, data), so no two statements share an encoding.
package struct Transcript {
    private var writer = ByteWriter()

    /// Starts a transcript with a domain-separation label.
    package init(domain: String) { append("domain", Array(domain.utf8)) }

    package mutating func append(_ label: String, _ data: [UInt8]) {
        writer.variable(Array(label.utf8))
        writer.variable(data)
    }
    package mutating func append(_ label: String, u64 value: UInt64) {
        var w = ByteWriter(); w.u64(value); append(label, w.bytes)
    }

    /// SHA-256 of the transcript so far.
    package func digest() -> [UInt8] { SHA256.hash(writer.bytes) }

    /// A challenge scalar: 64 bytes (two SHA-256 blocks with distinct suffixes) reduced mod r,
    /// so the bias is below 2^-250.
    package func challenge(_ label: String) -> Fr {
        var a = self; a.append("challenge", Array(label.utf8) + [0])
        var b = self; b.append("challenge", Array(label.utf8) + [1])
        return Fr(reducingBigEndian: a.digest() + b.digest())
    }
}
