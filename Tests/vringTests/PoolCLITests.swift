import Foundation
import XCTest

/// `vring identity`, `vring pool …` and `vring keys …` as separate processes on loopback, the
/// way members run them. Each test builds its own directory of identities and a pool
/// definition with short deadlines.
final class PoolCLITests: XCTestCase {
    /// Forms the pool with `members`, signs with `signers`, and checks the signature with `vring bls verify`.
    func formAndSign(members n: Int, threshold t: Int) throws {
        let s = try makePool(members: n, threshold: t)
        let formed = try start(s, Array(1...n), "form") { self.form(s, $0) }.mapValues { $0.wait() }
        var keys = Set<String>()
        for i in 1...n {
            let r = formed[i]!
            XCTAssertEqual(r.status, 0, "member \(i): \(r.stderr)")
            let j = try json(r)
            keys.insert((j["validators"] as! [String])[0])
            XCTAssertEqual(j["qual"] as? [Int], Array(1...n))
        }
        XCTAssertEqual(keys.count, 1, "every member has the same validator key")
        let key = keys.first!
        // The deposit data verifies; the keystore decrypts to the member's public share.
        XCTAssertEqual(try vring("keys", "verify-deposit", "--file", s.data(1) + "/deposit-data.json").status, 0)
        let decrypted = try vring("keys", "decrypt", "--keystore", s.data(2) + "/validator_keys/keystore-0.json", "--password-file", s.password, "--json")
        XCTAssertEqual(decrypted.status, 0, decrypted.stderr)
        let lock = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: s.data(1) + "/lock.json"))) as! [String: Any]
        let validators = lock["validators"] as! [[String: Any]]
        XCTAssertEqual("0x" + (try json(decrypted)["public_key"] as! String), (validators[0]["public_shares"] as! [String])[1])
        XCTAssertEqual((lock["signatures"] as! [Any]).count, n)
        XCTAssertEqual(lock["threshold"] as? Int, t)
        XCTAssertEqual(lock["epoch"] as? Int, 0)

        let message = "0123456789abcdef"
        let signers = Array((1...n).reversed().prefix(t))
        let signed = try start(s, signers, "sign") { self.sign(s, $0, message: message) }.mapValues { $0.wait() }
        for i in signers {
            XCTAssertEqual(signed[i]!.status, 0, "member \(i): \(signed[i]!.stderr)")
            let sig = try json(signed[i]!)["signature"] as! String
            XCTAssertEqual(try vring("bls", "verify", "--public-key", key, "--message", message, "--signature", sig).status, 0)
        }
        // Running the formation again with the same data dir does nothing and reports the same key.
        let again = try vring(form(s, 1))
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual((try json(again)["validators"] as! [String])[0], key)
    }

    func testThreeOfFourFormAndSign() throws { try formAndSign(members: 4, threshold: 3) }
    func testFiveOfSevenFormAndSign() throws { try formAndSign(members: 7, threshold: 5) }

    func testAMemberKilledMidDKGIsLeftOutAndLeavesNoFiles() throws {
        let s = try makePool(members: 4, threshold: 3, phaseSeconds: 3)
        let results = try start(s, [1, 2, 3, 4], "form", { self.form(s, $0) }, environment: [4: ["VRING_TEST_CRASH": "after-deal"]])
            .mapValues { $0.wait() }
        XCTAssertEqual(results[4]!.status, 137, results[4]!.stderr)
        for i in 1...3 { XCTAssertEqual(results[i]!.status, 0, "member \(i): \(results[i]!.stderr)") }
        XCTAssertFalse(FileManager.default.fileExists(atPath: s.data(4) + "/lock.json"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: s.data(4) + "/validator_keys/keystore-0.json"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: s.data(4) + "/deposit-data.json"))
        let lock = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: s.data(1) + "/lock.json"))) as! [String: Any]
        XCTAssertEqual((lock["signatures"] as! [[String: Any]]).map { $0["index"] as! Int }, [1, 2, 3], "member 4 did not sign")
        // The others named it while waiting.
        XCTAssertTrue(results[1]!.stderr.contains("member 4 (m4)"), results[1]!.stderr)
    }

    func testAKilledMemberRestartsAndRejoins() throws {
        let s = try makePool(members: 4, threshold: 3, phaseSeconds: 20)
        let running = try start(s, [1, 2, 3, 4], "form", { self.form(s, $0) }, environment: [4: ["VRING_TEST_CRASH": "after-deal"]])
        let crashed = running[4]!.wait()
        XCTAssertEqual(crashed.status, 137, crashed.stderr)
        let restarted = try start(s, [4], "form-again") { self.form(s, $0) }[4]!.wait()
        XCTAssertEqual(restarted.status, 0, restarted.stderr)
        XCTAssertTrue(restarted.stderr.contains("resuming"), restarted.stderr)
        var keys = Set<String>()
        for i in 1...3 {
            let r = running[i]!.wait()
            XCTAssertEqual(r.status, 0, "member \(i): \(r.stderr)")
            keys.insert((try json(r)["validators"] as! [String])[0])
        }
        keys.insert((try json(restarted)["validators"] as! [String])[0])
        XCTAssertEqual(keys.count, 1)
        let lock = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: s.data(4) + "/lock.json"))) as! [String: Any]
        XCTAssertEqual((lock["qualified"] as! [Int]), [1, 2, 3, 4])
        XCTAssertEqual((lock["signatures"] as! [Any]).count, 4, "the restarted member signed the lock too")
    }

    func testReplaceAMemberKeepsTheValidatorKey() throws {
        let s = try makePool(members: 4, threshold: 3)
        let formed = try start(s, [1, 2, 3, 4], "form") { self.form(s, $0) }.mapValues { $0.wait() }
        for i in 1...4 { XCTAssertEqual(formed[i]!.status, 0, formed[i]!.stderr) }
        let key = (try json(formed[1]!)["validators"] as! [String])[0]
        try FileManager.default.createDirectory(at: s.root.appendingPathComponent("m5"), withIntermediateDirectories: true)
        let newcomer = try vring("identity", "new", "--name", "m5", "--address", "127.0.0.1:\(s.base + 5)", "--out", s.identity(5))
        let reshare = s.root.appendingPathComponent("reshare.json").path
        let edit = try vring("pool", "edit", "--lock", s.data(1) + "/lock.json", "--replace", "4=" + newcomer.stdout.trimmed, "--out", reshare, "--json")
        XCTAssertEqual(edit.status, 0, edit.stderr)
        XCTAssertEqual((try json(edit)["members"] as! [[String: Any]]).map { $0["index"] as! Int }, [1, 2, 3, 5])
        // Not approved yet: refused.
        let early = try vring("pool", "reshare", "--definition", reshare, "--identity", s.identity(1), "--data-dir", s.data(1), "--password-file", s.password)
        XCTAssertEqual(early.status, 2)
        XCTAssertTrue(early.stderr.contains("approve"), early.stderr)
        for i in [1, 2, 3, 5] { XCTAssertEqual(try vring("pool", "approve", "--definition", reshare, "--identity", s.identity(i)).status, 0) }
        let results = try start(s, [1, 2, 3, 4, 5], "reshare") { i in
            ["pool", "reshare", "--definition", reshare, "--identity", s.identity(i), "--data-dir", s.data(i), "--password-file", s.password, "--json"]
        }.mapValues { $0.wait() }
        for i in 1...5 { XCTAssertEqual(results[i]!.status, 0, "member \(i): \(results[i]!.stderr)") }
        XCTAssertEqual(try json(results[4]!)["left"] as? Bool, true)
        for i in [1, 2, 3, 5] {
            let j = try json(results[i]!)
            XCTAssertEqual(j["epoch"] as? Int, 1)
            XCTAssertEqual((j["validators"] as! [String])[0], key)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: s.data(4) + "/validator_keys/keystore-0.json"))
        // The new committee signs under the same key; member 4 is no longer part of it.
        let message = "abcdef"
        let signed = try start(s, [2, 3, 5], "sign") { self.sign(s, $0, message: message) }.mapValues { $0.wait() }
        for i in [2, 3, 5] {
            XCTAssertEqual(signed[i]!.status, 0, signed[i]!.stderr)
            XCTAssertEqual(try vring("bls", "verify", "--public-key", key, "--message", message, "--signature", try json(signed[i]!)["signature"] as! String).status, 0)
        }
        let gone = try vring(sign(s, 4, message: message))
        XCTAssertEqual(gone.status, 2, gone.stderr)
    }

    func testAMemberBehindNATTakesPartThroughARelay() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("vring-relay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let s = Scratch(root: root, base: try freePortBase())
        try Data("pool test password\n".utf8).write(to: URL(fileURLWithPath: s.password))
        var records: [String] = []
        for i in 1...3 {
            try FileManager.default.createDirectory(at: root.appendingPathComponent("m\(i)"), withIntermediateDirectories: true)
            let place = i == 3 ? ["--relay", "m1"] : ["--address", "127.0.0.1:\(s.base + i)"]
            let r = try vring(["identity", "new", "--name", "m\(i)", "--out", s.identity(i)] + place)
            XCTAssertEqual(r.status, 0, r.stderr)
            records.append(r.stdout.trimmed)
        }
        var define = ["pool", "define", "--name", "relay", "--threshold", "2", "--network", "sepolia",
                      "--withdrawal-address", "0x" + String(repeating: "22", count: 20), "--phase-timeout", "5", "--out", s.definition]
        for r in records { define += ["--member", r] }
        XCTAssertEqual(try vring(define).status, 0)
        for i in 1...3 { XCTAssertEqual(try vring("pool", "approve", "--definition", s.definition, "--identity", s.identity(i)).status, 0) }
        let formed = try start(s, [1, 2, 3], "form") { self.form(s, $0) }.mapValues { $0.wait() }
        for i in 1...3 { XCTAssertEqual(formed[i]!.status, 0, "member \(i): \(formed[i]!.stderr)") }
        XCTAssertEqual(try json(formed[3]!)["qual"] as? [Int], [1, 2, 3])
        // The relay (m1) must be up for m3 to be reachable: members 1 and 3 sign.
        let signed = try start(s, [1, 3], "sign") { self.sign(s, $0, message: "00ff") }.mapValues { $0.wait() }
        for i in [1, 3] { XCTAssertEqual(signed[i]!.status, 0, "member \(i): \(signed[i]!.stderr)") }
    }

    func testAVoteOverTheNetworkTalliesAndVerifies() throws {
        let s = try makePool(members: 4, threshold: 3)
        let formed = try start(s, [1, 2, 3, 4], "form") { self.form(s, $0) }.mapValues { $0.wait() }
        for i in 1...4 { XCTAssertEqual(formed[i]!.status, 0, formed[i]!.stderr) }
        // The question is the canonical text of a change: replace member 4 by a newcomer.
        try FileManager.default.createDirectory(at: s.root.appendingPathComponent("m5"), withIntermediateDirectories: true)
        let newcomer = try vring("identity", "new", "--name", "m5", "--address", "127.0.0.1:\(s.base + 5)", "--out", s.identity(5)).stdout.trimmed
        let edit = ["pool", "edit", "--lock", s.data(1) + "/lock.json", "--replace", "4=" + newcomer]
        let question = try vring(edit + ["--print-question"]).stdout.trimmed
        XCTAssertTrue(question.contains("replace 4 by m5"), question)
        let choices = [1: "yes", 2: "no", 3: "yes"]  // member 4 is present but abstains
        let results = try start(s, [1, 2, 3, 4], "vote") { i in
            ["vote", "run", "--lock", s.data(i) + "/lock.json", "--identity", s.identity(i), "--data-dir", s.data(i), "--password-file", s.password,
             "--question", question, "--options", "yes,no", "--transcript", s.data(i) + "/vote.json", "--json"]
                + (choices[i].map { ["--choice", $0] } ?? [])
        }.mapValues { $0.wait() }
        for i in 1...4 {
            XCTAssertEqual(results[i]!.status, 0, "member \(i): \(results[i]!.stderr)")
            let j = try json(results[i]!)
            XCTAssertEqual(j["tally"] as? [String: Int], ["yes": 2, "no": 1])
            XCTAssertEqual(j["ballots"] as? Int, 3)
            XCTAssertEqual((j["mixers"] as? [Int])?.count, 3)
        }
        let verified = try vring("vote", "verify", "--transcript", s.data(4) + "/vote.json", "--json")
        XCTAssertEqual(verified.status, 0, verified.stderr)
        // A tampered transcript fails verification (exit 1): one more "no" in the tally.
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: s.data(4) + "/vote.json"))) as! [String: Any]
        var tally = object["tally"] as! [String: Int]
        tally["no", default: 0] += 1
        object["tally"] = tally
        let tampered = s.root.appendingPathComponent("tampered.json")
        try JSONSerialization.data(withJSONObject: object).write(to: tampered)
        let refused = try vring("vote", "verify", "--transcript", tampered.path)
        XCTAssertEqual(refused.status, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("tally"), refused.stderr)
        // The passed vote authorises the change; a tampered transcript or another change does not.
        let approved = try vring(edit + ["--approved-by", s.data(2) + "/vote.json", "--out", s.root.appendingPathComponent("reshare.json").path, "--json"])
        XCTAssertEqual(approved.status, 0, approved.stderr)
        XCTAssertEqual((try json(approved)["approved_by_vote"] as? String)?.count, 64)
        XCTAssertEqual(try vring(edit + ["--approved-by", tampered.path, "--out", s.root.appendingPathComponent("r2.json").path]).status, 2)
        let other = try vring(["pool", "edit", "--lock", s.data(1) + "/lock.json", "--remove", "2", "--approved-by", s.data(2) + "/vote.json",
                               "--out", s.root.appendingPathComponent("r3.json").path])
        XCTAssertEqual(other.status, 2)
        XCTAssertTrue(other.stderr.contains("not on this change"), other.stderr)

        // Ballot boxes closing at different times converge: member 1 closes after 2 s and mixes
        // first; member 4 votes only after that, so members 2–4 hold a ballot member 1 never
        // saw. They adopt the first mix's list; member 4 is told its ballot is not counted.
        let second = { (i: Int, choice: String, deadline: String) -> [String] in
            ["vote", "run", "--lock", s.data(i) + "/lock.json", "--identity", s.identity(i), "--data-dir", s.data(i), "--password-file", s.password,
             "--question", "Lower the fee?", "--options", "yes,no", "--vote-id", "2", "--transcript", s.data(i) + "/vote2.json", "--json",
             "--choice", choice, "--deadline", deadline]
        }
        let early = try start(s, [1, 2, 3], "vote2") { i in second(i, "yes", i == 1 ? "2s" : "60s") }
        Thread.sleep(forTimeInterval: 3.5)
        let lateVoter = try start(s, [4], "vote2") { i in second(i, "no", "60s") }[4]!
        var second2 = early.mapValues { $0.wait() }
        second2[4] = lateVoter.wait()
        for i in 1...4 {
            XCTAssertEqual(second2[i]!.status, 0, "member \(i): \(second2[i]!.stderr)")
            guard second2[i]!.status == 0 else { continue }
            XCTAssertEqual(try json(second2[i]!)["tally"] as? [String: Int], ["yes": 3, "no": 0], "member \(i)")
            XCTAssertEqual(try vring("vote", "verify", "--transcript", s.data(i) + "/vote2.json").status, 0)
        }
        XCTAssertTrue(second2[2]!.stderr.contains("adopted the ballot list of the first mix"), second2[2]!.stderr)
        XCTAssertTrue(second2[4]!.stderr.contains("own ballot is not in the list"), second2[4]!.stderr)
        XCTAssertNotEqual(try vring(second(1, "yes", "soon")).status, 0, "a malformed --deadline is refused")
    }

    func testRefusals() throws {
        let s = try makePool(members: 3, threshold: 2)
        // A stranger (identity not in the definition) cannot join.
        let stranger = s.root.appendingPathComponent("stranger").path
        XCTAssertEqual(try vring("identity", "new", "--name", "x", "--address", "127.0.0.1:\(s.base + 9)", "--out", stranger).status, 0)
        let refused = try vring("pool", "form", "--definition", s.definition, "--identity", stranger, "--data-dir", stranger + "-data",
                                "--password-file", s.password)
        XCTAssertEqual(refused.status, 2)
        XCTAssertTrue(refused.stderr.contains("not a member"), refused.stderr)
        // An identity directory is never overwritten.
        XCTAssertEqual(try vring("identity", "new", "--name", "x", "--address", "127.0.0.1:1", "--out", stranger).status, 2)
        // A definition edited after approval.
        let edited = s.root.appendingPathComponent("edited.json").path
        let text = try String(contentsOfFile: s.definition, encoding: .utf8).replacingOccurrences(of: "\"threshold\" : 2", with: "\"threshold\" : 1")
        try text.write(toFile: edited, atomically: true, encoding: .utf8)
        let changed = try vring("pool", "form", "--definition", edited, "--identity", s.identity(1), "--data-dir", s.data(1),
                                "--password-file", s.password)
        XCTAssertEqual(changed.status, 2)
        XCTAssertTrue(changed.stderr.contains("definition_hash does not match"), changed.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: s.data(1) + "/lock.json"))
        // A malformed record.
        XCTAssertEqual(try vring("pool", "define", "--name", "x", "--threshold", "1", "--network", "hoodi", "--withdrawal-address",
                                 "0x" + String(repeating: "11", count: 20), "--member", "vring:AAAA", "--member", "vring:BBBB", "--out", edited).status, 2)
        // Form, then a wrong password is named as such.
        let formed = try start(s, [1, 2, 3], "form") { self.form(s, $0) }.mapValues { $0.wait() }
        for i in 1...3 { XCTAssertEqual(formed[i]!.status, 0, formed[i]!.stderr) }
        let wrong = s.root.appendingPathComponent("wrong.txt").path
        try "not it\n".write(toFile: wrong, atomically: true, encoding: .utf8)
        let r = try vring("pool", "sign", "--lock", s.data(1) + "/lock.json", "--identity", s.identity(1), "--data-dir", s.data(1),
                          "--password-file", wrong, "--message", "00")
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("wrong password"), r.stderr)
        // Malformed edits and node addresses are named.
        let badReplace = try vring("pool", "edit", "--lock", s.data(1) + "/lock.json", "--replace", "garbage", "--out", edited)
        XCTAssertEqual(badReplace.status, 2)
        XCTAssertTrue(badReplace.stderr.contains("--replace"), badReplace.stderr)
        XCTAssertEqual(try vring("pool", "edit", "--lock", s.data(1) + "/lock.json", "--out", edited).status, 2, "an edit that changes nothing")
        XCTAssertEqual(try vring("pool", "edit", "--lock", s.data(1) + "/lock.json", "--remove", "9", "--out", edited).status, 2, "no member 9")
        let badHTTP = try vring("node", "run", "--lock", s.data(1) + "/lock.json", "--identity", s.identity(1), "--data-dir", s.data(1),
                                "--password-file", s.password, "--http", "nonsense")
        XCTAssertEqual(badHTTP.status, 2)
        XCTAssertTrue(badHTTP.stderr.contains("HOST:PORT"), badHTTP.stderr)
        // A keystore of another member is refused before any network traffic.
        let swapped = s.root.appendingPathComponent("swapped").path
        try FileManager.default.createDirectory(atPath: swapped + "/validator_keys", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: s.data(2) + "/validator_keys/keystore-0.json", toPath: swapped + "/validator_keys/keystore-0.json")
        let other = try vring("pool", "sign", "--lock", s.data(1) + "/lock.json", "--identity", s.identity(1), "--data-dir", swapped,
                              "--password-file", s.password, "--message", "00")
        XCTAssertEqual(other.status, 2)
        XCTAssertTrue(other.stderr.contains("not member 1 (m1)'s share"), other.stderr)
    }

    func testKeysAgainstTheEIPVectors() throws {
        let fixtures = Self.packageRoot.appendingPathComponent("Tests/StakingTests/Fixtures")
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("vring-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        // EIP-2333/2334: every key of the test mnemonic (with its BIP-39 passphrase).
        let derived = try JSONSerialization.jsonObject(with: Data(contentsOf: fixtures.appendingPathComponent("eip2334-paths/derived_keys_test_mnemonic.json"))) as! [String: Any]
        let mnemonicFile = scratch.appendingPathComponent("mnemonic.txt"), passphraseFile = scratch.appendingPathComponent("passphrase.txt")
        try (derived["mnemonic"] as! String).write(to: mnemonicFile, atomically: true, encoding: .utf8)
        try (derived["bip39_passphrase"] as! String).write(to: passphraseFile, atomically: true, encoding: .utf8)
        let keys = derived["keys"] as! [[String: Any]]
        XCTAssertFalse(keys.isEmpty)
        for key in keys {
            let path = key["path"] as! String
            let r = try vring("keys", "derive", "--mnemonic-file", mnemonicFile.path, "--passphrase-file", passphraseFile.path,
                              "--path", path, "--json", "--reveal-secret")
            XCTAssertEqual(r.status, 0, r.stderr)
            let j = try json(r)
            XCTAssertEqual(j["public_key"] as? String, key["pubkey"] as? String, path)
            XCTAssertEqual(j["secret_key"] as? String, key["secret_key"] as? String, path)
        }
        XCTAssertEqual(try vring("keys", "derive", "--mnemonic-file", mnemonicFile.path, "--path", "m/12381/x").status, 2)
        // EIP-2335: every stored keystore decrypts to its pubkey with its password; a wrong one is refused.
        let dir = fixtures.appendingPathComponent("eip2335-keystore")
        let cases = (try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("cases.json"))) as! [String: Any])["cases"] as! [[String: Any]]
        XCTAssertEqual(cases.count, 5)
        for c in cases {
            let file = dir.appendingPathComponent(c["file"] as! String).path
            let password = scratch.appendingPathComponent((c["file"] as! String) + ".password")
            try ((c["password"] as! String) + "\n").write(to: password, atomically: true, encoding: .utf8)
            let r = try vring("keys", "decrypt", "--keystore", file, "--password-file", password.path, "--json")
            XCTAssertEqual(r.status, 0, "\(file): \(r.stderr)")
            XCTAssertEqual(try json(r)["public_key"] as? String, c["pubkey"] as? String)
            let wrong = scratch.appendingPathComponent("wrong.password")
            try "wrong\n".write(to: wrong, atomically: true, encoding: .utf8)
            let w = try vring("keys", "decrypt", "--keystore", file, "--password-file", wrong.path)
            XCTAssertEqual(w.status, 2)
            XCTAssertTrue(w.stderr.contains("wrong password"), w.stderr)
        }
    }
}
