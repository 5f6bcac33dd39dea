import Primitives
import BLS12381
import Foundation
import XCTest

// These tests run the real `vring` binary. Build it first:
//     swift build -c release --product vring
// The binary is `$VRING_BINARY`, else the newer of .build/release/vring and .build/debug/vring,
// else what `swift build -c release --show-bin-path` names.

final class VRingCLITests: XCTestCase {
    // MARK: keys, signing, verification

    func testKeygenWithFixedIKMIsDeterministic() throws {
        let first = try vring("bls", "keygen", "--ikm", Self.ikm)
        let second = try vring("bls", "keygen", "--ikm", "0x" + Self.ikm.uppercased())
        XCTAssertEqual(first.status, 0)
        XCTAssertEqual(first.stdout, second.stdout)
        let lines = first.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue(lines[0].hasPrefix("secret_key: "))
        XCTAssertTrue(lines[1].hasPrefix("public_key: "))
        let keys = try json(vring("bls", "keygen", "--ikm", Self.ikm, "--json"))
        let secretKey = try XCTUnwrap(keys["secret_key"] as? String)
        let publicKey = try XCTUnwrap(keys["public_key"] as? String)
        XCTAssertEqual(secretKey.count, 64)
        XCTAssertEqual(publicKey.count, 96)
        XCTAssertEqual(String(lines[0].dropFirst(12)), secretKey)
        // draft-irtf-cfrg-bls-signature-05 §2.3 KeyGen of IKM 00 01 … 1f, key_info empty, as computed
        // by an independent ten-line Python (hashlib/hmac) implementation of the draft.
        XCTAssertEqual(secretKey, "23360db7e337b0a32b264e06bc11c1b474d16f55665373de1ce93cf15ddb3456")
        XCTAssertEqual(try vring("bls", "pubkey", "--secret-key", secretKey).stdout, publicKey + "\n")
        // Random keys differ.
        XCTAssertNotEqual(try vring("bls", "keygen").stdout, try vring("bls", "keygen").stdout)
    }

    func testSignThenVerify() throws {
        let f = try Self.fixture.get()
        let infinity = "c0" + String(repeating: "0", count: 190)  // decodes, never verifies
        let r = try vringConcurrently([
            ["bls", "sign", "--secret-key", f.a.secretKey, "--message", Fixture.hello],
            ["bls", "verify", "--public-key", f.a.publicKey, "--message", "0x68656C6C6F", "--signature", f.helloByA],
            ["bls", "verify", "--public-key", f.a.publicKey, "--message", "68656c6c6e", "--signature", f.helloByA],
            ["bls", "verify", "--public-key", f.b.publicKey, "--message", "00", "--signature", infinity],
            ["bls", "pop-verify", "--public-key", f.a.publicKey, "--proof", f.proofA],
            ["bls", "pop-verify", "--public-key", f.a.publicKey, "--proof", f.helloByA],
        ])
        XCTAssertEqual(r[0].stdout, f.helloByA + "\n")  // the command and batch agree
        XCTAssertEqual(f.helloByA.count, 192)
        XCTAssertEqual(r.map(\.status), [0, 0, 1, 1, 0, 1])
        XCTAssertEqual(r[1].stdout, "valid\n")
        XCTAssertEqual(r[2].stdout, "invalid\n")
        XCTAssertEqual(r[2].stderr, "")
        XCTAssertEqual(r[3].stdout, "invalid\n")
    }

    func testAggregationAndAggregateVerification() throws {
        let f = try Self.fixture.get()
        let aggregates = try vringConcurrently([
            ["bls", "aggregate", "--signature", f.oneByA, "--signature", f.twoByB],
            ["bls", "aggregate", "--signature", f.oneByA, "--signature", f.oneByB],
        ])
        XCTAssertEqual(aggregates.map(\.status), [0, 0])
        let distinct = aggregates[0].stdout.trimmed, same = aggregates[1].stdout.trimmed
        XCTAssertEqual(distinct.count, 192)
        let r = try vringConcurrently([
            ["bls", "aggregate-verify", "--public-key", f.a.publicKey, "--message", "01",
             "--public-key", f.b.publicKey, "--message", "02", "--signature", distinct],
            ["bls", "aggregate-verify", "--public-key", f.a.publicKey, "--message", "02",
             "--public-key", f.b.publicKey, "--message", "01", "--signature", distinct],
            ["bls", "fast-aggregate-verify", "--public-key", f.a.publicKey, "--public-key", f.b.publicKey,
             "--message", "01", "--signature", same],
            ["bls", "fast-aggregate-verify", "--public-key", f.a.publicKey, "--message", "01", "--signature", same],
            ["bls", "aggregate-verify", "--public-key", f.a.publicKey, "--public-key", f.b.publicKey,
             "--message", "01", "--signature", distinct],
            ["bls", "aggregate"],
        ])
        XCTAssertEqual(r.map(\.status), [0, 1, 0, 1, 2, 2])
        XCTAssertEqual(r[4].stderrLines.count, 1)
        XCTAssertEqual(r[5].stderrLines.count, 1)
        XCTAssertTrue(r[5].stderr.contains("--signature"), r[5].stderr)
    }

    // MARK: bad input

    func testBadInputExitsTwoWithOneLineNamingTheArgument() throws {
        let f = try Self.fixture.get()
        let (secretKey, publicKey, signature) = (f.a.secretKey, f.a.publicKey, f.helloByA)
        let r = "73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001"
        let cases: [(args: [String], argument: String)] = [
            (["bls", "sign", "--secret-key", "zz" + String(secretKey.dropFirst(2)), "--message", "00"], "--secret-key"),
            (["bls", "sign", "--secret-key", String(secretKey.dropFirst(1)), "--message", "00"], "--secret-key"),
            (["bls", "sign", "--secret-key", String(secretKey.dropFirst(2)), "--message", "00"], "--secret-key"),
            (["bls", "sign", "--secret-key", String(repeating: "0", count: 64), "--message", "00"], "--secret-key"),
            (["bls", "sign", "--secret-key", r, "--message", "00"], "--secret-key"),
            (["bls", "sign", "--secret-key", secretKey, "--message", "0"], "--message"),
            (["bls", "keygen", "--ikm", String(repeating: "ab", count: 31)], "--ikm"),
            (["bls", "keygen", "--ikm", "xyz"], "--ikm"),
            (["bls", "verify", "--public-key", String(publicKey.dropFirst(2)), "--message", "00", "--signature", signature], "--public-key"),
            (["bls", "verify", "--public-key", Self.offCurveG1, "--message", "00", "--signature", signature], "--public-key"),
            (["bls", "verify", "--public-key", Self.outsideSubgroupG1, "--message", "00", "--signature", signature], "--public-key"),
            (["bls", "verify", "--public-key", "c0" + String(repeating: "0", count: 94), "--message", "00", "--signature", signature], "--public-key"),
            (["bls", "verify", "--public-key", "00" + String(publicKey.dropFirst(2)), "--message", "00", "--signature", signature], "--public-key"),
            (["bls", "verify", "--public-key", publicKey, "--message", "00", "--signature", String(signature.dropFirst(2))], "--signature"),
            (["bls", "verify", "--public-key", publicKey, "--message", "00", "--signature", "8" + String(repeating: "0", count: 191)], "--signature"),
            (["bls", "aggregate", "--signature", signature, "--signature", "00"], "--signature"),
            (["bls", "pop-verify", "--public-key", publicKey, "--proof", "abc"], "--proof"),
            (["bls", "fast-aggregate-verify", "--message", "00", "--signature", signature], "--public-key"),
            (["bls", "hash-to-curve", "--group", "g3", "--message", "00", "--dst", "D"], "--group"),
            (["bls", "hash-to-curve", "--group", "g1", "--message", "00", "--dst", ""], "--dst"),
            (["bls", "hash-to-curve", "--group", "g1", "--message", "00", "--dst-hex", "0"], "--dst-hex"),
            (["bls", "hash-to-curve", "--group", "g1", "--message", "00", "--dst", "D", "--dst-hex", "44"], "--dst"),
            (["bls", "hash-to-curve", "--group", "g1", "--message", "00"], "--dst"),
            (["bls", "sign", "--message", "00"], "--secret-key"),
        ]
        let results = try vringConcurrently(cases.map(\.args))
        for (c, result) in zip(cases, results) {
            XCTAssertEqual(result.status, 2, "\(c.args): \(result.stderr)")
            XCTAssertEqual(result.stdout, "", "\(c.args)")
            XCTAssertEqual(result.stderrLines.count, 1, "\(c.args): \(result.stderr)")
            XCTAssertTrue(result.stderr.hasPrefix("error: "), "\(c.args): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(c.argument), "\(c.args): \(result.stderr)")
        }
        // A secret key is never echoed, even when it is rejected.
        let rejected = try vring("bls", "sign", "--secret-key", r, "--message", "00")
        XCTAssertFalse(rejected.stderr.contains(r))
    }

    func testUsageErrorsExitTwoAndHelpExitsZero() throws {
        for args in [["frobnicate"], ["bls", "frobnicate"], ["bls", "sign", "--nope"], ["bench", "--iterations", "x"], ["bench", "--filter", "nope"]] {
            let result = try vring(args)
            XCTAssertEqual(result.status, 2, "\(args)")
            XCTAssertEqual(result.stderrLines.count, 1, "\(args): \(result.stderr)")
        }
        for args in [["--help"], ["bls", "--help"], ["bls", "verify", "--help"]] {
            let result = try vring(args)
            XCTAssertEqual(result.status, 0, "\(args)")
            XCTAssertTrue(result.stdout.contains("USAGE"), "\(args)")
        }
    }

    /// Random arguments to every command end in a clean exit 2, never a signal (a crash).
    func testGarbageArgumentsNeverCrash() throws {
        var rng = SplitMix64(seed: 0x5eed_0f_9a7ba9e)  // replayable
        let commands = ["keygen", "pubkey", "sign", "verify", "aggregate", "fast-aggregate-verify", "aggregate-verify",
                        "pop-prove", "pop-verify", "hash-to-curve"]
        let flags = ["--secret-key", "--public-key", "--message", "--signature", "--proof", "--ikm", "--group", "--dst",
                     "--dst-hex", "--encode", "--json", "--bogus", "-x", "--"]
        let finalBadFlag = [
            "keygen": "--ikm", "pubkey": "--secret-key", "sign": "--secret-key", "verify": "--signature",
            "aggregate": "--signature", "fast-aggregate-verify": "--public-key", "aggregate-verify": "--signature",
            "pop-prove": "--secret-key", "pop-verify": "--proof", "hash-to-curve": "--group",
        ]
        var invocations: [[String]] = []
        for command in commands {
            for _ in 0..<6 {
                var args = ["bls", command]
                for _ in 0..<Int.random(in: 1...6, using: &rng) {
                    args.append(Bool.random(using: &rng) ? flags.randomElement(using: &rng)! : finalBadFlag[command]!)
                    args.append(Self.garbage(using: &rng))
                }
                args.append(finalBadFlag[command]!)  // a last, certainly bad value: never a valid request
                args.append(Self.garbage(using: &rng) + "q")
                invocations.append(args)
            }
        }
        for (args, result) in zip(invocations, try vringConcurrently(invocations)) {
            XCTAssertEqual(result.reason, .exit, "killed by a signal: \(args)")
            XCTAssertEqual(result.status, 2, "\(args): \(result.stderr)")
        }
    }

    // MARK: hash-to-curve

    func testHashToCurveMatchesRFC9380Vector() throws {
        let fixture = Self.packageRoot.appendingPathComponent(
            "Tests/BLS12381Tests/Fixtures/hash_to_curve/BLS12381G2_XMD_SHA-256_SSWU_RO_.json")
        let suite = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: fixture)) as? [String: Any])
        let dst = try XCTUnwrap(suite["dst"] as? String)
        XCTAssertEqual(dst, "QUUX-V01-CS02-with-BLS12381G2_XMD:SHA-256_SSWU_RO_")
        let vectors = try XCTUnwrap(suite["vectors"] as? [[String: Any]])
        let vector = try XCTUnwrap(vectors.first { $0["msg"] as? String == "abc" })
        let p = try XCTUnwrap(vector["P"] as? [String: String])
        let expected = G2Affine(x: try Self.fp2(XCTUnwrap(p["x"])), y: try Self.fp2(XCTUnwrap(p["y"])))
        XCTAssertTrue(expected.isOnCurve)
        let expectedHex = expected.compressed().map { String(format: "%02x", $0) }.joined()

        let dstHex = Array(dst.utf8).map { String(format: "%02x", $0) }.joined()
        let r = try vringConcurrently([
            ["bls", "hash-to-curve", "--group", "g2", "--message", "616263", "--dst", dst],
            ["bls", "hash-to-curve", "--group", "G2", "--message", "616263", "--dst-hex", dstHex, "--json"],
            ["bls", "hash-to-curve", "--group", "g2", "--message", "616263", "--dst", dst, "--encode"],
            ["bls", "hash-to-curve", "--group", "g1", "--message", "616263", "--dst", dst],
        ])
        XCTAssertEqual(r.map(\.status), [0, 0, 0, 0], r.map(\.stderr).joined())
        XCTAssertEqual(r[0].stdout.trimmed, expectedHex)
        XCTAssertEqual(try json(r[1])["point"] as? String, expectedHex)
        XCTAssertNotEqual(r[2].stdout.trimmed, expectedHex)
        XCTAssertEqual(r[2].stdout.trimmed.count, 192)
        XCTAssertEqual(r[3].stdout.trimmed.count, 96)
    }

    // MARK: JSON

    func testJSONOutputsHaveTheDocumentedKeys() throws {
        let f = try Self.fixture.get()
        let (secretKey, publicKey, signature) = (f.a.secretKey, f.a.publicKey, f.helloByA)
        let cases: [([String], Set<String>)] = [
            (["bls", "keygen", "--json"], ["secret_key", "public_key"]),
            (["bls", "pubkey", "--secret-key", secretKey, "--json"], ["public_key"]),
            (["bls", "sign", "--secret-key", secretKey, "--message", "00", "--json"], ["signature"]),
            (["bls", "verify", "--public-key", publicKey, "--message", Fixture.hello, "--signature", signature, "--json"], ["valid"]),
            (["bls", "aggregate", "--signature", signature, "--json"], ["signature"]),
            (["bls", "fast-aggregate-verify", "--public-key", publicKey, "--message", "00", "--signature", signature, "--json"], ["valid"]),
            (["bls", "aggregate-verify", "--public-key", publicKey, "--message", Fixture.hello, "--signature", signature, "--json"], ["valid"]),
            (["bls", "pop-prove", "--secret-key", secretKey, "--json"], ["proof"]),
            (["bls", "pop-verify", "--public-key", publicKey, "--proof", signature, "--json"], ["valid"]),
            (["bls", "hash-to-curve", "--group", "g1", "--message", "", "--dst", "D", "--json"], ["point"]),
        ]
        let results = try vringConcurrently(cases.map(\.0))
        for ((args, keys), result) in zip(cases, results) {
            XCTAssertEqual(result.stdout.split(separator: "\n").count, 1, "\(args)")
            let object = try json(result)
            XCTAssertEqual(Set(object.keys), keys, "\(args)")
        }
        XCTAssertEqual(results.map(\.status), [0, 0, 0, 0, 0, 1, 0, 0, 1, 0])
        XCTAssertEqual(try json(results[3])["valid"] as? Bool, true)
        XCTAssertEqual(try json(results[8])["valid"] as? Bool, false)
        XCTAssertEqual(try json(results[7])["proof"] as? String, f.proofA)
    }

    func testBatchAnswersEveryLineInOrder() throws {
        let f = try Self.fixture.get()
        let (secretKey, publicKey, signature) = (f.a.secretKey, f.a.publicKey, f.oneByA)
        let lines = [
            #"{"op":"sign","secret_key":"\#(secretKey)","message":"01"}"#,
            #"{"op":"verify","public_key":"\#(publicKey)","message":"01","signature":"\#(signature)"}"#,
            #"{"op":"verify","public_key":"\#(publicKey)","message":"02","signature":"\#(signature)"}"#,
            #"{"op":"sign","secret_key":"zz","message":"abcd"#,  // malformed JSON
            #"{"op":"aggregate","signatures":[]}"#,
            #"{"op":"aggregate","signatures":["\#(signature)"],"id":"ignored"}"#,
            #"{"op":"verify","public_key":"c0\#(String(repeating: "0", count: 94))","message":"00","signature":"\#(signature)"}"#,
            #"{"op":"keygen","ikm":"\#(Fixture.ikmA)"}"#,
            #"{"op":"hash-to-curve","group":"g1","message":"","dst":"D","encode":true}"#,
            #"{"op":"teleport"}"#,
        ]
        let result = try vring(["bls", "batch"], stdin: lines.joined(separator: "\n") + "\n")
        XCTAssertEqual(result.status, 0, result.stderr)
        let out = try result.stdout.split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        XCTAssertEqual(out.count, lines.count)
        XCTAssertEqual(out.map { $0["ok"] as? Bool }, [true, true, true, false, false, true, false, true, true, false])
        XCTAssertEqual(out[0]["signature"] as? String, signature)
        XCTAssertEqual(out[1]["valid"] as? Bool, true)
        XCTAssertEqual(out[2]["valid"] as? Bool, false)
        XCTAssertTrue((out[3]["error"] as? String ?? "").hasPrefix("line 4: "))
        XCTAssertTrue((out[4]["error"] as? String ?? "").contains("signatures"))
        XCTAssertEqual(out[5]["signature"] as? String, signature)
        XCTAssertTrue((out[6]["error"] as? String ?? "").hasPrefix("public_key: "))
        XCTAssertEqual(out[7]["secret_key"] as? String, secretKey)
        XCTAssertEqual((out[8]["point"] as? String)?.count, 96)
        XCTAssertTrue((out[9]["error"] as? String ?? "").hasPrefix("op: "))
    }

    func testBatchHandlesThousandsOfLines() throws {
        let good = #"{"op":"aggregate","signatures":["c0\#(String(repeating: "0", count: 190))"]}"#
        let bad = #"{"op":"aggregate","signatures":["zz"]}"#
        let input = String(repeating: good + "\n" + bad + "\n", count: 1500) + "{oops}"  // last line unterminated
        let result = try vring(["bls", "batch"], stdin: input)
        XCTAssertEqual(result.status, 0)
        let out = result.stdout.split(separator: "\n")
        XCTAssertEqual(out.count, 3001)
        XCTAssertTrue(out[2998].contains(#""ok":true"#))
        XCTAssertTrue(out[2999].contains(#""ok":false"#))
        XCTAssertTrue(out[3000].contains("line 3001"))
    }

    // MARK: bench

    func testBenchJSONStructure() throws {
        let result = try vring("bench", "--json", "--filter", "fp_mul", "--iterations", "10")
        XCTAssertEqual(result.status, 0, result.stderr)
        let results = try XCTUnwrap(json(result)["results"] as? [[String: Any]])
        XCTAssertEqual(results.count, 1)
        XCTAssertEqual(results[0]["name"] as? String, "fp_mul")
        XCTAssertEqual(results[0]["iterations"] as? Int, 10)
        XCTAssertGreaterThan(try XCTUnwrap(results[0]["ns_per_op"] as? Double), 0)

        let several = try json(vring("bench", "--json", "--filter", "fr_mul,fp2", "--filter", "fp_square", "--iterations", "3"))
        let names = (several["results"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        XCTAssertEqual(names, ["fp_square", "fp2_mul", "fp2_square", "fr_mul"])
        // Which field code ran: the x86-64 kernels or the portable Swift code.
        XCTAssertTrue(["adx", "portable"].contains(several["field_arithmetic"] as? String ?? ""), "\(several)")
    }

    // MARK: support

    static let ikm = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

    /// A compressed G1 encoding whose x has no y on the curve.
    static let offCurveG1: String = {
        var x: UInt64 = 1
        while (Fp(x).squared() * Fp(x) + Fp(4)).squareRootVartime() != nil { x += 1 }
        var bytes = Fp(x).bigEndianBytes
        bytes[0] |= 0x80
        return bytes.map { String(format: "%02x", $0) }.joined()
    }()

    /// x = 0, y = 2: on the curve, of order 3, outside the prime-order subgroup.
    static let outsideSubgroupG1 = "80" + String(repeating: "0", count: 94)

    /// Keys and signatures made once, in one `bls batch` run, and shared by the tests
    /// (signing is slow in a debug build of the engine).
    struct Fixture {
        static let ikmA = String(repeating: "07", count: 32), ikmB = String(repeating: "0b", count: 32)
        static let hello = "68656c6c6f"
        var a: (secretKey: String, publicKey: String)
        var b: (secretKey: String, publicKey: String)
        var helloByA: String, oneByA: String, twoByB: String, oneByB: String, proofA: String
    }

    static let fixture = Result { () throws -> Fixture in
        let keys = try runBatch([#"{"op":"keygen","ikm":"\#(Fixture.ikmA)"}"#, #"{"op":"keygen","ikm":"\#(Fixture.ikmB)"}"#])
        let a = (try field(keys[0], "secret_key"), try field(keys[0], "public_key"))
        let b = (try field(keys[1], "secret_key"), try field(keys[1], "public_key"))
        func sign(_ sk: String, _ m: String) -> String { #"{"op":"sign","secret_key":"\#(sk)","message":"\#(m)"}"# }
        let out = try runBatch([
            sign(a.0, Fixture.hello), sign(a.0, "01"), sign(b.0, "02"), sign(b.0, "01"),
            #"{"op":"pop-prove","secret_key":"\#(a.0)"}"#,
        ])
        return Fixture(
            a: a, b: b, helloByA: try field(out[0], "signature"), oneByA: try field(out[1], "signature"),
            twoByB: try field(out[2], "signature"), oneByB: try field(out[3], "signature"), proofA: try field(out[4], "proof"))
    }

    private static func runBatch(_ lines: [String]) throws -> [[String: Any]] {
        guard let binary = vringBinary else { throw CLITestError("no vring binary: run `swift build -c release --product vring` first") }
        let result = try run(binary, ["bls", "batch"], stdin: lines.joined(separator: "\n"))
        return try result.stdout.split(separator: "\n").map {
            guard let object = try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] else {
                throw CLITestError("batch output is not an object: \($0)")
            }
            return object
        }
    }

    private static func field(_ object: [String: Any], _ key: String) throws -> String {
        guard let value = object[key] as? String else { throw CLITestError("no \(key) in \(object)") }
        return value
    }

    static func fp2(_ text: String) throws -> Fp2 {
        let parts = text.split(separator: ",").map { String($0.dropFirst(2)) }
        guard parts.count == 2 else { throw CLITestError("expected two coordinates in \(text)") }
        return Fp2(try fp(parts[0]), try fp(parts[1]))
    }

    static func fp(_ hex: String) throws -> Fp {
        let padded = String(repeating: "0", count: max(0, 96 - hex.count)) + hex
        var bytes: [UInt8] = []
        var i = padded.startIndex
        while i < padded.endIndex {
            let j = padded.index(i, offsetBy: 2)
            guard let b = UInt8(padded[i..<j], radix: 16) else { throw CLITestError("bad hex \(hex)") }
            bytes.append(b)
            i = j
        }
        guard let value = Fp(bigEndian: bytes) else { throw CLITestError("not below p: \(hex)") }
        return value
    }

    static func garbage(using rng: inout SplitMix64) -> String {
        let alphabets = ["0123456789abcdef", "0123456789abcdefxyzXYZ-=,;!", "\u{0}\u{7f}é∞🙂 \t\"{}", "cf08"]
        let alphabet = Array(alphabets.randomElement(using: &rng)!)
        return String((0..<Int.random(in: 0...200, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
            .replacingOccurrences(of: "\u{0}", with: "0")  // argv cannot carry NUL
    }
}

