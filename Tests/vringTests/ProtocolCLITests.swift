import Foundation
import XCTest

/// `vring dkg simulate` and `vring reshare simulate`: the JSON interface, faults, and the
/// group key they produce checked by an independent command (`vring bls verify`).
final class ProtocolCLITests: XCTestCase {
    func object(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
    }

    func testDKGSimulateWithFaultsReportsQualAndBlame() throws {
        let r = try vring("dkg", "simulate", "--members", "5", "--threshold", "3", "--seed", "01",
                          "--drop", "2", "--equivocate", "5", "--reveal-shares", "--json")
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try object(r.stdout)
        XCTAssertEqual(json["qual"] as? [Int], [1, 3, 4])
        let blame = try XCTUnwrap(json["blame"] as? [[String: Any]])
        XCTAssertEqual(Set(blame.compactMap { $0["index"] as? Int }), [2, 5])
        XCTAssertTrue(blame.allSatisfy { ($0["reason"] as? String)?.isEmpty == false })
        let groupKey = try XCTUnwrap(json["group_public_key"] as? String)
        let members = try XCTUnwrap(json["members"] as? [[String: Any]])
        XCTAssertEqual(members.count, 5)
        // Three revealed shares of qualified members sign; the combination verifies under the group key.
        let shares = members.filter { [1, 3, 4].contains($0["index"] as? Int ?? 0) }
        var partials: [String] = []
        for m in shares {
            let share = try XCTUnwrap(m["secret_share"] as? String)
            let s = try vring("threshold", "sign", "--share", share, "--message", "abcd")
            XCTAssertEqual(s.status, 0, s.stderr)
            partials += ["--partial", "\(m["index"] as! Int):\(s.stdout.trimmingCharacters(in: .whitespacesAndNewlines))"]
        }
        let combined = try vring(["threshold", "combine", "--threshold", "3"] + partials)
        XCTAssertEqual(combined.status, 0, combined.stderr)
        let sig = combined.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(try vring("bls", "verify", "--public-key", groupKey, "--message", "abcd", "--signature", sig).status, 0)
    }

    func testDKGSimulateFailsCleanlyWithTooManyDropouts() throws {
        let r = try vring("dkg", "simulate", "--members", "4", "--threshold", "3", "--drop", "2", "--drop", "4")
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("error:"), r.stderr)
        let bad = try vring("dkg", "simulate", "--members", "4", "--threshold", "5")
        XCTAssertEqual(bad.status, 2)
        XCTAssertEqual(bad.stderrLines.count, 1, bad.stderr)
        XCTAssertEqual(try vring("dkg", "simulate", "--members", "4", "--threshold", "3", "--drop", "9").status, 2)
    }

    func testReshareSimulateKeepsTheGroupKey() throws {
        let r = try vring("reshare", "simulate", "--members", "4", "--threshold", "3", "--new-members", "5",
                          "--new-threshold", "3", "--leave", "4", "--seed", "02", "--json")
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try object(r.stdout)
        let old = try XCTUnwrap(json["old_group_public_key"] as? String)
        XCTAssertEqual(json["new_group_public_key"] as? String, old)
        let members = try XCTUnwrap(json["members"] as? [[String: Any]])
        XCTAssertEqual(members.count, 5)
        XCTAssertFalse(members.contains { $0["index"] as? Int == 4 }, "a leaving member is not in the new committee")
        XCTAssertNotNil(json["blame"] as? [Any])
        let tooFew = try vring("reshare", "simulate", "--members", "4", "--threshold", "3", "--new-members", "3",
                               "--new-threshold", "2", "--offline", "1", "--offline", "2")
        XCTAssertEqual(tooFew.status, 2)
    }
}
