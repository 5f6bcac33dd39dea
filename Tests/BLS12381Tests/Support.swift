import BLS12381
import Foundation
import Primitives
import XCTest

/// Test fixtures copied from ../shared/vectors (see Fixtures/README.md for provenance).
let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

func loadJSON(_ relative: String) throws -> Any {
    let data = try Data(contentsOf: fixtures.appendingPathComponent(relative))
    return try JSONSerialization.jsonObject(with: data)
}

func jsonFiles(in folder: String) throws -> [(name: String, json: [String: Any])] {
    let dir = fixtures.appendingPathComponent(folder)
    let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }.sorted()
    return try names.map { n in
        let obj = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent(n)))
        return (n, obj as! [String: Any])
    }
}

func unhex(_ s: String) -> [UInt8] {
    guard let b = Hex.decode(s) else { fatalError("bad hex in fixture: \(s.prefix(20))") }
    return b
}


let pHex = "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab"
let rHex = "73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001"
let P = GMPInteger(hex: pHex)!
let R = GMPInteger(hex: rHex)!

extension Fp {
    var gmp: GMPInteger { GMPInteger(bigEndian: bigEndianBytes) }
    init(gmp v: GMPInteger) { self.init(bigEndian: v.bigEndianBytes(count: 48))! }
    static func random(using rng: inout some RandomNumberGenerator) -> Fp {
        var b = [UInt8](repeating: 0, count: 64)
        for i in 0..<64 { b[i] = UInt8.random(in: 0...255, using: &rng) }
        return Fp(reducingBigEndian64: b)
    }
}
extension Fr {
    var gmp: GMPInteger { GMPInteger(bigEndian: bigEndianBytes) }
}
extension Fp2 {
    static func random(using rng: inout some RandomNumberGenerator) -> Fp2 { Fp2(.random(using: &rng), .random(using: &rng)) }
}
extension Fp6 {
    static func random(using rng: inout some RandomNumberGenerator) -> Fp6 { Fp6(.random(using: &rng), .random(using: &rng), .random(using: &rng)) }
}
extension Fp12 {
    static func random(using rng: inout some RandomNumberGenerator) -> Fp12 { Fp12(.random(using: &rng), .random(using: &rng)) }
}

/// The error a throwing body raised, or nil (works with non-copyable results, unlike XCTAssertThrowsError).
func thrownError(_ body: () throws -> Void) -> Error? {
    do { try body(); return nil } catch { return error }
}
