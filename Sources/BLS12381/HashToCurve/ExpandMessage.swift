import Primitives

/// Why a hash-to-curve call was refused.
public enum HashToCurveError: Error, Equatable, Sendable, CustomStringConvertible {
    /// RFC 9380 limits expand_message_xmd to 255 blocks (8160 bytes) and 65535 bytes.
    case outputTooLong(Int)
    /// An empty domain separation tag is forbidden (RFC 9380 §3.1).
    case emptyDST

    public var description: String {
        switch self {
        case .outputTooLong(let n): return "expand_message_xmd: requested \(n) bytes, the limit is 8160"
        case .emptyDST: return "hash-to-curve: the domain separation tag must not be empty"
        }
    }
}

/// RFC 9380 §5.3.1 expand_message_xmd with SHA-256. A DST longer than 255 bytes is first hashed
/// to "H2C-OVERSIZE-DST-" ‖ DST (§5.3.3).
public func expandMessageXMD(_ msg: [UInt8], dst: [UInt8], count: Int) throws(HashToCurveError) -> [UInt8] {
    guard !dst.isEmpty else { throw .emptyDST }
    let ell = (count + 31) / 32
    guard ell <= 255, count <= 65535, count >= 0 else { throw .outputTooLong(count) }
    let dst = dst.count > 255 ? SHA256.hash(Array("H2C-OVERSIZE-DST-".utf8) + dst) : dst
    let dstPrime = dst + [UInt8(dst.count)]
    var hasher = SHA256()
    hasher.update([UInt8](repeating: 0, count: 64))
    hasher.update(msg)
    hasher.update([UInt8(count >> 8), UInt8(count & 0xff), 0])
    hasher.update(dstPrime)
    let b0 = hasher.finalize()
    hasher.update(b0)
    hasher.update([1])
    hasher.update(dstPrime)
    var bi = hasher.finalize()
    var out = bi
    out.reserveCapacity(ell * 32)
    if ell >= 2 {
        for i in 2...ell {
            var x = [UInt8](repeating: 0, count: 32)
            for j in 0..<32 { x[j] = b0[j] ^ bi[j] }
            hasher.update(x)
            hasher.update([UInt8(i)])
            hasher.update(dstPrime)
            bi = hasher.finalize()
            out += bi
        }
    }
    return Array(out.prefix(count))
}

/// RFC 9380 §5.2 hash_to_field for Fp (m = 1, L = 64).
public func hashToFieldFp(_ msg: [UInt8], dst: [UInt8], count: Int) throws(HashToCurveError) -> [Fp] {
    let bytes = try expandMessageXMD(msg, dst: dst, count: 64 * count)
    return (0..<count).map { Fp(reducingBigEndian64: bytes[(64 * $0)..<(64 * $0 + 64)]) }
}

/// RFC 9380 §5.2 hash_to_field for Fp2 (m = 2, L = 64).
public func hashToFieldFp2(_ msg: [UInt8], dst: [UInt8], count: Int) throws(HashToCurveError) -> [Fp2] {
    let bytes = try expandMessageXMD(msg, dst: dst, count: 128 * count)
    return (0..<count).map { i in
        Fp2(Fp(reducingBigEndian64: bytes[(128 * i)..<(128 * i + 64)]),
            Fp(reducingBigEndian64: bytes[(128 * i + 64)..<(128 * i + 128)]))
    }
}
