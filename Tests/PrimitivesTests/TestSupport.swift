import Primitives

/// Decodes a hex string (no prefix) in tests; traps on malformed input.
func bytes(hex: String) -> [UInt8] {
    precondition(hex.count % 2 == 0, "odd-length hex")
    var result: [UInt8] = []
    result.reserveCapacity(hex.count / 2)
    var index = hex.startIndex
    while index < hex.endIndex {
        let next = hex.index(index, offsetBy: 2)
        result.append(UInt8(hex[index..<next], radix: 16)!)
        index = next
    }
    return result
}

/// Encodes bytes as lowercase hex.
func hexString(_ bytes: [UInt8]) -> String {
    bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
}

/// Copies the bytes out of a `SecureBytes` so a test can compare them.
func exposed(_ secret: borrowing SecureBytes) -> [UInt8] {
    secret.withUnsafeBytes { Array($0) }
}


/// The BLS12-381 base-field modulus p (draft-irtf-cfrg-pairing-friendly-curves §4.2.1).
let blsP = GMPInteger(hex: "0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab")!
/// The BLS12-381 group order r.
let blsR = GMPInteger(hex: "73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001")!
