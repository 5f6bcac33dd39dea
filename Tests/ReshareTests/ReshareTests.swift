import Primitives
import BLS12381
import Reshare
import Threshold
import XCTest


func idx(_ i: Int) -> MemberIndex { try! MemberIndex(i) }

/// A committee in the clear (test only): share scalars by index, public shares, group key.
struct Committee {
    var threshold: Int
    var shares: [MemberIndex: Fr]
    var publicShares: [MemberIndex: PublicKey]
    var groupKey: PublicKey
    var epoch: UInt64

    func share(_ i: Int) -> SecretShare { SecretShare(index: idx(i), key: try! SecretKey(scalar: shares[idx(i)]!)) }

    func partial(_ i: Int, _ message: [UInt8]) -> PartialSignature {
        ThresholdSignature.partialSign(share: share(i), message: message)
    }

    /// Whether the partials of `signers` combine (threshold t) into a signature under the group key.
    func signs(_ partials: [PartialSignature], threshold: Int, _ message: [UInt8]) -> Bool {
        guard let s = try? ThresholdSignature.combine(partials, threshold: threshold) else { return false }
        return BLS.verify(publicKey: groupKey, message: message, signature: s)
    }
}

func makeCommittee(threshold t: Int, members n: Int, rng: inout SplitMix64) -> Committee {
    let secret = try! SecretKey(scalar: Fr.random(using: &rng))
    var shares: [MemberIndex: Fr] = [:]
    var pks: [MemberIndex: PublicKey] = [:]
    _ = Shamir.split(secret: secret, parameters: try! ThresholdParameters(threshold: t, members: n),
                     randomScalar: { Fr.random(using: &rng) }) { share in
        shares[share.index] = share.key.withScalar { $0 }
        pks[share.index] = share.publicShare
    }
    return Committee(threshold: t, shares: shares, publicShares: pks, groupKey: secret.publicKey, epoch: 7)
}

/// Runs a resharing in one process: `dealers` deal, `tamper` may corrupt dealings, every new
/// member receives. Returns the new committee and the blame seen by the first new member.
func reshare(
    _ old: Committee, newThreshold: Int, newIndices: [Int], dealers: [Int], rng: inout SplitMix64,
    tamper: (inout [ReshareDealing]) -> Void = { _ in }
) throws(ReshareError) -> (Committee, [Blame]) {
    let params = try! ThresholdParameters(threshold: newThreshold, members: newIndices.count)
    let newIdx = newIndices.map(idx)
    var dealings: [ReshareDealing] = []
    for i in dealers {
        dealings.append(try Resharing.deal(oldShare: old.share(i), newEpoch: old.epoch + 1, newParameters: params,
                                           newIndices: newIdx, randomScalar: { Fr.random(using: &rng) }))
    }
    tamper(&dealings)
    var shares: [MemberIndex: Fr] = [:]
    var publicShares: [MemberIndex: PublicKey] = [:]
    var blame: [Blame] = []
    var epoch: UInt64 = 0
    for j in newIdx {
        let out = try Resharing.receive(newIndex: j, dealings: dealings, oldPublicShares: old.publicShares,
                                        oldThreshold: old.threshold, oldGroupKey: old.groupKey, oldEpoch: old.epoch,
                                        newParameters: params, newIndices: newIdx)
        XCTAssertEqual(out.groupKey, old.groupKey)
        if publicShares.isEmpty { publicShares = out.publicShares; blame = out.blame } else {
            XCTAssertEqual(out.publicShares, publicShares, "all new members agree on the public shares")
        }
        XCTAssertEqual(out.share.publicShare, out.publicShares[j])
        shares[j] = out.share.key.withScalar { $0 }
        epoch = out.epoch
    }
    XCTAssertEqual(epoch, old.epoch + 1)
    return (Committee(threshold: newThreshold, shares: shares, publicShares: publicShares, groupKey: old.groupKey,
                      epoch: epoch), blame)
}

/// Every t-subset of `members` signs (only the first few subsets when there are many).
func assertAnyThresholdSigns(_ c: Committee, _ message: [UInt8], file: StaticString = #filePath, line: UInt = #line) {
    let members = c.shares.keys.sorted().map { Int($0.value) }
    let partials = Dictionary(uniqueKeysWithValues: members.map { ($0, c.partial($0, message)) })
    var subsets: [[Int]] = [[]]
    for m in members { subsets += subsets.map { $0 + [m] } }
    for s in subsets where s.count == c.threshold {
        XCTAssertTrue(c.signs(s.map { partials[$0]! }, threshold: c.threshold, message), "subset \(s)", file: file, line: line)
    }
}

final class ResharingTests: XCTestCase {
    let message = Array("attest: slot 99".utf8)

    func testThreeOfFourToThreeOfFiveWithJoiningMember() throws {
        var rng = SplitMix64(seed: 0x4E5)
        let old = makeCommittee(threshold: 3, members: 4, rng: &rng)
        let (new, blame) = try reshare(old, newThreshold: 3, newIndices: [1, 2, 3, 4, 5], dealers: [1, 2, 3, 4], rng: &rng)
        XCTAssertTrue(blame.isEmpty)
        assertAnyThresholdSigns(new, message)
        // Shares really changed.
        for i in 1...4 { XCTAssertFalse(new.shares[idx(i)]! == old.shares[idx(i)]!) }
        // Old and new partials do not mix.
        let mixed = [old.partial(1, message), old.partial(2, message), new.partial(3, message)]
        XCTAssertFalse(new.signs(mixed, threshold: 3, message))
        let mixed2 = [new.partial(1, message), new.partial(5, message), old.partial(4, message)]
        XCTAssertFalse(new.signs(mixed2, threshold: 3, message))
    }

    func testThreeOfFourToTwoOfThreeWithMemberFourLeaving() throws {
        var rng = SplitMix64(seed: 0x432)
        let old = makeCommittee(threshold: 3, members: 4, rng: &rng)
        let (new, _) = try reshare(old, newThreshold: 2, newIndices: [1, 2, 3], dealers: [1, 2, 3, 4], rng: &rng)
        assertAnyThresholdSigns(new, message)
        // t_new − 1 new shares plus the departed member's old share: no valid signature.
        for j in 1...3 {
            XCTAssertFalse(new.signs([new.partial(j, message), old.partial(4, message)], threshold: 2, message))
        }
        // The old committee still signs with its own (now stale) shares — deleting them is the
        // ceremony's job — but never together with new ones.
        XCTAssertTrue(old.signs([1, 2, 4].map { old.partial($0, message) }, threshold: 3, message))
        XCTAssertFalse(new.signs([new.partial(1, message), old.partial(2, message)], threshold: 2, message))
    }

    func testFiveOfSevenToFourOfSixWithOnlyTOldDealers() throws {
        var rng = SplitMix64(seed: 0x574)
        let old = makeCommittee(threshold: 5, members: 7, rng: &rng)
        // Only t_old = 5 old members take part (2 and 6 offline); member 7 leaves.
        let (new, blame) = try reshare(old, newThreshold: 4, newIndices: [1, 2, 3, 4, 5, 6], dealers: [1, 3, 4, 5, 7], rng: &rng)
        XCTAssertTrue(blame.isEmpty)
        assertAnyThresholdSigns(new, message)
        XCTAssertFalse(new.signs([1, 2, 3].map { new.partial($0, message) } + [old.partial(7, message)], threshold: 4, message))
    }

    func testCheatingDealerWithWrongConstantTermIsExcluded() throws {
        var rng = SplitMix64(seed: 0xC0)
        let old = makeCommittee(threshold: 3, members: 5, rng: &rng)
        let params = try ThresholdParameters(threshold: 3, members: 5)
        let newIdx = (1...5).map(idx)
        // Member 2 reshares a made-up value: consistent Feldman, but D[0] ≠ pk_2.
        let fake = SecretShare(index: idx(2), key: try SecretKey(scalar: Fr.random(using: &rng)))
        let forged = try Resharing.deal(oldShare: fake, newEpoch: old.epoch + 1, newParameters: params, newIndices: newIdx,
                                        randomScalar: { Fr.random(using: &rng) })
        let (new, blame) = try reshare(old, newThreshold: 3, newIndices: [1, 2, 3, 4, 5], dealers: [1, 3, 4, 5], rng: &rng) {
            $0.append(forged)
        }
        XCTAssertEqual(blame, [Blame(index: idx(2), reason: .commitmentDoesNotMatchPublicShare)])
        assertAnyThresholdSigns(new, message)
    }

    func testCheatingDealerWithWrongSubShareIsExcluded() throws {
        var rng = SplitMix64(seed: 0xC1)
        var evil = SplitMix64(seed: ~0xC1)
        let old = makeCommittee(threshold: 3, members: 5, rng: &rng)
        let params = try ThresholdParameters(threshold: 3, members: 5)
        let newIdx = (1...5).map(idx)
        var dealings = try (1...5).map { i in
            try Resharing.deal(oldShare: old.share(i), newEpoch: 8, newParameters: params, newIndices: newIdx,
                               randomScalar: { Fr.random(using: &rng) })
        }
        // Dealer 1 sends a garbage sub-share to member 1; dealer 2 omits member 1's sub-share.
        let d = dealings[0]
        var subs = d.subShares
        subs[idx(1)] = SealedScalar(Fr.random(using: &evil))
        dealings[0] = ReshareDealing(dealer: d.dealer, epoch: d.epoch, commitments: d.commitments, subShares: subs)
        let e = dealings[1]
        var subs2 = e.subShares
        subs2[idx(1)] = nil
        dealings[1] = ReshareDealing(dealer: e.dealer, epoch: e.epoch, commitments: e.commitments, subShares: subs2)
        // Only member 1 sees these faults: after the complaint round the agreed qualified set is
        // {3, 4, 5}, which every new member passes, so all combine the same dealers.
        var shares: [MemberIndex: Fr] = [:]
        var publicShares: [MemberIndex: PublicKey] = [:]
        for j in newIdx {
            let out = try Resharing.receive(newIndex: j, dealings: dealings, oldPublicShares: old.publicShares,
                                            oldThreshold: 3, oldGroupKey: old.groupKey, oldEpoch: 7, newParameters: params,
                                            newIndices: newIdx, qualifiedDealers: j == idx(1) ? nil : [idx(3), idx(4), idx(5)])
            if j == idx(1) {
                XCTAssertEqual(out.blame, [Blame(index: idx(1), reason: .invalidSubShare), Blame(index: idx(2), reason: .missingSubShare)])
            }
            XCTAssertEqual(out.dealersUsed, [idx(3), idx(4), idx(5)])
            shares[j] = out.share.key.withScalar { $0 }
            publicShares = out.publicShares
        }
        let new = Committee(threshold: 3, shares: shares, publicShares: publicShares, groupKey: old.groupKey, epoch: 8)
        assertAnyThresholdSigns(new, message)
    }

    func testBadSubShareStillSucceedsWithEnoughHonestDealers() throws {
        var rng = SplitMix64(seed: 0xC2)
        var evil = SplitMix64(seed: ~0xC2)
        let old = makeCommittee(threshold: 3, members: 5, rng: &rng)
        let (new, blame) = try reshare(old, newThreshold: 2, newIndices: [1, 2, 3, 6], dealers: [1, 2, 3, 4, 5], rng: &rng) {
            let d = $0[0]
            var subs = d.subShares
            for k in subs.keys { subs[k] = SealedScalar(Fr.random(using: &evil)) }
            $0[0] = ReshareDealing(dealer: d.dealer, epoch: d.epoch, commitments: d.commitments, subShares: subs)
            $0.append($0[4])  // dealer 5 equivocates/replays: both copies dropped
        }
        XCTAssertEqual(blame, [Blame(index: idx(1), reason: .invalidSubShare), Blame(index: idx(5), reason: .duplicateDealing)])
        assertAnyThresholdSigns(new, message)
    }

    func testTooFewHonestDealersIsATypedError() throws {
        var rng = SplitMix64(seed: 0xC3)
        let old = makeCommittee(threshold: 3, members: 4, rng: &rng)
        XCTAssertThrowsError(try reshare(old, newThreshold: 3, newIndices: [1, 2, 3, 4], dealers: [1, 2, 3], rng: &rng) {
            let d = $0[2]
            $0[2] = ReshareDealing(dealer: d.dealer, epoch: d.epoch + 1, commitments: d.commitments, subShares: d.subShares)
        }) { error in
            XCTAssertEqual(error as? ReshareError, .notEnoughValidDealers(
                needed: 3, valid: 2, blame: [Blame(index: idx(3), reason: .wrongEpoch(expected: 8, got: 9))]))
        }
        // Only t_old − 1 online.
        XCTAssertThrowsError(try reshare(old, newThreshold: 2, newIndices: [1, 2], dealers: [1, 2], rng: &rng)) { error in
            XCTAssertEqual(error as? ReshareError, .notEnoughValidDealers(needed: 3, valid: 2, blame: []))
        }
    }

    func testWrongOldGroupKeyFailsLoudly() throws {
        var rng = SplitMix64(seed: 0xC4)
        var old = makeCommittee(threshold: 2, members: 3, rng: &rng)
        let real = old
        old.groupKey = try SecretKey(scalar: Fr.random(using: &rng)).publicKey
        let params = try ThresholdParameters(threshold: 2, members: 3)
        let newIdx = (1...3).map(idx)
        let dealings = try [1, 2].map { i in
            try Resharing.deal(oldShare: real.share(i), newEpoch: 8, newParameters: params, newIndices: newIdx,
                               randomScalar: { Fr.random(using: &rng) })
        }
        XCTAssertThrowsError(try Resharing.receive(
            newIndex: idx(1), dealings: dealings, oldPublicShares: old.publicShares, oldThreshold: 2,
            oldGroupKey: old.groupKey, oldEpoch: 7, newParameters: params, newIndices: newIdx).epoch) {
            XCTAssertEqual($0 as? ReshareError, .groupKeyMismatch)
        }
    }
}

final class ShareRepairTests: XCTestCase {
    /// Runs the three rounds; `lie` may corrupt round-1 dealings or round-2 sums.
    func repair(
        _ c: Committee, target: Int, helpers: [Int], rng: inout SplitMix64,
        lieDealings: (inout [RepairDealing]) -> Void = { _ in }, lieSums: (inout [RepairSum]) -> Void = { _ in }
    ) throws(ReshareError) -> Fr {
        let h = helpers.map(idx)
        var dealings: [RepairDealing] = []
        for i in helpers {
            dealings.append(try ShareRepair.deal(share: c.share(i), target: idx(target), helpers: h, threshold: c.threshold,
                                                 randomScalar: { Fr.random(using: &rng) }))
        }
        lieDealings(&dealings)
        var sums: [RepairSum] = []
        for j in h { sums.append(try ShareRepair.combine(helper: j, dealings: dealings)) }
        lieSums(&sums)
        let share = try ShareRepair.recover(target: idx(target), helpers: h, threshold: c.threshold,
                                            publicShares: c.publicShares, dealings: dealings, sums: sums)
        return share.key.withScalar { $0 }
    }

    func testMemberThreeRecoversExactlyItsShare() throws {
        var rng = SplitMix64(seed: 0x3E9)
        let c = makeCommittee(threshold: 3, members: 5, rng: &rng)
        let recovered = try repair(c, target: 3, helpers: [1, 4, 5], rng: &rng)
        XCTAssertTrue(recovered == c.shares[idx(3)]!)
        let again = try repair(c, target: 3, helpers: [2, 4, 5], rng: &rng)
        XCTAssertTrue(again == c.shares[idx(3)]!)
    }

    func testLyingHelperSumIsBlamed() throws {
        var rng = SplitMix64(seed: 0x3EA)
        var evil = SplitMix64(seed: ~0x3EA)
        let c = makeCommittee(threshold: 3, members: 5, rng: &rng)
        XCTAssertThrowsError(try repair(c, target: 3, helpers: [1, 2, 4], rng: &rng, lieSums: {
            let s = $0[1]
            $0[1] = RepairSum(helper: s.helper, sum: SealedScalar(Fr.random(using: &evil)), sumCommitment: s.sumCommitment)
        })) { XCTAssertEqual($0 as? ReshareError, .repairFailed(blame: [Blame(index: idx(2), reason: .invalidPartialSum)])) }
    }

    func testLyingHelperDeltaIsBlamed() throws {
        var rng = SplitMix64(seed: 0x3EB)
        var evil = SplitMix64(seed: ~0x3EB)
        let c = makeCommittee(threshold: 3, members: 5, rng: &rng)
        // Helper 4 deals pieces of a wrong δ, consistently committed: every piece check passes,
        // the end check fails, and [δ_4]G1 ≠ λ_4(3)·pk_4 names it.
        XCTAssertThrowsError(try repair(c, target: 3, helpers: [1, 2, 4], rng: &rng, lieDealings: {
            let fake = SecretShare(index: idx(4), key: try! SecretKey(scalar: Fr.random(using: &evil)))
            $0[2] = try! ShareRepair.deal(share: fake, target: idx(3), helpers: [1, 2, 4].map(idx), threshold: 3,
                                          randomScalar: { Fr.random(using: &evil) })
        })) { XCTAssertEqual($0 as? ReshareError, .repairFailed(blame: [Blame(index: idx(4), reason: .deltaCommitmentMismatch)])) }
    }

    func testBadPieceIsBlamedByItsRecipient() throws {
        var rng = SplitMix64(seed: 0x3EC)
        var evil = SplitMix64(seed: ~0x3EC)
        let c = makeCommittee(threshold: 3, members: 5, rng: &rng)
        XCTAssertThrowsError(try repair(c, target: 3, helpers: [1, 2, 4], rng: &rng, lieDealings: {
            let d = $0[0]
            var pieces = d.pieces
            pieces[idx(2)] = SealedScalar(Fr.random(using: &evil))
            $0[0] = RepairDealing(helper: d.helper, target: d.target, deltaCommitment: d.deltaCommitment,
                                  pieceCommitments: d.pieceCommitments, pieces: pieces)
        })) { XCTAssertEqual($0 as? ReshareError, .invalidPieces(blame: [Blame(index: idx(1), reason: .invalidPiece)])) }
    }

    func testFewerThanThresholdHelpersIsATypedError() throws {
        var rng = SplitMix64(seed: 0x3ED)
        let c = makeCommittee(threshold: 3, members: 5, rng: &rng)
        XCTAssertThrowsError(try repair(c, target: 3, helpers: [1, 2], rng: &rng)) {
            XCTAssertEqual($0 as? ReshareError, .notEnoughHelpers(needed: 3, got: 2))
        }
        XCTAssertThrowsError(try repair(c, target: 3, helpers: [1, 2, 3], rng: &rng)) {
            XCTAssertEqual($0 as? ReshareError, .invalidParameters("member 3 cannot help repair itself"))
        }
    }
}
