import Primitives
import Foundation
import XCTest

// `vring threshold …` and the threshold section of `vring demo`, run as the real binary (see the
// note at the top of VRingCLITests.swift). One 2-of-3 split, its shares' partial signatures and
// the honest combined signature are made once and shared.

final class ThresholdCLITests: XCTestCase {
    func testSplitThenSignWithTwoSharesVerifiesUnderTheGroupKey() throws {
        let f = try Self.fixture.get()
        let r = try vringConcurrently([
            ["bls", "verify", "--public-key", f.groupKey, "--message", Ring.message, "--signature", f.signature],
            ["bls", "pubkey", "--secret-key", Ring.secretKey],
            ["threshold", "combine", "--threshold", "2", "--partial", "3:" + f.partials[2], "--partial", "2:" + f.partials[1]],
            ["threshold", "combine", "--threshold", "2", "--partial", "1:" + f.partials[0], "--partial", "2:" + f.partials[1],
             "--partial", "3:" + f.partials[2], "--group-public-key", f.groupKey, "--message", Ring.message, "--json"],
            ["threshold", "split", "--secret-key", "0x" + Ring.secretKey.uppercased(), "--threshold", "2", "--members", "3"],
            ["threshold", "verify-partial", "--public-share", f.publicShares[0], "--message", Ring.message, "--partial", f.partials[0]],
            ["threshold", "verify-partial", "--public-share", f.publicShares[1], "--message", Ring.message, "--partial", f.partials[0]],
            ["threshold", "verify-partial", "--public-share", f.publicShares[2], "--message", "00", "--partial", f.partials[2], "--json"],
        ])
        XCTAssertEqual(r.map(\.status), [0, 0, 0, 0, 0, 0, 1, 1], r.map(\.stderr).joined())
        XCTAssertEqual(r[0].stdout, "valid\n")
        XCTAssertEqual(r[1].stdout.trimmed, f.groupKey)
        // Any two shares give the same signature: BLS is deterministic.
        XCTAssertEqual(r[2].stdout.trimmed, f.signature)
        XCTAssertEqual(try json(r[3]) as NSDictionary, ["signature": f.signature, "valid": true] as NSDictionary)
        // Plain split: the group key, then one row per member (fresh random shares each time).
        let lines = r[4].stdout.split(separator: "\n")
        XCTAssertTrue(lines[0].contains(f.groupKey), r[4].stdout)
        XCTAssertEqual(lines.filter { $0.trimmingCharacters(in: .whitespaces).first?.isNumber == true }.count, 3, r[4].stdout)
        XCTAssertEqual(r[5].stdout, "valid\n")
        XCTAssertEqual(r[6].stdout, "invalid\n")
        XCTAssertEqual(r[6].stderr, "")
        XCTAssertEqual(try json(r[7]) as NSDictionary, ["valid": false] as NSDictionary)
    }

    func testSplitJSONHasTheDocumentedShape() throws {
        let f = try Self.fixture.get()
        XCTAssertEqual(f.splitJSON.split(separator: "\n").count, 1)
        let split = try Self.parse(f.splitJSON)
        XCTAssertEqual(Set(split.keys), ["group_public_key", "threshold", "members"])
        XCTAssertEqual(split["threshold"] as? Int, 2)
        let members = try XCTUnwrap(split["members"] as? [[String: Any]])
        XCTAssertEqual(members.map { $0["index"] as? Int }, [1, 2, 3])
        for member in members {
            XCTAssertEqual(Set(member.keys), ["index", "public_share", "secret_share"])
            XCTAssertEqual((member["public_share"] as? String)?.count, 96)
            XCTAssertEqual((member["secret_share"] as? String)?.count, 64)
        }
        XCTAssertEqual(Set(f.secretShares).count, 3)
        XCTAssertEqual(f.partials.map(\.count), [192, 192, 192])
    }

    func testRobustCombineNamesTheInvalidPartial() throws {
        let f = try Self.fixture.get()
        let shares = (1...3).flatMap { ["--public-share", "\($0):" + f.publicShares[$0 - 1]] }
        let check = ["--group-public-key", f.groupKey, "--message", Ring.message] + shares
        // Member 2 sends member 1's partial; member 3 too, in the last case.
        let r = try vringConcurrently([
            ["threshold", "combine", "--threshold", "2", "--partial", "1:" + f.partials[0], "--partial", "2:" + f.partials[0],
             "--partial", "3:" + f.partials[2], "--json"] + check,
            ["threshold", "combine", "--threshold", "2", "--partial", "2:" + f.partials[0], "--partial", "1:" + f.partials[0],
             "--partial", "3:" + f.partials[2]] + check,
            ["threshold", "combine", "--threshold", "2", "--partial", "1:" + f.partials[0], "--partial", "2:" + f.partials[0],
             "--partial", "3:" + f.partials[0]] + check,
            // No public shares: the result is checked under the group key only.
            ["threshold", "combine", "--threshold", "2", "--partial", "1:" + f.partials[0], "--partial", "2:" + f.partials[0],
             "--group-public-key", f.groupKey, "--message", Ring.message],
        ])
        XCTAssertEqual(r.map(\.status), [0, 0, 2, 1], r.map(\.stderr).joined())
        XCTAssertEqual(try json(r[0]) as NSDictionary, ["signature": f.signature, "invalid": [2]] as NSDictionary)
        XCTAssertEqual(r[0].stderr, "warning: invalid partial signature from member 2\n")
        XCTAssertEqual(r[1].stdout.trimmed, f.signature)
        XCTAssertEqual(r[1].stderr, "warning: invalid partial signature from member 2\n")
        XCTAssertEqual(r[2].stdout, "")
        XCTAssertEqual(r[2].stderrLines.count, 1, r[2].stderr)
        XCTAssertTrue(r[2].stderr.hasPrefix("error: --partial: "), r[2].stderr)
        XCTAssertTrue(r[2].stderr.contains("2, 3"), r[2].stderr)
        XCTAssertEqual(r[3].stdout, "invalid\n")
    }

    func testBadInputExitsTwoWithOneLineNamingTheArgument() throws {
        let f = try Self.fixture.get()
        let (p1, p3) = (f.partials[0], f.partials[2])
        let combine = ["threshold", "combine", "--threshold", "2"]
        let cases: [(args: [String], argument: String)] = [
            (["threshold", "split", "--secret-key", Ring.secretKey, "--threshold", "4", "--members", "3"], "--threshold"),
            (["threshold", "split", "--secret-key", Ring.secretKey, "--threshold", "0", "--members", "3"], "--threshold"),
            (["threshold", "split", "--secret-key", Ring.secretKey, "--threshold", "2", "--members", "1001"], "1000"),
            (["threshold", "split", "--secret-key", Ring.secretKey, "--threshold", "1", "--members", "0"], "--members"),
            (["threshold", "split", "--secret-key", String(repeating: "0", count: 64), "--threshold", "1", "--members", "1"], "--secret-key"),
            (["threshold", "split", "--secret-key", Ring.secretKey, "--threshold", "two", "--members", "3"], "--threshold"),
            (["threshold", "sign", "--share", "abc", "--message", "00"], "--share"),
            (["threshold", "sign", "--share", f.secretShares[0], "--message", "0x0"], "--message"),
            (["threshold", "verify-partial", "--public-share", f.publicShares[0], "--message", "00", "--partial", "00"], "--partial"),
            (["threshold", "verify-partial", "--public-share", "zz", "--message", "00", "--partial", p1], "--public-share"),
            (combine + ["--partial", "0:" + p1, "--partial", "3:" + p3], "--partial"),
            (combine + ["--partial", "1:" + p1, "--partial", "1:" + p3], "--partial"),
            (combine + ["--partial", p1, "--partial", "3:" + p3], "--partial"),
            (combine + ["--partial", "one:" + p1, "--partial", "3:" + p3], "--partial"),
            (combine + ["--partial", "-1:" + p1, "--partial", "3:" + p3], "--partial"),
            (combine + ["--partial", "1:" + p1, "--partial", "3:" + p3.dropFirst(1)], "--partial"),
            (combine + ["--partial", "1:" + p1, "--partial", "3:xyz"], "--partial"),
            (combine + ["--partial", "1:" + p1], "--partial"),
            (["threshold", "combine", "--threshold", "0", "--partial", "1:" + p1], "--threshold"),
            (combine + ["--partial", "1:" + p1, "--partial", "3:" + p3, "--message", Ring.message], "--group-public-key"),
            (combine + ["--partial", "1:" + p1, "--partial", "3:" + p3, "--public-share", "1:" + f.publicShares[0]], "--public-share"),
            (combine + ["--partial", "1:" + p1, "--partial", "3:" + p3, "--group-public-key", f.groupKey, "--message", Ring.message,
                        "--public-share", "1:" + f.publicShares[0]], "member 3"),
            (combine + ["--partial", "1:" + p1, "--partial", "3:" + p3, "--group-public-key", f.groupKey, "--message", Ring.message,
                        "--public-share", "1:" + f.publicShares[0], "--public-share", "1:" + f.publicShares[2]], "--public-share"),
        ]
        let results = try vringConcurrently(cases.map(\.args))
        for (c, result) in zip(cases, results) {
            XCTAssertEqual(result.status, 2, "\(c.args): \(result.stderr)")
            XCTAssertEqual(result.stdout, "", "\(c.args)")
            XCTAssertEqual(result.stderrLines.count, 1, "\(c.args): \(result.stderr)")
            XCTAssertTrue(result.stderr.hasPrefix("error: "), "\(c.args): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(c.argument), "\(c.args): \(result.stderr)")
        }
        // A share is never echoed, even when it is rejected.
        let rejected = try vring("threshold", "sign", "--share", f.secretShares[0] + "00", "--message", "00")
        XCTAssertFalse(rejected.stderr.contains(f.secretShares[0]))
    }

    /// Random arguments to every threshold command end in a clean exit 2, never a signal.
    func testGarbageArgumentsNeverCrash() throws {
        var rng = SplitMix64(seed: 0x7e5_401d)  // replayable
        let commands = ["split", "sign", "verify-partial", "combine"]
        let flags = ["--secret-key", "--threshold", "--members", "--share", "--message", "--public-share", "--partial",
                     "--group-public-key", "--json", "--bogus", "--"]
        var invocations: [[String]] = []
        for command in commands {
            for _ in 0..<4 {
                var args = ["threshold", command]
                for _ in 0..<Int.random(in: 1...5, using: &rng) {
                    args.append(flags.randomElement(using: &rng)!)
                    let prefix = Bool.random(using: &rng) ? "\(Int.random(in: -2...5, using: &rng)):" : ""
                    args.append(prefix + VRingCLITests.garbage(using: &rng))
                }
                args += ["--threshold", "q"]  // a last, certainly bad value
                invocations.append(args)
            }
        }
        for (args, result) in zip(invocations, try vringConcurrently(invocations)) {
            XCTAssertEqual(result.reason, .exit, "killed by a signal: \(args)")
            XCTAssertEqual(result.status, 2, "\(args): \(result.stderr)")
        }
    }

    func testDemoRunsTheThresholdSection() throws {
        let result = try vring("demo")
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("== Threshold signing: 3 of 5"), result.stdout)
        XCTAssertTrue(result.stdout.contains("rejected the partial from member 2"), result.stdout)
        XCTAssertFalse(result.stdout.contains("✗"), result.stdout)
        XCTAssertLessThanOrEqual(result.stdout.split(separator: "\n", omittingEmptySubsequences: false).count, 60)
    }

    // MARK: support

    enum Ring {
        /// KeyGen of IKM 00 01 … 1f (see VRingCLITests.testKeygenWithFixedIKMIsDeterministic).
        static let secretKey = "23360db7e337b0a32b264e06bc11c1b474d16f55665373de1ce93cf15ddb3456"
        static let message = "68656c6c6f"
    }

    /// A 2-of-3 split of `Ring.secretKey`, each member's partial signature over `Ring.message`,
    /// and the combination of members 1 and 3.
    static func parse(_ text: String) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw CLITestError("not a JSON object: \(text)")
        }
        return object
    }

    struct Fixture {
        /// The `split --json` output, kept as text so the fixture is Sendable.
        var splitJSON: String
        var groupKey: String
        var publicShares: [String], secretShares: [String], partials: [String]
        var signature: String
    }

    static let fixture = Result { () throws -> Fixture in
        guard let binary = vringBinary else { throw CLITestError("no vring binary: run `swift build -c release --product vring` first") }
        func text(_ args: [String]) throws -> String {
            let result = try run(binary, args, stdin: nil)
            guard result.status == 0 else { throw CLITestError("\(args) failed: \(result.status) \(result.stderr)") }
            return result.stdout
        }
        func object(_ args: [String]) throws -> [String: Any] { try parse(text(args)) }
        func string(_ object: [String: Any], _ key: String) throws -> String {
            guard let value = object[key] as? String else { throw CLITestError("no \(key) in \(object)") }
            return value
        }
        let splitJSON = try text(["threshold", "split", "--secret-key", Ring.secretKey, "--threshold", "2", "--members", "3", "--json"])
        let split = try parse(splitJSON)
        guard let members = split["members"] as? [[String: Any]], members.count == 3 else { throw CLITestError("bad split: \(split)") }
        let secretShares = try members.map { try string($0, "secret_share") }
        let partials = try secretShares.map {
            try string(object(["threshold", "sign", "--share", $0, "--message", Ring.message, "--json"]), "partial")
        }
        let combined = try object(["threshold", "combine", "--threshold", "2", "--partial", "1:" + partials[0],
                                   "--partial", "3:" + partials[2], "--json"])
        return Fixture(
            splitJSON: splitJSON, groupKey: try string(split, "group_public_key"),
            publicShares: try members.map { try string($0, "public_share") }, secretShares: secretShares,
            partials: partials, signature: try string(combined, "signature"))
    }
}
