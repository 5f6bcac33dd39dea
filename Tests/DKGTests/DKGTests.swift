import BLS12381
import DKG
import Primitives
import Threshold
import XCTest

/// Whole ceremonies over the simulated network (Sources/DKG/Simulation.swift), honest and with
/// faults. Every run is seeded; a failure names its seed and replays exactly.
final class DKGTests: XCTestCase {
    private func idx(_ i: Int) -> MemberIndex { try! MemberIndex(i) }
    private func seed(_ label: String) -> [UInt8] { Array(label.utf8) }

    /// Every member in `expected` finished, and their public outputs are identical.
    @discardableResult
    private func assertAgreement(_ r: DKGSimulationResult, finished expected: [Int], honest: [Int]? = nil,
                                 file: StaticString = #filePath, line: UInt = #line) -> DKGPublicOutput? {
        XCTAssertEqual(r.outputs.keys.map(\.value).sorted(), expected.map(UInt32.init), "members that finished", file: file, line: line)
        let outputs = (honest ?? expected).compactMap { r.outputs[idx($0)] }
        guard let agreed = outputs.first, outputs.allSatisfy({ $0 == agreed }) else {
            XCTFail("finished members disagree", file: file, line: line)
            return nil
        }
        return agreed
    }

    /// Takes each signer's shares and checks that exactly these t partial signatures combine
    /// into a signature under every generated group key.
    private func assertSigns(_ r: DKGSimulationResult, _ out: DKGPublicOutput, signers: [Int],
                             file: StaticString = #filePath, line: UInt = #line) throws {
        let message = Array("attestation for slot 42".utf8)
        var partials = [[PartialSignature]](repeating: [], count: out.keys.count)
        for s in signers {
            guard let shares = r.participants[idx(s)]!.takeSecretShares() else {
                return XCTFail("no shares for member \(s)", file: file, line: line)
            }
            for k in 0..<out.keys.count {
                let share = try shares.share(key: k)
                XCTAssertEqual(share.publicShare, out.keys[k].publicShares[s - 1], "public share \(s)", file: file, line: line)
                partials[k].append(ThresholdSignature.partialSign(share: share, message: message))
            }
        }
        for (k, key) in out.keys.enumerated() {
            let publicShares = Dictionary(uniqueKeysWithValues: key.publicShares.enumerated().map { (idx($0.offset + 1), $0.element) })
            let combined = try ThresholdSignature.combineRobust(
                partials[k], threshold: r.configuration.parameters.threshold, groupPublicKey: key.groupPublicKey,
                publicShares: publicShares, message: message)
            XCTAssertTrue(combined.invalid.isEmpty, file: file, line: line)
            XCTAssertTrue(BLS.verify(publicKey: key.groupPublicKey, message: message, signature: combined.signature), file: file, line: line)
        }
    }

    private func honest(_ n: Int, _ t: Int) throws {
        let r = try DKGSimulation.run(members: n, threshold: t, seed: seed("honest \(n) \(t)"))
        let out = try XCTUnwrap(assertAgreement(r, finished: Array(1...n)))
        XCTAssertEqual(out.qualified.map(\.value), (1...n).map(UInt32.init))
        XCTAssertEqual(out.blame, [])
        XCTAssertTrue(r.rejections.isEmpty)
        // The t highest indices: not the dealers' own low indices, and no Lagrange shortcut.
        try assertSigns(r, out, signers: Array((n - t + 1)...n))
    }

    func testHonest4of3() throws { try honest(4, 3) }
    func testHonest7of5() throws { try honest(7, 5) }
    func testHonest10of7() throws { try honest(10, 7) }

    func testSameSeedReplaysSameTranscript() throws {
        let a = try DKGSimulation.run(members: 4, threshold: 3, seed: seed("replay"))
        let b = try DKGSimulation.run(members: 4, threshold: 3, seed: seed("replay"))
        let c = try DKGSimulation.run(members: 4, threshold: 3, seed: seed("replay'"))
        XCTAssertEqual(a.agreedOutput, b.agreedOutput)
        XCTAssertNotEqual(a.agreedOutput?.transcriptHash, c.agreedOutput?.transcriptHash)
        XCTAssertNotEqual(a.agreedOutput?.keys[0].groupPublicKey, c.agreedOutput?.keys[0].groupPublicKey)
    }

    func testSilentFromStartIsExcluded() throws {
        var faults = DKGFaultPlan()
        faults.silentFrom = [idx(2): .deal]
        let r = try DKGSimulation.run(members: 5, threshold: 3, seed: seed("silent"), faults: faults)
        let out = try XCTUnwrap(assertAgreement(r, finished: [1, 3, 4, 5]))
        XCTAssertEqual(out.qualified.map(\.value), [1, 3, 4, 5])
        XCTAssertEqual(out.blame, [Blame(member: idx(2), reason: .noDealByDeadline, disqualified: true)])
        XCTAssertEqual(out.blame[0].reason.description, "no commitments by deadline")
        try assertSigns(r, out, signers: [1, 4, 5])
    }

    func testCrashAfterDealingStillFinishes() throws {
        var faults = DKGFaultPlan()
        faults.silentFrom = [idx(3): .complain, idx(6): .justify]
        let r = try DKGSimulation.run(members: 7, threshold: 5, seed: seed("crash"), faults: faults)
        let out = try XCTUnwrap(assertAgreement(r, finished: [1, 2, 4, 5, 7]))
        XCTAssertEqual(out.qualified.count, 7, "crashed dealers' deals were complete and stay in")
        XCTAssertEqual(out.blame, [Blame(member: idx(3), reason: .silent(.echo), disqualified: false),
                                   Blame(member: idx(6), reason: .silent(.justification), disqualified: false)])
        try assertSigns(r, out, signers: [1, 2, 4, 5, 7])
    }

    func testCorruptShareAnsweredCorrectlyKeepsDealer() throws {
        var faults = DKGFaultPlan()
        faults.corruptShares = [(idx(2), idx(4))]
        let r = try DKGSimulation.run(members: 5, threshold: 3, seed: seed("corrupt"), faults: faults)
        let out = try XCTUnwrap(assertAgreement(r, finished: [1, 2, 3, 4, 5]))
        XCTAssertEqual(out.qualified.count, 5)
        XCTAssertEqual(out.blame, [])
        // The victim's share, rebuilt from the publicly revealed value, signs.
        try assertSigns(r, out, signers: [2, 4, 5])
    }

    /// Only constant terms are subgroup-checked on arrival; a dealer hiding a 3-torsion point in
    /// its higher commitments (so that every share check still holds) is caught by the check of
    /// the sums and disqualified by every member; the key stays in G1 and signs.
    func testTorsionInCommitmentsIsCaughtAndDisqualified() throws {
        var faults = DKGFaultPlan()
        faults.torsionDealers = [idx(3)]
        let r = try DKGSimulation.run(members: 7, threshold: 5, seed: seed("torsion"), faults: faults)
        let out = try XCTUnwrap(assertAgreement(r, finished: Array(1...7)))
        XCTAssertEqual(out.qualified.map(\.value), [1, 2, 4, 5, 6, 7])
        XCTAssertEqual(out.blame.filter(\.disqualified), [Blame(member: idx(3), reason: .commitmentOutsideSubgroup(key: 0), disqualified: true)])
        for key in out.keys {
            XCTAssertTrue(G1Projective(key.groupPublicKey.point).isInSubgroup)
            XCTAssertTrue(key.commitment.coefficients.allSatisfy { G1Projective($0).isInSubgroup })
        }
        try assertSigns(r, out, signers: [3, 4, 5, 6, 7])
        // Without the torsion dealer, no one is blamed.
        let clean = try DKGSimulation.run(members: 7, threshold: 5, seed: seed("torsion"))
        XCTAssertEqual(try XCTUnwrap(assertAgreement(clean, finished: Array(1...7))).blame, [])
    }

    func testCorruptShareAnsweredWronglyDisqualifies() throws {
        var faults = DKGFaultPlan()
        faults.corruptShares = [(idx(2), idx(4))]
        faults.wrongJustifications = [idx(2)]
        let r = try DKGSimulation.run(members: 5, threshold: 3, seed: seed("corrupt-wrong"), faults: faults)
        let out = try XCTUnwrap(assertAgreement(r, finished: [1, 2, 3, 4, 5]))
        XCTAssertEqual(out.qualified.map(\.value), [1, 3, 4, 5])
        XCTAssertEqual(out.blame, [Blame(member: idx(2), reason: .invalidJustification(accuser: idx(4)), disqualified: true)])
        try assertSigns(r, out, signers: [1, 2, 4])
    }

    func testAccusedDealerSilentInJustifyIsDisqualified() throws {
        var faults = DKGFaultPlan()
        faults.corruptShares = [(idx(3), idx(1))]
        faults.silentFrom = [idx(3): .justify]
        let r = try DKGSimulation.run(members: 4, threshold: 3, seed: seed("unanswered"), faults: faults)
        let out = try XCTUnwrap(assertAgreement(r, finished: [1, 2, 4]))
        XCTAssertEqual(out.qualified.map(\.value), [1, 2, 4])
        XCTAssertEqual(out.blame, [Blame(member: idx(3), reason: .unansweredComplaint(accuser: idx(1)), disqualified: true)])
        try assertSigns(r, out, signers: [1, 2, 4])
    }

    func testEquivocatingDealerDisqualifiedByAll() throws {
        var faults = DKGFaultPlan()
        faults.equivocators = [idx(3)]
        let r = try DKGSimulation.run(members: 7, threshold: 5, seed: seed("equivocate"), faults: faults)
        let out = try XCTUnwrap(assertAgreement(r, finished: Array(1...7)))
        XCTAssertEqual(out.qualified.map(\.value), [1, 2, 4, 5, 6, 7])
        XCTAssertEqual(out.blame, [Blame(member: idx(3), reason: .dealEquivocation, disqualified: true)])
        try assertSigns(r, out, signers: [1, 2, 3, 4, 6])
    }

    func testFalseEchoCannotFrameHonestDealer() throws {
        var faults = DKGFaultPlan()
        faults.falseEchoes = [(liar: idx(5), dealer: idx(2))]
        let r = try DKGSimulation.run(members: 5, threshold: 3, seed: seed("frame"), faults: faults)
        // The liar's own state machine holds its honest echo, so only members 1…4 must agree.
        let out = try XCTUnwrap(assertAgreement(r, finished: [1, 2, 3, 4, 5], honest: [1, 2, 3, 4]))
        XCTAssertEqual(out.qualified.map(\.value), [1, 2, 3, 4])
        XCTAssertEqual(out.blame, [Blame(member: idx(5), reason: .falseEcho(dealer: idx(2)), disqualified: true)])
        try assertSigns(r, out, signers: [2, 3, 4])
    }

    func testLateDealIsRejectedAndExcluded() throws {
        var faults = DKGFaultPlan()
        faults.lateDeals = [idx(1)]
        let r = try DKGSimulation.run(members: 4, threshold: 2, seed: seed("late"), faults: faults)
        let out = try XCTUnwrap(assertAgreement(r, finished: [1, 2, 3, 4]))
        XCTAssertEqual(out.qualified.map(\.value), [2, 3, 4])
        XCTAssertEqual(out.blame, [Blame(member: idx(1), reason: .noDealByDeadline, disqualified: true)])
        for m in 2...4 { XCTAssertEqual(r.rejections[idx(m)], [.late(sender: idx(1), kind: .deal)]) }
    }

    func testTooManyDropoutsFailCleanlyWithBlame() throws {
        var faults = DKGFaultPlan()
        faults.silentFrom = [idx(2): .deal, idx(4): .deal]
        let r = try DKGSimulation.run(members: 4, threshold: 3, seed: seed("dropouts"), faults: faults)
        XCTAssertTrue(r.outputs.isEmpty)
        XCTAssertEqual(r.failures.keys.map(\.value).sorted(), [1, 3])
        let f = try XCTUnwrap(r.failures[idx(1)])
        XCTAssertEqual(r.failures[idx(3)], f)
        XCTAssertEqual(f.qualified.map(\.value), [1, 3])
        XCTAssertEqual(f.needed, 3)
        XCTAssertEqual(f.blame.map(\.member.value), [2, 4])
        XCTAssertTrue(f.blame.allSatisfy { $0.reason == .noDealByDeadline && $0.disqualified })
        let shares = r.participants[idx(1)]!.takeSecretShares()
        XCTAssertTrue(shares == nil, "a failed ceremony hands out no shares")
    }

    func testHostileNetworkStillAgrees() throws {
        var faults = DKGFaultPlan()
        faults.garbage = true
        faults.duplicate = true
        faults.reorder = true
        let r = try DKGSimulation.run(members: 5, threshold: 3, seed: seed("hostile"), faults: faults)
        let out = try XCTUnwrap(assertAgreement(r, finished: [1, 2, 3, 4, 5]))
        XCTAssertEqual(out.qualified.count, 5)
        XCTAssertEqual(out.blame, [])
        XCTAssertGreaterThan(r.duplicatesIgnored, 0)
        let errors = r.rejections[idx(3)] ?? []
        XCTAssertTrue(errors.contains(.badSignature(sender: idx(1))))
        XCTAssertTrue(errors.contains(.unsupportedVersion(2)))
        XCTAssertTrue(errors.contains(.wrongSession))
        XCTAssertTrue(errors.contains { if case .nonCanonical = $0 { true } else { false } })
        XCTAssertEqual(errors.count, 15, "5 bad messages in each of 3 rounds, all rejected: \(errors)")
        try assertSigns(r, out, signers: [1, 3, 5])
    }

    func testTwoKeysInOneCeremonyAreIndependent() throws {
        let contexts = [Array("validator/0".utf8), Array("ballot".utf8)]
        var faults = DKGFaultPlan()
        faults.corruptShares = [(idx(1), idx(2))]
        let r = try DKGSimulation.run(members: 4, threshold: 3, seed: seed("two keys"), keyContexts: contexts, faults: faults)
        let out = try XCTUnwrap(assertAgreement(r, finished: [1, 2, 3, 4]))
        XCTAssertEqual(out.keys.count, 2)
        XCTAssertEqual(out.keys.map(\.context), contexts)
        XCTAssertNotEqual(out.keys[0].groupPublicKey, out.keys[1].groupPublicKey)
        try assertSigns(r, out, signers: [1, 2, 4])
    }

    func testRevealedSharesReconstructTheGroupKey() throws {
        var faults = DKGFaultPlan()
        faults.silentFrom = [idx(1): .deal]
        let r = try DKGSimulation.run(members: 4, threshold: 2, seed: seed("reveal"), faults: faults, disclosure: .reveal)
        let out = try XCTUnwrap(r.agreedOutput)
        XCTAssertEqual(r.revealedSecretShares.keys.map(\.value).sorted(), [2, 3, 4])
        let points = try [2, 4].map { m -> (MemberIndex, Fr) in
            (idx(m), try XCTUnwrap(Hex.decode(r.revealedSecretShares[idx(m)]![0]).flatMap { Fr(bigEndian: $0) }))
        }
        let secret = try SecretKey(scalar: try Lagrange.interpolateAtZero(points))
        XCTAssertEqual(secret.publicKey, out.keys[0].groupPublicKey)
    }
}
