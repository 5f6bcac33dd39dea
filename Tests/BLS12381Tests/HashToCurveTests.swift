import BLS12381
import Primitives
import XCTest

/// RFC 9380 vectors (Fixtures/hash_to_curve) and the hash_to_G2 cases of ethereum/bls12-381-tests.
final class HashToCurveTests: XCTestCase {
    func testExpandMessageXMD() throws {
        var count = 0
        for file in ["expand_message_xmd_SHA256_38.json", "expand_message_xmd_SHA256_256.json"] {
            let doc = try loadJSON("hash_to_curve/\(file)") as! [String: Any]
            let dst = Array((doc["DST"] as! String).utf8)
            for t in doc["tests"] as! [[String: Any]] {
                let msg = Array((t["msg"] as! String).utf8)
                let len = Int((t["len_in_bytes"] as! String).dropFirst(2), radix: 16)!
                let out = try expandMessageXMD(msg, dst: dst, count: len)
                XCTAssertEqual(Hex.encode(out), t["uniform_bytes"] as! String, "\(file) msg=\(t["msg"]!) len=\(len)")
                count += 1
            }
        }
        XCTAssertEqual(count, 20)
        XCTAssertThrowsError(try expandMessageXMD([], dst: [1], count: 8161))
        XCTAssertThrowsError(try expandMessageXMD([], dst: [], count: 32))
    }

    func fp(_ s: String) -> Fp { Fp(bigEndian: unhex(s))! }
    func fp2(_ s: String) -> Fp2 {
        let parts = s.split(separator: ",").map(String.init)
        return Fp2(fp(parts[0]), fp(parts[1]))
    }

    func testG1Suites() throws {
        var count = 0
        for suite in ["RO", "NU"] {
            let doc = try loadJSON("hash_to_curve/BLS12381G1_XMD_SHA-256_SSWU_\(suite)_.json") as! [String: Any]
            let dst = Array((doc["dst"] as! String).utf8)
            for v in doc["vectors"] as! [[String: Any]] {
                let msg = Array((v["msg"] as! String).utf8)
                let p = v["P"] as! [String: String]
                let expected = G1Affine(x: fp(p["x"]!), y: fp(p["y"]!))
                let u = (v["u"] as! [String]).map(fp)
                XCTAssertEqual(try hashToFieldFp(msg, dst: dst, count: u.count), u)
                if suite == "RO" {
                    let q0 = v["Q0"] as! [String: String]
                    XCTAssertEqual(G1Projective.mapToCurve(u[0]).affine, G1Affine(x: fp(q0["x"]!), y: fp(q0["y"]!)))
                    XCTAssertEqual(try G1Projective.hashToCurve(msg, dst: dst).affine, expected)
                } else {
                    XCTAssertEqual(try G1Projective.encodeToCurve(msg, dst: dst).affine, expected)
                }
                count += 1
            }
        }
        XCTAssertEqual(count, 10)
    }

    func testG2Suites() throws {
        var count = 0
        for suite in ["RO", "NU"] {
            let doc = try loadJSON("hash_to_curve/BLS12381G2_XMD_SHA-256_SSWU_\(suite)_.json") as! [String: Any]
            let dst = Array((doc["dst"] as! String).utf8)
            for v in doc["vectors"] as! [[String: Any]] {
                let msg = Array((v["msg"] as! String).utf8)
                let p = v["P"] as! [String: String]
                let expected = G2Affine(x: fp2(p["x"]!), y: fp2(p["y"]!))
                let u = (v["u"] as! [String]).map(fp2)
                XCTAssertEqual(try hashToFieldFp2(msg, dst: dst, count: u.count), u)
                if suite == "RO" {
                    let q0 = v["Q0"] as! [String: String]
                    XCTAssertEqual(G2Projective.mapToCurve(u[0]).affine, G2Affine(x: fp2(q0["x"]!), y: fp2(q0["y"]!)))
                    XCTAssertEqual(try G2Projective.hashToCurve(msg, dst: dst).affine, expected)
                } else {
                    XCTAssertEqual(try G2Projective.encodeToCurve(msg, dst: dst).affine, expected)
                }
                count += 1
            }
        }
        XCTAssertEqual(count, 10)
    }

    func testEthereumHashToG2() throws {
        let dst = Array("QUUX-V01-CS02-with-BLS12381G2_XMD:SHA-256_SSWU_RO_".utf8)
        let cases = try jsonFiles(in: "eth-bls/hash_to_G2")
        XCTAssertEqual(cases.count, 4)
        for (name, json) in cases {
            let input = json["input"] as! [String: String]
            let out = json["output"] as! [String: String]
            let h = try G2Projective.hashToCurve(Array(input["msg"]!.utf8), dst: dst).affine
            XCTAssertEqual(h, G2Affine(x: fp2(out["x"]!), y: fp2(out["y"]!)), name)
        }
    }

    func testLongDST() throws {
        // A DST over 255 bytes is hashed first; the RFC's long-DST expander vectors cover that
        // path above. Here: hash-to-curve accepts it and differs from a short DST.
        let long = [UInt8](repeating: 0x41, count: 300)
        let a = try G1Projective.hashToCurve([1, 2, 3], dst: long)
        let b = try G1Projective.hashToCurve([1, 2, 3], dst: Array(long.prefix(255)))
        XCTAssertTrue(a.isInSubgroup)
        XCTAssertNotEqual(a, b)
    }
}
