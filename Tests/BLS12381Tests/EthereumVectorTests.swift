import BLS12381
import Primitives
import XCTest

/// ethereum/bls12-381-tests v0.1.2 plus the six newer upstream mask-bit cases (Fixtures/eth-bls).
final class EthereumVectorTests: XCTestCase {
    func pk(_ s: String) -> PublicKey? { Hex.decode(s).flatMap { try? PublicKey(bytes: $0) } }
    func sig(_ s: String) -> Signature? { Hex.decode(s).flatMap { try? Signature(bytes: $0) } }

    func testSign() throws {
        let cases = try jsonFiles(in: "eth-bls/sign")
        XCTAssertEqual(cases.count, 10)
        for (name, json) in cases {
            let input = json["input"] as! [String: String]
            if let expected = json["output"] as? String {
                let sk = try SecretKey(bigEndian: unhex(input["privkey"]!))
                let s = sk.sign(unhex(input["message"]!))
                XCTAssertEqual("0x" + Hex.encode(s.compressed), expected, name)
                XCTAssertTrue(BLS.verify(publicKey: sk.publicKey, message: unhex(input["message"]!), signature: s))
            } else {
                XCTAssertNotNil(thrownError { _ = try SecretKey(bigEndian: unhex(input["privkey"]!)) }, "\(name): an invalid key must be refused")
            }
        }
    }

    func testVerify() throws {
        let cases = try jsonFiles(in: "eth-bls/verify")
        XCTAssertEqual(cases.count, 29)
        for (name, json) in cases {
            let input = json["input"] as! [String: String]
            let expected = json["output"] as! Bool
            var result = false
            if let k = pk(input["pubkey"]!), let s = sig(input["signature"]!) {
                result = BLS.verify(publicKey: k, message: unhex(input["message"]!), signature: s)
            }
            XCTAssertEqual(result, expected, name)
        }
    }

    func testAggregate() throws {
        let cases = try jsonFiles(in: "eth-bls/aggregate")
        XCTAssertEqual(cases.count, 6)
        for (name, json) in cases {
            let sigs = (json["input"] as! [String]).map { sig($0)! }
            if let expected = json["output"] as? String {
                XCTAssertEqual("0x" + Hex.encode(try Signature.aggregate(sigs).compressed), expected, name)
            } else {
                XCTAssertThrowsError(try Signature.aggregate(sigs), name)
            }
        }
    }

    func testFastAggregateVerify() throws {
        let cases = try jsonFiles(in: "eth-bls/fast_aggregate_verify")
        XCTAssertEqual(cases.count, 12)
        for (name, json) in cases {
            let input = json["input"] as! [String: Any]
            let keys = (input["pubkeys"] as! [String]).map(pk)
            var result = false
            if keys.allSatisfy({ $0 != nil }), let s = sig(input["signature"] as! String) {
                result = BLS.fastAggregateVerify(publicKeys: keys.map { $0! }, message: unhex(input["message"] as! String), signature: s)
            }
            XCTAssertEqual(result, json["output"] as! Bool, name)
        }
    }

    func testAggregateVerify() throws {
        let cases = try jsonFiles(in: "eth-bls/aggregate_verify")
        XCTAssertEqual(cases.count, 5)
        for (name, json) in cases {
            let input = json["input"] as! [String: Any]
            let keys = (input["pubkeys"] as! [String]).map(pk)
            let msgs = (input["messages"] as! [String]).map(unhex)
            var result = false
            if keys.allSatisfy({ $0 != nil }), let s = sig(input["signature"] as! String) {
                result = BLS.aggregateVerify(publicKeys: keys.map { $0! }, messages: msgs, signature: s)
            }
            XCTAssertEqual(result, json["output"] as! Bool, name)
        }
    }

    func testBatchVerify() throws {
        let cases = try jsonFiles(in: "eth-bls/batch_verify")
        XCTAssertEqual(cases.count, 4)
        for (name, json) in cases {
            let input = json["input"] as! [String: Any]
            let keys = (input["pubkeys"] as! [String]).map(pk)
            let msgs = (input["messages"] as! [String]).map(unhex)
            let sigs = (input["signatures"] as! [String]).map(sig)
            var result = false
            if keys.allSatisfy({ $0 != nil }), sigs.allSatisfy({ $0 != nil }) {
                result = BLS.batchVerify(publicKeys: keys.map { $0! }, messages: msgs, signatures: sigs.map { $0! })
            }
            XCTAssertEqual(result, json["output"] as! Bool, name)
        }
    }

    func testDeserialization() throws {
        var count = 0
        for folder in ["eth-bls/deserialization_G1", "eth-bls/extra_upstream_head/deserialization_G1"] {
            for (name, json) in try jsonFiles(in: folder) {
                let input = json["input"] as! [String: String]
                // Point decoding (infinity allowed); KeyValidate is the verify cases' business.
                let decoded = Hex.decode(input["pubkey"]!).flatMap { try? G1Affine(decoding: $0) }
                XCTAssertEqual(decoded != nil, json["output"] as! Bool, name)
                count += 1
            }
        }
        for folder in ["eth-bls/deserialization_G2", "eth-bls/extra_upstream_head/deserialization_G2"] {
            for (name, json) in try jsonFiles(in: folder) {
                let input = json["input"] as! [String: String]
                let decoded = Hex.decode(input["signature"]!).flatMap { try? G2Affine(decoding: $0) }
                XCTAssertEqual(decoded != nil, json["output"] as! Bool, name)
                XCTAssertEqual(decoded != nil, sig(input["signature"]!) != nil)
                count += 1
            }
        }
        XCTAssertEqual(count, 13 + 15 + 6)
    }
}
