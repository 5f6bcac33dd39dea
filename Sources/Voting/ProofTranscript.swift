import BLS12381
import Primitives

/// Canonical, length-prefixed bytes for signed messages and hashed statements.
package struct ByteWriter {
    package private(set) var bytes: [UInt8] = []
    package init() {}

    package mutating func u32(_ v: UInt32) { for s in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8((v >> UInt32(s)) & 0xff)) } }
    package mutating func u64(_ v: UInt64) { for s in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8((v >> UInt64(s)) & 0xff)) } }
    /// Raw bytes of a length fixed by the format.
    package mutating func fixed(_ b: [UInt8]) { bytes.append(contentsOf: b) }
    /// A u64 length prefix and the bytes.
    package mutating func variable(_ b: [UInt8]) { u64(UInt64(b.count)); bytes.append(contentsOf: b) }
    package mutating func point(_ p: G1Affine) { bytes.append(contentsOf: p.compressed()) }
    package mutating func scalar(_ s: Fr) { bytes.append(contentsOf: s.bigEndianBytes) }
}

/// A labelled Fiat–Shamir transcript (the same design as the DKG's): every append writes a
/// length-prefixed label and a length-prefixed value, so no two different statements hash the
/// same bytes. Challenges hash the *whole* statement appended so far (strong Fiat–Shamir:
/// Bernhard, Pereira, Warinschi, "How not to prove yourself", ASIACRYPT 2012).
package struct ProofTranscript {
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
    package mutating func append(_ label: String, point: G1Affine) { append(label, point.compressed()) }
    package mutating func append(_ label: String, scalar: Fr) { append(label, scalar.bigEndianBytes) }
    /// A list of points: the count, then the 48-byte encodings (one length-prefixed value).
    package mutating func append(_ label: String, points: [G1Affine]) {
        var w = ByteWriter()
        w.u64(UInt64(points.count))
        for p in points { w.point(p) }
        append(label, w.bytes)
    }
    package mutating func append(_ label: String, ciphertexts: [Ciphertext]) {
        var w = ByteWriter()
        w.u64(UInt64(ciphertexts.count))
        for c in ciphertexts { w.point(c.a); w.point(c.b) }
        append(label, w.bytes)
    }

    /// SHA-256 of the transcript so far.
    package func digest() -> [UInt8] { SHA256.hash(writer.bytes) }

    /// A challenge scalar: 64 bytes (two SHA-256 blocks with distinct suffixes) reduced mod r,
    /// so the bias is below 2^-250.
    package func challenge(_ label: String) -> Fr {
        ProofTranscript.expand(seed: digest(), label: label, index: 0)
    }

    /// Many challenge scalars from one digest of the statement: scalar i is
    /// SHA-256(seed ‖ label ‖ i ‖ 0) ‖ SHA-256(seed ‖ label ‖ i ‖ 1) reduced mod r.
    package func challenges(_ label: String, count: Int) -> [Fr] {
        let seed = digest()
        return (0..<count).map { ProofTranscript.expand(seed: seed, label: label, index: UInt64($0)) }
    }

    private static func expand(seed: [UInt8], label: String, index: UInt64) -> Fr {
        var w = ByteWriter()
        w.fixed(seed)
        w.variable(Array(label.utf8))
        w.u64(index)
        let a = SHA256.hash(w.bytes + [0]), b = SHA256.hash(w.bytes + [1])
        return Fr(reducingBigEndian: a + b)
    }
}
