import BLS12381
import enum DKG.ReceiveOutcome
import enum DKG.SecretShareDisclosure
import struct DKG.MemberIdentity
import struct DKG.SessionID
import Primitives
import Reshare
import Threshold
import XCTest

// Resharing and repair as message protocols over the simulated network
// (Sources/Reshare/Simulation.swift), honest and with every fault the simulation can inject.
// Every run is seeded: a failure names its seed and replays exactly.

private func m(_ i: Int) -> MemberIndex { try! MemberIndex(i) }
private func ms(_ xs: [Int]) -> [MemberIndex] { xs.map(m) }
private let message = Array("block proposal for slot 1234".utf8)

/// Whether exactly these partials combine (threshold t) into a signature under `groupKey`.
private func signs(_ partials: [PartialSignature], threshold: Int, groupKey: PublicKey) -> Bool {
    guard partials.count == threshold, let s = try? ThresholdSignature.combine(partials, threshold: threshold) else { return false }
    return BLS.verify(publicKey: groupKey, message: message, signature: s)
}

/// Some t-subsets of `members` (sliding windows, and the highest t), deterministic.
private func subsets(_ members: [MemberIndex], size t: Int) -> [[MemberIndex]] {
    guard members.count >= t else { return [] }
    var out: [[MemberIndex]] = []
    for start in stride(from: 0, through: members.count - t, by: max(1, (members.count - t) / 3 + 1)) {
        out.append(Array(members[start..<(start + t)]))
    }
    out.append(Array(members.suffix(t)))
    let spread = stride(from: 0, to: members.count, by: 2).map { members[$0] }
    if spread.count >= t { out.append(Array(spread.prefix(t))) }
    return out
}

final class ReshareProtocolTests: XCTestCase {
    /// Every member in `finished` finished (and no one else), all agree; returns the agreed output.
    @discardableResult
    /// `honest`: the members whose outputs must agree (a member that sent garbage or lied in its
    /// echo sees its own true message, so its view differs); default all that finished.
    private func agreed(_ r: ReshareSimulationResult, finished: [Int], honest: [Int]? = nil,
                        file: StaticString = #filePath, line: UInt = #line) -> ReshareOutput? {
        XCTAssertEqual(r.outputs.keys.sorted(), ms(finished), "members that finished", file: file, line: line)
        XCTAssertTrue(r.failures.isEmpty, "failures: \(r.failures)", file: file, line: line)
        let outputs = ms(honest ?? finished).compactMap { r.outputs[$0] }
        guard let out = outputs.first, outputs.allSatisfy({ $0 == out }) else { XCTFail("finished members disagree", file: file, line: line); return nil }
        XCTAssertEqual(out.epoch, r.configuration.epoch, file: file, line: line)
        for (k, key) in out.keys.enumerated() {
            XCTAssertEqual(key.groupKey, r.configuration.keys[k].groupKey, "group key \(k) unchanged", file: file, line: line)
            XCTAssertEqual(key.commitment.groupKey, r.configuration.keys[k].groupKey.point, file: file, line: line)
        }
        return out
    }

    /// Partial signatures per key from every new member that finished, each share checked
    /// against its public share.
    private func newPartials(_ r: ReshareSimulationResult, file: StaticString = #filePath, line: UInt = #line) throws -> [[MemberIndex: PartialSignature]] {
        var partials = [[MemberIndex: PartialSignature]](repeating: [:], count: r.configuration.keyCount)
        for (member, p) in r.participants.sorted(by: { $0.key < $1.key }) {
            guard let out = p.output else { continue }
            let shares = p.takeNewShares()
            XCTAssertEqual(shares != nil, r.configuration.newMembers.contains(member), "member \(member) holds new shares iff new", file: file, line: line)
            guard let shares else { continue }
            for k in 0..<r.configuration.keyCount {
                let share = try shares.share(key: k)
                XCTAssertEqual(share.publicShare, out.publicShare(key: k, member: member), file: file, line: line)
                partials[k][member] = ThresholdSignature.partialSign(share: share, message: message)
            }
        }
        return partials
    }

    /// Any t_new new shares sign under the unchanged group key; t_new − 1 do not, nor with a
    /// departed member's old share, nor mixed with old shares.
    private func assertNewCommitteeSigns(_ r: ReshareSimulationResult, file: StaticString = #filePath, line: UInt = #line) throws {
        let partials = try newPartials(r, file: file, line: line)
        let t = r.configuration.newThreshold
        for (k, byMember) in partials.enumerated() {
            let groupKey = r.configuration.keys[k].groupKey
            let holders = byMember.keys.sorted()
            let sets = subsets(holders, size: t)
            XCTAssertFalse(sets.isEmpty, "at least t_new new members hold shares", file: file, line: line)
            for s in sets {
                XCTAssertTrue(signs(s.map { byMember[$0]! }, threshold: t, groupKey: groupKey), "key \(k), signers \(s)", file: file, line: line)
            }
            let fewer = Array(holders.prefix(t - 1)).map { byMember[$0]! }
            if let old = r.oldShares {
                let departed = r.configuration.oldMembers.filter { !r.configuration.newMembers.contains($0) }
                for d in departed {
                    let stale = ThresholdSignature.partialSign(share: old.share(of: d, key: k)!, message: message)
                    XCTAssertFalse(signs(fewer + [stale], threshold: t, groupKey: groupKey), "t_new − 1 new shares + departed \(d)'s old share", file: file, line: line)
                }
                // Old shares really were a working sharing of this key (so the negatives mean something).
                let oldSigners = Array(r.configuration.oldMembers.prefix(r.configuration.oldThreshold))
                let oldPartials = oldSigners.map { ThresholdSignature.partialSign(share: old.share(of: $0, key: k)!, message: message) }
                XCTAssertTrue(signs(oldPartials, threshold: r.configuration.oldThreshold, groupKey: groupKey), file: file, line: line)
                // New and old shares of the same members do not mix.
                let continuing = holders.filter { r.configuration.oldMembers.contains($0) }
                if let c = continuing.first, t >= 2 {
                    let others = holders.filter { $0 != c }.prefix(t - 1).map { byMember[$0]! }
                    let oldPartial = ThresholdSignature.partialSign(share: old.share(of: c, key: k)!, message: message)
                    XCTAssertFalse(signs(others + [oldPartial], threshold: t, groupKey: groupKey), "old share of \(c) with new shares", file: file, line: line)
                }
            }
        }
    }

    private func blame(_ out: ReshareOutput?) -> [String] { out?.blame.map(\.description) ?? [] }

    // MARK: - Honest

    func testHonestThreeOfFourToThreeOfFiveWithJoiningMember() throws {
        let r = try ReshareSimulation.run(ReshareScenario(oldMembers: 4, oldThreshold: 3, joining: 1, newThreshold: 3),
                                          seed: Array("honest 4→5".utf8), disclosure: .reveal)
        let out = try XCTUnwrap(agreed(r, finished: [1, 2, 3, 4, 5]))
        XCTAssertEqual(out.qualified, ms([1, 2, 3, 4]))
        XCTAssertEqual(out.dealersUsed, ms([1, 2, 3]))
        XCTAssertEqual(out.blame, [])
        XCTAssertTrue(r.network.rejections.isEmpty)
        try assertNewCommitteeSigns(r)
    }

    func testTenMembersTwoKeysLeavingJoiningAndNewThreshold() throws {
        // 6-of-10 → 7-of-10: members 3 and 8 leave, 11 and 12 join; two keys at once.
        let r = try ReshareSimulation.run(
            ReshareScenario(oldMembers: 10, oldThreshold: 6, leaving: [m(3), m(8)], joining: 2, newThreshold: 7, keyCount: 2),
            seed: Array("honest 10".utf8), disclosure: .reveal)
        let out = try XCTUnwrap(agreed(r, finished: Array(1...12)))
        XCTAssertEqual(out.newMembers, ms([1, 2, 4, 5, 6, 7, 9, 10, 11, 12]))
        XCTAssertEqual(out.dealersUsed, ms([1, 2, 3, 4, 5, 6]))
        XCTAssertEqual(out.keys.count, 2)
        try assertNewCommitteeSigns(r)
    }

    func testShrinkingCommitteeWithOnlyTOldDealers() throws {
        // 5-of-7 → 2-of-3; only t_old = 5 old members are online, the rest never speak.
        var faults = ProtocolFaultPlan()
        faults.silentFrom = [m(2): .dealing, m(6): .dealing]
        let r = try ReshareSimulation.run(ReshareScenario(oldMembers: 7, oldThreshold: 5, leaving: [m(4), m(5), m(6), m(7)], newThreshold: 2),
                                          seed: Array("shrink".utf8), faults: faults, disclosure: .reveal)
        let out = try XCTUnwrap(agreed(r, finished: [1, 3, 4, 5, 7]))
        XCTAssertEqual(out.dealersUsed, ms([1, 3, 4, 5, 7]))
        XCTAssertEqual(blame(out), ["member 2: no dealing by deadline", "member 6: no dealing by deadline"])
        try assertNewCommitteeSigns(r)
    }

    // MARK: - Members that crash, lie, equivocate, send garbage

    func testCrashesAtEveryPhase() throws {
        // 4-of-7 → 4-of-7 (7 leaves, 8 joins): 1 never speaks, 3 crashes after dealing, 5 after
        // echoing. f = 3 = n − t.
        var faults = ProtocolFaultPlan()
        faults.silentFrom = [m(1): .dealing, m(3): .echo, m(5): .justification]
        let r = try ReshareSimulation.run(ReshareScenario(oldMembers: 7, oldThreshold: 4, leaving: [m(7)], joining: 1, newThreshold: 4),
                                          seed: Array("crashes".utf8), faults: faults, disclosure: .reveal)
        let out = try XCTUnwrap(agreed(r, finished: [2, 4, 6, 7, 8]))
        XCTAssertEqual(out.qualified, ms([2, 3, 4, 5, 6, 7]))
        XCTAssertEqual(out.dealersUsed, ms([2, 3, 4, 5]))
        XCTAssertEqual(blame(out), ["member 1: no dealing by deadline", "member 3: silent: no echo/complaint message by deadline",
                                    "member 5: silent: no justification message by deadline"])
        try assertNewCommitteeSigns(r)
    }

    func testLyingAboutSubSharesAnsweredAndUnanswered() throws {
        // Dealer 1 sends joiner 6 a bad sub-share and answers the complaint correctly: it stays.
        // Dealer 2 does the same to 3 and reveals a wrong value: it is disqualified.
        var faults = ProtocolFaultPlan()
        faults.corruptSubShares = [(m(1), m(6)), (m(2), m(3))]
        faults.wrongJustifications = [m(2)]
        let r = try ReshareSimulation.run(ReshareScenario(oldMembers: 5, oldThreshold: 3, joining: 1, newThreshold: 3),
                                          seed: Array("lying".utf8), faults: faults, disclosure: .reveal)
        let out = try XCTUnwrap(agreed(r, finished: [1, 2, 3, 4, 5, 6]))
        XCTAssertEqual(out.qualified, ms([1, 3, 4, 5]))
        XCTAssertEqual(out.dealersUsed, ms([1, 3, 4]))
        XCTAssertEqual(blame(out), ["member 2: revealed sub-share for member 3 does not match the commitments"])
        try assertNewCommitteeSigns(r)
    }

    func testEquivocatingDealerIsDisqualified() throws {
        var faults = ProtocolFaultPlan()
        faults.equivocators = [m(3)]
        let r = try ReshareSimulation.run(ReshareScenario(oldMembers: 5, oldThreshold: 3, leaving: [m(5)], joining: 2, newThreshold: 4),
                                          seed: Array("equivocation".utf8), faults: faults, disclosure: .reveal)
        let out = try XCTUnwrap(agreed(r, finished: [1, 2, 3, 4, 5, 6, 7]))
        XCTAssertFalse(out.qualified.contains(m(3)))
        XCTAssertEqual(out.dealersUsed, ms([1, 2, 4]))
        XCTAssertEqual(blame(out), ["member 3: equivocation: two different signed dealings (commitments differ between members)"])
        try assertNewCommitteeSigns(r)
    }

    func testResharingSomethingElseIsCaughtAgainstOldPublicShares() throws {
        var faults = ProtocolFaultPlan()
        faults.wrongSecret = [m(1)]
        let r = try ReshareSimulation.run(ReshareScenario(oldMembers: 4, oldThreshold: 2, joining: 1, newThreshold: 3),
                                          seed: Array("wrong secret".utf8), faults: faults, disclosure: .reveal)
        let out = try XCTUnwrap(agreed(r, finished: [1, 2, 3, 4, 5]))
        XCTAssertEqual(out.dealersUsed, ms([2, 3]))
        XCTAssertEqual(blame(out), ["member 1: commitment D[0] does not match its public share in the old committee"])
        try assertNewCommitteeSigns(r)
    }

    func testGarbageAndFalseEchoesFromMembers() throws {
        // 4 sends a signed dealing with a garbage body; 2 a garbage echo; 5 (new) lies that
        // dealer 1 sent something else.
        var faults = ProtocolFaultPlan()
        faults.garbageFrom = [m(4): .dealing, m(2): .echo, m(5): .dealing]  // 5 is new: it deals nothing
        faults.falseEchoes = [(m(5), m(1))]
        let r = try ReshareSimulation.run(ReshareScenario(oldMembers: 4, oldThreshold: 2, joining: 1, newThreshold: 2),
                                          seed: Array("garbage members".utf8), faults: faults, disclosure: .reveal)
        let out = try XCTUnwrap(agreed(r, finished: [1, 2, 3, 4, 5], honest: [1, 3]))
        XCTAssertEqual(out.qualified, ms([1, 2, 3]))
        XCTAssertEqual(blame(out), ["member 2: silent: no echo/complaint message by deadline",
                                    "member 4: no dealing by deadline",
                                    "member 5: echoed a dealing from member 1 that nobody can produce"])
        let rejected = r.network.rejections[m(1)] ?? []
        XCTAssertTrue(rejected.contains { if case .malformed = $0 { true } else { false } }, "garbage body rejected as malformed: \(rejected)")
        XCTAssertTrue(rejected.contains(.unexpectedSender(sender: m(5), kind: .dealing)), "a new-only member cannot deal")
        try assertNewCommitteeSigns(r)
    }

    func testTooManyFaultyDealersFailsWithBlameEverywhere() throws {
        // f = n − t + 1: only t_old − 1 dealers remain.
        var faults = ProtocolFaultPlan()
        faults.silentFrom = [m(1): .dealing]
        faults.wrongSecret = [m(2)]
        let r = try ReshareSimulation.run(ReshareScenario(oldMembers: 4, oldThreshold: 3, newThreshold: 3),
                                          seed: Array("too many".utf8), faults: faults)
        XCTAssertTrue(r.outputs.isEmpty)
        XCTAssertEqual(r.failures.keys.sorted(), ms([2, 3, 4]))
        for f in r.failures.values {
            XCTAssertEqual(f.qualified, ms([3, 4]))
            XCTAssertEqual(f.needed, 3)
            XCTAssertEqual(f.blame.map(\.index), ms([1, 2]))
            XCTAssertEqual(f.transcriptHash, r.failures[m(3)]!.transcriptHash)
        }
        for p in r.participants.values { XCTAssertTrue(p.takeNewShares() == nil) }
    }

    func testTenMembersWithNMinusTFaultyOldMembers() throws {
        // 6-of-10 → 7-of-10 with 4 = n − t faulty old members, one of each kind.
        var faults = ProtocolFaultPlan()
        faults.silentFrom = [m(1): .dealing]
        faults.equivocators = [m(2)]
        faults.wrongSecret = [m(3)]
        faults.corruptSubShares = [(m(4), m(11))]
        faults.wrongJustifications = [m(4)]
        let r = try ReshareSimulation.run(
            ReshareScenario(oldMembers: 10, oldThreshold: 6, leaving: [m(9), m(10)], joining: 2, newThreshold: 7),
            seed: Array("ten, four faulty".utf8), faults: faults, disclosure: .reveal)
        let out = try XCTUnwrap(agreed(r, finished: [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]))
        XCTAssertEqual(out.qualified, ms([5, 6, 7, 8, 9, 10]))
        XCTAssertEqual(out.dealersUsed, ms([5, 6, 7, 8, 9, 10]))
        XCTAssertEqual(out.blame.map(\.index), ms([1, 2, 3, 4]))
        try assertNewCommitteeSigns(r)
    }

    // MARK: - The network

    func testDroppedDelayedReorderedDuplicatedCorruptedAndForeignMessagesChangeNothing() throws {
        let scenario = ReshareScenario(oldMembers: 5, oldThreshold: 3, leaving: [m(2)], joining: 1, newThreshold: 3)
        let seed = Array("network".utf8)
        var clean = ProtocolFaultPlan()
        clean.reorder = false
        let reference = try ReshareSimulation.run(scenario, seed: seed, faults: clean)
        var faults = ProtocolFaultPlan()
        faults.duplicate = true
        faults.dropPerMille = 150
        faults.delayPerMille = 150
        faults.corruptPerMille = 100
        faults.garbage = true
        let r = try ReshareSimulation.run(scenario, seed: seed, faults: faults, disclosure: .reveal)
        let out = try XCTUnwrap(agreed(r, finished: [1, 2, 3, 4, 5, 6]))
        XCTAssertEqual(out, reference.agreedOutput, "transport faults that are repaired do not change the result")
        XCTAssertGreaterThan(r.network.duplicatesIgnored, 0)
        XCTAssertGreaterThan(r.network.retransmitted, 0)
        let rejected = Array(r.network.rejections.values.joined())
        for expected: ProtocolMessageError in [.wrongSession, .wrongProtocol(2), .wrongEpoch(expected: 8, actual: 9), .unsupportedVersion(2),
                                               .unknownSender(999), .truncated(40)] {
            XCTAssertTrue(rejected.contains(expected), "rejected \(expected)")
        }
        XCTAssertTrue(rejected.contains { if case .badSignature = $0 { true } else { false } })
        XCTAssertTrue(rejected.contains { if case .nonCanonical = $0 { true } else { false } })
        try assertNewCommitteeSigns(r)
    }

    func testLostAndLateDealings() throws {
        // Dealer 2's dealing never reaches 4 or the joiner 6: they echo "none", the others
        // publish it and 2 reveals their sub-shares. Dealer 3's dealing is late for everyone.
        var faults = ProtocolFaultPlan()
        faults.lostDealings = [(m(2), m(4)), (m(2), m(6))]
        faults.lateDealings = [m(3)]
        let r = try ReshareSimulation.run(ReshareScenario(oldMembers: 5, oldThreshold: 3, joining: 1, newThreshold: 3),
                                          seed: Array("lost".utf8), faults: faults, disclosure: .reveal)
        let out = try XCTUnwrap(agreed(r, finished: [1, 2, 3, 4, 5, 6]))
        XCTAssertEqual(out.qualified, ms([1, 2, 4, 5]))
        XCTAssertEqual(out.dealersUsed, ms([1, 2, 4]))
        XCTAssertEqual(blame(out), ["member 3: no dealing by deadline"])
        XCTAssertTrue(r.network.rejections.values.joined().contains(.late(sender: m(3), kind: .dealing)))
        try assertNewCommitteeSigns(r)
    }

    func testSameSeedReplaysSameTranscript() throws {
        let scenario = ReshareScenario(oldMembers: 4, oldThreshold: 3, leaving: [m(1)], joining: 2, newThreshold: 2)
        var faults = ProtocolFaultPlan()
        faults.corruptSubShares = [(m(2), m(5))]
        faults.dropPerMille = 100
        let a = try ReshareSimulation.run(scenario, seed: Array("replay".utf8), faults: faults)
        let b = try ReshareSimulation.run(scenario, seed: Array("replay".utf8), faults: faults)
        let c = try ReshareSimulation.run(scenario, seed: Array("replay'".utf8), faults: faults)
        let outA = try XCTUnwrap(a.agreedOutput)
        XCTAssertEqual(outA, b.agreedOutput)
        XCTAssertEqual(a.network.deliveryLog, b.network.deliveryLog)
        XCTAssertNotEqual(outA.transcriptHash, c.agreedOutput?.transcriptHash)
        XCTAssertNotEqual(outA.keys[0].groupKey, c.agreedOutput?.keys[0].groupKey)
    }

    func testFaultPlanNamingStrangersIsATypedError() {
        var faults = ProtocolFaultPlan()
        faults.equivocators = [m(9)]
        XCTAssertThrowsError(try ReshareSimulation.run(ReshareScenario(oldMembers: 3, oldThreshold: 2, newThreshold: 2),
                                                       seed: [1], faults: faults)) {
            XCTAssertEqual($0 as? ReshareError, .invalidParameters("fault plan names member 9, not in the roster"))
        }
    }
}

final class RepairProtocolTests: XCTestCase {
    /// Checks the repaired member got exactly its lost share back and signs with the others.
    /// `byzantine`: helpers whose own view differs (they sent garbage), left out of the agreement check.
    private func assertRepaired(_ r: RepairSimulationResult, helpersUsed: [Int]? = nil, byzantine: [Int] = [],
                                file: StaticString = #filePath, line: UInt = #line) throws {
        let target = r.configuration.target
        let p = try XCTUnwrap(r.participants[target], file: file, line: line)
        let out = try XCTUnwrap(p.output, "target failed: \(String(describing: p.failure))", file: file, line: line)
        if let helpersUsed { XCTAssertEqual(out.helpersUsed, ms(helpersUsed), file: file, line: line) }
        guard let repaired = p.takeRepairedShares() else { return XCTFail("no repaired shares", file: file, line: line) }
        XCTAssertTrue(p.takeRepairedShares() == nil, "handed out once", file: file, line: line)
        let original = try XCTUnwrap(r.shares, file: file, line: line)
        for k in 0..<r.configuration.keyCount {
            let share = try repaired.share(key: k)
            XCTAssertEqual(share.publicShare, r.keys[k].publicShares[target], "repaired share matches the public share", file: file, line: line)
            XCTAssertEqual(share.key.revealHex(), original.share(of: target, key: k)!.key.revealHex(), file: file, line: line)
            // It signs with t − 1 untouched shares under the unchanged group key.
            let others = r.configuration.helpers.prefix(r.configuration.threshold - 1)
            let partials = others.map { ThresholdSignature.partialSign(share: original.share(of: $0, key: k)!, message: message) }
                + [ThresholdSignature.partialSign(share: share, message: message)]
            XCTAssertTrue(signs(partials, threshold: r.configuration.threshold, groupKey: r.keys[k].groupKey), file: file, line: line)
        }
        // Helpers that finished agree on rounds 1–3 with the repaired member and hold nothing new.
        for (h, hp) in r.participants where h != target {
            if let o = hp.output, !ms(byzantine).contains(h) {
                XCTAssertEqual(o.transcriptHash, out.transcriptHash, "helper \(h)", file: file, line: line)
                XCTAssertEqual(o.qualified, out.qualified, file: file, line: line)
            }
            XCTAssertTrue(hp.takeRepairedShares() == nil, file: file, line: line)
        }
    }

    func testHonestRepairOfMemberThree() throws {
        let r = try RepairSimulation.run(RepairScenario(members: 5, threshold: 3, target: m(3), keyCount: 2),
                                         seed: Array("repair honest".utf8), disclosure: .reveal)
        try assertRepaired(r, helpersUsed: [1, 2, 4])
        let out = try XCTUnwrap(r.outputs[m(3)])
        XCTAssertEqual(out.qualified, ms([1, 2, 4, 5]))
        XCTAssertEqual(out.blame, [])
        XCTAssertEqual(out.maskedShareBlame, [])
        XCTAssertTrue(r.network.rejections.isEmpty)
    }

    func testExactlyTHelpers() throws {
        let r = try RepairSimulation.run(RepairScenario(members: 6, threshold: 4, target: m(6), helpers: ms([1, 3, 4, 5])),
                                         seed: Array("exactly t".utf8), disclosure: .reveal)
        try assertRepaired(r, helpersUsed: [1, 3, 4, 5])
    }

    func testTenMembersHelpersCrashingAtEveryPhase() throws {
        // 4-of-10, member 10 repaired by 1…9; five helpers fail (f = 9 − t): 1 never speaks,
        // 2 crashes after dealing, 3 after echoing, 4 before its masked share, 5 deals garbage.
        var faults = ProtocolFaultPlan()
        faults.silentFrom = [m(1): .dealing, m(2): .echo, m(3): .justification, m(4): .maskedShare]
        faults.garbageFrom = [m(5): .dealing]
        let r = try RepairSimulation.run(RepairScenario(members: 10, threshold: 4, target: m(10)),
                                         seed: Array("repair crashes".utf8), faults: faults, disclosure: .reveal)
        // 5's garbage dealing is rejected everywhere; 5 itself cannot vouch for its own dealing,
        // so it reaches the same verdict and its masked share is good.
        try assertRepaired(r, helpersUsed: [5, 6, 7, 8])
        let out = try XCTUnwrap(r.outputs[m(10)])
        XCTAssertEqual(out.qualified, ms([2, 3, 4, 6, 7, 8, 9]))
        XCTAssertEqual(out.blame.map(\.description), [
            "member 1: no dealing by deadline", "member 2: silent: no echo/complaint message by deadline",
            "member 3: silent: no justification message by deadline", "member 5: no dealing by deadline",
        ])
        XCTAssertEqual(out.maskedShareBlame.map(\.description), [
            "member 1: silent: no masked share message by deadline", "member 2: silent: no masked share message by deadline",
            "member 3: silent: no masked share message by deadline", "member 4: silent: no masked share message by deadline",
        ])
    }

    func testLyingEquivocatingAndNonVanishingHelpers() throws {
        // 3-of-8, member 2 repaired: 1 equivocates, 3 deals a mask that does not vanish at 2,
        // 4 corrupts 6's sub-share and reveals it wrong, 5 corrupts 7's and answers honestly,
        // 8 sends a wrong masked share. f = 5 = 7 − t helpers misbehave.
        var faults = ProtocolFaultPlan()
        faults.equivocators = [m(1)]
        faults.wrongSecret = [m(3)]
        faults.corruptSubShares = [(m(4), m(6)), (m(5), m(7))]
        faults.wrongJustifications = [m(4)]
        faults.wrongMaskedShares = [m(8)]
        let r = try RepairSimulation.run(RepairScenario(members: 8, threshold: 3, target: m(2)),
                                         seed: Array("repair lies".utf8), faults: faults, disclosure: .reveal)
        let out = try XCTUnwrap(r.outputs[m(2)])
        XCTAssertEqual(out.qualified, ms([5, 6, 7, 8]))
        XCTAssertEqual(out.blame.map(\.description), [
            "member 1: equivocation: two different signed dealings (commitments differ between members)",
            "member 3: mask polynomial does not vanish at the repaired member's index",
            "member 4: revealed sub-share for member 6 does not match the commitments",
        ])
        XCTAssertEqual(out.maskedShareBlame, [Blame(index: m(8), reason: .invalidMaskedShare)])
        try assertRepaired(r, helpersUsed: [1, 3, 4])
    }

    func testNetworkFaultsChangeNothing() throws {
        let scenario = RepairScenario(members: 5, threshold: 3, target: m(4))
        let seed = Array("repair network".utf8)
        let reference = try RepairSimulation.run(scenario, seed: seed)
        var faults = ProtocolFaultPlan()
        faults.duplicate = true
        faults.dropPerMille = 150
        faults.delayPerMille = 150
        faults.corruptPerMille = 100
        faults.garbage = true
        faults.lostDealings = [(m(1), m(2))]
        let r = try RepairSimulation.run(scenario, seed: seed, faults: faults, disclosure: .reveal)
        try assertRepaired(r, helpersUsed: [1, 2, 3])
        XCTAssertEqual(r.outputs[m(4)]?.qualified, reference.outputs[m(4)]?.qualified)
        let rejected = Array(r.network.rejections.values.joined())
        for expected: ProtocolMessageError in [.wrongSession, .wrongProtocol(1), .wrongEpoch(expected: 8, actual: 9), .unsupportedVersion(2),
                                               .unknownSender(999), .truncated(40)] {
            XCTAssertTrue(rejected.contains(expected), "rejected \(expected)")
        }
        XCTAssertGreaterThan(r.network.duplicatesIgnored, 0)
    }

    func testTooFewHonestHelpersFailsWithBlame() throws {
        var faults = ProtocolFaultPlan()
        faults.silentFrom = [m(2): .dealing]
        faults.wrongMaskedShares = [m(3)]
        let r = try RepairSimulation.run(RepairScenario(members: 5, threshold: 3, target: m(1)),
                                         seed: Array("repair too few".utf8), faults: faults, disclosure: .reveal)
        let f = try XCTUnwrap(r.failures[m(1)])
        XCTAssertEqual(f.error, .notEnoughHelpers(needed: 3, got: 2))
        XCTAssertTrue(f.blame.contains(Blame(index: m(3), reason: .invalidMaskedShare)))
        XCTAssertTrue(r.participants[m(1)]!.takeRepairedShares() == nil)
    }

    func testSameSeedReplaysSameTranscript() throws {
        var faults = ProtocolFaultPlan()
        faults.corruptSubShares = [(m(1), m(3))]
        let scenario = RepairScenario(members: 4, threshold: 2, target: m(2))
        let a = try RepairSimulation.run(scenario, seed: Array("repair replay".utf8), faults: faults)
        let b = try RepairSimulation.run(scenario, seed: Array("repair replay".utf8), faults: faults)
        let c = try RepairSimulation.run(scenario, seed: Array("repair replay'".utf8), faults: faults)
        let outA = try XCTUnwrap(a.outputs[m(2)])
        XCTAssertEqual(outA, b.outputs[m(2)])
        XCTAssertEqual(a.network.deliveryLog, b.network.deliveryLog)
        XCTAssertNotEqual(outA.transcriptHash, c.outputs[m(2)]?.transcriptHash)
    }
}

/// Seeded sweeps: random committees (n ≤ 10) and up to n − t faulty members with random faults
/// of every kind, over a lossy, reordering, duplicating, corrupting network with injected
/// garbage. Each case prints its seed on failure and replays from it.
final class ProtocolSweepTests: XCTestCase {
    private enum Fault: CaseIterable { case silentDealing, silentEcho, silentJustification, silentMasked, equivocate, wrongSecret,
                                            corruptAnswered, corruptLying, garbageDealing, lateDealing, wrongMasked }

    private func network(_ rng: inout SplitMix64) -> ProtocolFaultPlan {
        var f = ProtocolFaultPlan()
        f.duplicate = Bool.random(using: &rng)
        f.dropPerMille = Int.random(in: 0...200, using: &rng)
        f.delayPerMille = Int.random(in: 0...200, using: &rng)
        f.corruptPerMille = Int.random(in: 0...100, using: &rng)
        f.garbage = Bool.random(using: &rng)
        return f
    }

    private func apply(_ fault: Fault, to x: MemberIndex, victims: [MemberIndex], plan f: inout ProtocolFaultPlan, rng: inout SplitMix64) {
        switch fault {
        case .silentDealing: f.silentFrom[x] = .dealing
        case .silentEcho: f.silentFrom[x] = .echo
        case .silentJustification: f.silentFrom[x] = .justification
        case .silentMasked: f.silentFrom[x] = .maskedShare
        case .equivocate: f.equivocators.insert(x)
        case .wrongSecret: f.wrongSecret.insert(x)
        case .corruptAnswered, .corruptLying:
            if let v = victims.filter({ $0 != x }).randomElement(using: &rng) { f.corruptSubShares.append((x, v)) }
            if fault == .corruptLying { f.wrongJustifications.insert(x) }
        case .garbageDealing: f.garbageFrom[x] = .dealing
        case .lateDealing: f.lateDealings.insert(x)
        case .wrongMasked: f.wrongMaskedShares.insert(x)
        }
    }

    func testResharingSweep() throws {
        var ran = 0, faultyTotal = 0
        defer {
            XCTAssertGreaterThanOrEqual(ran, 18, "most cases ran")
            XCTAssertGreaterThanOrEqual(faultyTotal, 20, "the sweep injected member faults")
        }
        for seed in UInt64(1)...24 {
            var rng = SplitMix64(seed: seed)
            let n = Int.random(in: 3...10, using: &rng)
            let t = Int.random(in: 2...n, using: &rng)
            let leaving = Set(ms(Array(1...n)).filter { _ in Int.random(in: 0..<4, using: &rng) == 0 })
            let joining = Int.random(in: 0...(10 - (n - leaving.count)), using: &rng)
            let newMembers = ms(Array(1...n)).filter { !leaving.contains($0) } + ms(Array((n + 1)..<(n + 1 + joining)))
            guard newMembers.count >= 2 else { continue }
            var plan = network(&rng)
            // Odd seeds: the maximum, f = n − t.
            let f = seed % 2 == 1 ? n - t : Int.random(in: 0...(n - t), using: &rng)
            let faulty = Array(ms(Array(1...n)).shuffled(using: &rng).prefix(f))
            var crashed = Set<MemberIndex>()
            var disqualifiable = Set<MemberIndex>()
            for x in faulty {
                let fault = [Fault.silentDealing, .silentEcho, .silentJustification, .equivocate, .wrongSecret, .corruptAnswered,
                             .corruptLying, .garbageDealing, .lateDealing].randomElement(using: &rng)!
                apply(fault, to: x, victims: newMembers, plan: &plan, rng: &rng)
                if [.silentDealing, .silentEcho, .silentJustification].contains(fault) { crashed.insert(x) }
                if fault != .corruptAnswered && fault != .silentEcho && fault != .silentJustification { disqualifiable.insert(x) }
            }
            let holders = newMembers.filter { !crashed.contains($0) }
            guard !holders.isEmpty else { continue }
            let tNew = Int.random(in: 1...min(holders.count, 10), using: &rng)
            let scenario = ReshareScenario(oldMembers: n, oldThreshold: t, leaving: leaving, joining: joining, newThreshold: tNew,
                                           keyCount: Int.random(in: 1...2, using: &rng))
            let context = "seed \(seed): \(t)-of-\(n) → \(tNew)-of-\(newMembers.count), faulty \(faulty.map(\.value).sorted())"
            let r = try ReshareSimulation.run(scenario, seed: Array("sweep \(seed)".utf8), faults: plan, disclosure: .reveal)
            XCTAssertTrue(r.failures.isEmpty, "\(context): \(r.failures)")
            guard let out = r.agreedOutput else { XCTFail("\(context): no agreed output"); continue }
            ran += 1
            faultyTotal += faulty.count
            XCTAssertEqual(r.outputs.keys.sorted(), (Set(ms(Array(1...(n + joining)))).subtracting(crashed)).sorted(), context)
            let honest = ms(Array(1...n)).filter { !faulty.contains($0) }
            XCTAssertTrue(Set(honest).isSubset(of: out.qualified), "\(context): honest dealers qualified")
            XCTAssertTrue(Set(ms(Array(1...n))).subtracting(out.qualified).isSubset(of: disqualifiable), "\(context): only faulty dealers excluded")
            XCTAssertEqual(out.dealersUsed, Array(out.qualified.prefix(t)), context)
            let partials = try newPartialsForSweep(r)
            for (k, byMember) in partials.enumerated() {
                XCTAssertEqual(byMember.keys.sorted(), holders.sorted(), context)
                for s in subsets(byMember.keys.sorted(), size: tNew) {
                    XCTAssertTrue(signs(s.map { byMember[$0]! }, threshold: tNew, groupKey: r.configuration.keys[k].groupKey), "\(context): key \(k) signers \(s)")
                }
            }
        }
    }

    private func newPartialsForSweep(_ r: ReshareSimulationResult) throws -> [[MemberIndex: PartialSignature]] {
        var partials = [[MemberIndex: PartialSignature]](repeating: [:], count: r.configuration.keyCount)
        for (member, p) in r.participants where p.output != nil {
            guard let shares = p.takeNewShares() else { continue }
            for k in 0..<r.configuration.keyCount {
                partials[k][member] = ThresholdSignature.partialSign(share: try shares.share(key: k), message: message)
            }
        }
        return partials
    }

    func testRepairSweep() throws {
        var ran = 0
        defer { XCTAssertEqual(ran, 24, "every case ran") }
        for seed in UInt64(1)...24 {
            var rng = SplitMix64(seed: seed)
            let n = Int.random(in: 3...10, using: &rng)
            let t = Int.random(in: 1...(n - 1), using: &rng)
            let target = m(Int.random(in: 1...n, using: &rng))
            let helpers = ms(Array(1...n)).filter { $0 != target }
            var plan = network(&rng)
            let f = seed % 2 == 1 ? helpers.count - t : Int.random(in: 0...(helpers.count - t), using: &rng)
            let faulty = Array(helpers.shuffled(using: &rng).prefix(f))
            for x in faulty {
                apply([Fault.silentDealing, .silentEcho, .silentJustification, .silentMasked, .equivocate, .wrongSecret, .corruptAnswered,
                       .corruptLying, .garbageDealing, .lateDealing, .wrongMasked].randomElement(using: &rng)!,
                      to: x, victims: helpers, plan: &plan, rng: &rng)
            }
            let context = "seed \(seed): \(t)-of-\(n), repairing \(target), faulty \(faulty.map(\.value).sorted())"
            let r = try RepairSimulation.run(RepairScenario(members: n, threshold: t, target: target, keyCount: Int.random(in: 1...2, using: &rng)),
                                             seed: Array("repair sweep \(seed)".utf8), faults: plan, disclosure: .reveal)
            let p = r.participants[target]!
            guard let out = p.output, let repaired = p.takeRepairedShares() else { XCTFail("\(context): \(String(describing: p.failure))"); continue }
            ran += 1
            XCTAssertEqual(out.helpersUsed.count, t, context)
            XCTAssertTrue(Set(helpers.filter { !faulty.contains($0) }).isSubset(of: out.qualified), "\(context): honest helpers qualified")
            XCTAssertTrue(Set(out.maskedShareBlame.map(\.index)).isSubset(of: faulty), context)
            for k in 0..<r.configuration.keyCount {
                XCTAssertEqual(try repaired.share(key: k).key.revealHex(), r.shares!.share(of: target, key: k)!.key.revealHex(), context)
            }
            for (h, hp) in r.participants where h != target {
                if let o = hp.output { XCTAssertEqual(o.transcriptHash, out.transcriptHash, "\(context): helper \(h)") }
            }
        }
    }
}

/// One participant fed by hand: duplicates, equivocation, late replays and bad inputs.
final class ReshareParticipantTests: XCTestCase {
    private struct Setup {
        let configuration: ReshareConfiguration
        let signingSeeds: [[UInt8]]
        let boxSeeds: [[UInt8]]
        let shares: [Fr]

        func participant(_ i: Int, shares withShares: Bool = true) throws -> ReshareProtocol {
            let own: KeyShares? = withShares && i <= shares.count
                ? try KeyShares(index: m(i), keyCount: 1) { _ in SecretShare(index: m(i), key: try! SecretKey(scalar: shares[i - 1])) } : nil
            return try ReshareProtocol(configuration: configuration, index: m(i), signingKey: SigningKey(seed: SecureBytes(copying: signingSeeds[i - 1])),
                                       encryptionKey: BoxKey(seed: SecureBytes(copying: boxSeeds[i - 1])), oldShares: own)
        }
    }

    /// 2-of-3 reshared to members 1, 2, 3 and a joining 4.
    private func setup() throws -> Setup {
        var rng = SplitMix64(seed: 0x5E7)
        let seeds = (0..<8).map { _ in (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) } }
        let roster = try (1...4).map { i in
            MemberIdentity(index: m(i), signingKey: try SigningKey(seed: SecureBytes(copying: seeds[i - 1])).publicKey,
                           encryptionKey: try BoxKey(seed: SecureBytes(copying: seeds[i + 3])).publicKey)
        }
        let secret = try SecretKey(scalar: Fr.random(using: &rng))
        var scalars: [Fr] = []
        var publicShares: [MemberIndex: PublicKey] = [:]
        _ = Shamir.split(secret: secret, parameters: try ThresholdParameters(threshold: 2, members: 3), randomScalar: { Fr.random(using: &rng) }) {
            scalars.append($0.key.withScalar { $0 })
            publicShares[$0.index] = $0.publicShare
        }
        let configuration = try ReshareConfiguration(
            sessionID: try SessionID(bytes: Array(repeating: 7, count: 32)), epoch: 3, roster: roster, oldMembers: ms([1, 2, 3]),
            oldThreshold: 2, newMembers: ms([1, 2, 3, 4]), newThreshold: 3,
            keys: [ReshareKey(context: Array("validator/0".utf8), groupKey: secret.publicKey, oldPublicShares: publicShares)])
        return Setup(configuration: configuration, signingSeeds: Array(seeds[0..<4]), boxSeeds: Array(seeds[4..<8]), shares: scalars)
    }

    func testDuplicateEquivocationAndLateReplay() throws {
        let s = try setup()
        let dealer = try s.participant(1), other = try s.participant(1), receiver = try s.participant(4)
        var rng = SplitMix64(seed: 1), rng2 = SplitMix64(seed: 2)
        let dealing = try XCTUnwrap(try dealer.start(using: &rng))
        let second = try XCTUnwrap(try other.start(using: &rng2))
        XCTAssertNil(try receiver.start(using: &rng), "a joining member does not deal")
        XCTAssertEqual(try receiver.receive(dealing), .accepted)
        XCTAssertEqual(try receiver.receive(dealing), .duplicate)
        XCTAssertThrowsError(try receiver.receive(second)) {
            XCTAssertEqual($0 as? ProtocolMessageError, .equivocation(sender: m(1), kind: .dealing))
        }
        _ = try receiver.phaseTimeout(using: &rng)
        XCTAssertThrowsError(try receiver.receive(dealing)) { XCTAssertEqual($0 as? ProtocolMessageError, .late(sender: m(1), kind: .dealing)) }
        var flipped = dealing
        flipped[flipped.count - 1] ^= 0x80
        XCTAssertThrowsError(try receiver.receive(flipped)) { XCTAssertEqual($0 as? ProtocolMessageError, .badSignature(sender: m(1))) }
        XCTAssertThrowsError(try receiver.receive([])) { XCTAssertEqual($0 as? ProtocolMessageError, .truncated(0)) }
    }

    func testWrongKeysAndSharesAreRefused() throws {
        let s = try setup()
        // Member 2's identity keys under index 1.
        XCTAssertThrowsError(try ReshareProtocol(configuration: s.configuration, index: m(1),
                                                 signingKey: SigningKey(seed: SecureBytes(copying: s.signingSeeds[1])),
                                                 encryptionKey: BoxKey(seed: SecureBytes(copying: s.boxSeeds[1])), oldShares: nil)) {
            XCTAssertEqual($0 as? ReshareError, .invalidParameters("identity keys do not match roster entry 1"))
        }
        // Member 1 offering member 2's share value.
        XCTAssertThrowsError(try ReshareProtocol(configuration: s.configuration, index: m(1),
                                                 signingKey: SigningKey(seed: SecureBytes(copying: s.signingSeeds[0])),
                                                 encryptionKey: BoxKey(seed: SecureBytes(copying: s.boxSeeds[0])),
                                                 oldShares: KeyShares(index: m(1), keyCount: 1) { _ in SecretShare(index: m(1), key: try! SecretKey(scalar: s.shares[1])) })) {
            XCTAssertEqual($0 as? ReshareError, .invalidParameters("old share of key 0 does not match member 1's public share"))
        }
        // A joining member's phases run in order.
        let joiner = try s.participant(4)
        var rng = SplitMix64(seed: 3)
        XCTAssertThrowsError(try joiner.phaseTimeout(using: &rng)) {
            XCTAssertEqual($0 as? ReshareError, .invalidParameters("call start() before the first deadline"))
        }
    }
}
