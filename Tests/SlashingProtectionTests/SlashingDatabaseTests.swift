// The rules one at a time with the error each refusal names, durability across close and
// reopen, chain binding, and two connections racing on conflicting requests.

import Foundation
import SlashingProtection
import Testing

private let chain = testRoot(0xc1)

private func freshDatabase(_ directory: TemporaryDirectory) throws -> SlashingDatabase {
    try SlashingDatabase(path: directory.path("slashing.sqlite"), genesisValidatorsRoot: chain)
}

@Test func blocksMinimalRules() throws {
    let directory = TemporaryDirectory()
    let db = try freshDatabase(directory)
    let key = testKey(1)
    #expect(try db.checkAndRecordBlock(pubkey: key, slot: 5, signingRoot: testRoot(5)) == .recorded)
    #expect(try db.checkAndRecordBlock(pubkey: key, slot: 7, signingRoot: testRoot(7)) == .recorded)
    // The identical block again, even below the highest slot: allowed, nothing new recorded.
    #expect(try db.checkAndRecordBlock(pubkey: key, slot: 5, signingRoot: testRoot(5)) == .identicalRepeat)
    #expect(try db.checkAndRecordBlock(pubkey: key, slot: 7, signingRoot: testRoot(7)) == .identicalRepeat)
    #expect(throws: SlashingError.doubleProposal(slot: 7)) {
        try db.checkAndRecordBlock(pubkey: key, slot: 7, signingRoot: testRoot(8))
    }
    // A zero root is "unknown" and never matches, not even another zero root.
    #expect(throws: SlashingError.doubleProposal(slot: 7)) {
        try db.checkAndRecordBlock(pubkey: key, slot: 7, signingRoot: zeroRoot)
    }
    #expect(throws: SlashingError.slotNotAboveHighest(slot: 6, highest: 7)) {
        try db.checkAndRecordBlock(pubkey: key, slot: 6, signingRoot: testRoot(6))
    }
    #expect(SlashingError.slotNotAboveHighest(slot: 5, highest: 7).description == "slot 5 not above the highest signed slot 7")
    // Another validator is independent.
    #expect(try db.checkAndRecordBlock(pubkey: testKey(2), slot: 1, signingRoot: testRoot(1)) == .recorded)
    #expect(try db.history(pubkey: key).blocks.map(\.slot) == [5, 7])
}

@Test func attestationsMinimalRules() throws {
    let directory = TemporaryDirectory()
    let db = try freshDatabase(directory)
    let key = testKey(1)
    #expect(throws: SlashingError.sourceAfterTarget(source: 3, target: 2)) {
        try db.checkAndRecordAttestation(pubkey: key, sourceEpoch: 3, targetEpoch: 2, signingRoot: testRoot(1))
    }
    #expect(try db.checkAndRecordAttestation(pubkey: key, sourceEpoch: 2, targetEpoch: 10, signingRoot: testRoot(10)) == .recorded)
    #expect(try db.checkAndRecordAttestation(pubkey: key, sourceEpoch: 2, targetEpoch: 10, signingRoot: testRoot(10)) == .identicalRepeat)
    #expect(throws: SlashingError.doubleVote(target: 10)) {
        try db.checkAndRecordAttestation(pubkey: key, sourceEpoch: 2, targetEpoch: 10, signingRoot: testRoot(11))
    }
    #expect(
        SlashingError.doubleVote(target: 10).description == "double vote: target 10 already signed with a different root")
    // Surrounded by 2→10.
    #expect(throws: SlashingError.surroundedByExisting(source: 3, target: 9, existingSource: 2, existingTarget: 10)) {
        try db.checkAndRecordAttestation(pubkey: key, sourceEpoch: 3, targetEpoch: 9, signingRoot: testRoot(9))
    }
    // Surrounds 2→10.
    #expect(throws: SlashingError.surroundsExisting(source: 1, target: 11, existingSource: 2, existingTarget: 10)) {
        try db.checkAndRecordAttestation(pubkey: key, sourceEpoch: 1, targetEpoch: 11, signingRoot: testRoot(12))
    }
    #expect(SlashingError.surroundsExisting(source: 1, target: 11, existingSource: 2, existingTarget: 10).description.hasPrefix("surround vote"))
    // Not slashable, but below the minimal watermarks.
    #expect(throws: SlashingError.targetNotAboveHighest(target: 9, highest: 10)) {
        try db.checkAndRecordAttestation(pubkey: key, sourceEpoch: 2, targetEpoch: 9, signingRoot: testRoot(13))
    }
    #expect(try db.checkAndRecordAttestation(pubkey: key, sourceEpoch: 5, targetEpoch: 12, signingRoot: testRoot(14)) == .recorded)
    // With local history only, a lower source and a new (higher) target always surround the
    // vote that set the highest source, and the surround is what gets named.
    #expect(throws: SlashingError.surroundsExisting(source: 4, target: 13, existingSource: 5, existingTarget: 12)) {
        try db.checkAndRecordAttestation(pubkey: key, sourceEpoch: 4, targetEpoch: 13, signingRoot: testRoot(15))
    }
    #expect(try db.checkAndRecordAttestation(pubkey: key, sourceEpoch: 5, targetEpoch: 13, signingRoot: testRoot(16)) == .recorded)
    // Genesis vote 0→0 is allowed once.
    #expect(try db.checkAndRecordAttestation(pubkey: testKey(3), sourceEpoch: 0, targetEpoch: 0, signingRoot: testRoot(1)) == .recorded)
}

@Test func badInputIsNotARefusal() throws {
    let directory = TemporaryDirectory()
    let db = try freshDatabase(directory)
    #expect(throws: SlashingError.invalidPublicKey(47)) {
        try db.checkAndRecordBlock(pubkey: [UInt8](repeating: 1, count: 47), slot: 1, signingRoot: testRoot(1))
    }
    #expect(throws: SlashingError.invalidRoot(field: "signing root", count: 31)) {
        try db.checkAndRecordBlock(pubkey: testKey(1), slot: 1, signingRoot: [UInt8](repeating: 1, count: 31))
    }
    #expect(throws: SlashingError.valueOutOfRange(field: "slot", value: UInt64.max)) {
        try db.checkAndRecordBlock(pubkey: testKey(1), slot: .max, signingRoot: testRoot(1))
    }
    #expect(!SlashingError.invalidPublicKey(47).isSlashingRefusal)
    #expect(try db.validators().isEmpty)
}

@Test func recordsSurviveCloseAndReopen() throws {
    let directory = TemporaryDirectory()
    let key = testKey(1)
    do {
        let db = try freshDatabase(directory)
        _ = try db.checkAndRecordBlock(pubkey: key, slot: 100, signingRoot: testRoot(1))
        _ = try db.checkAndRecordAttestation(pubkey: key, sourceEpoch: 3, targetEpoch: 4, signingRoot: testRoot(2))
    }  // closed here
    let reopened = try SlashingDatabase(existingAt: directory.path("slashing.sqlite"))
    #expect(reopened.genesisValidatorsRoot == chain)
    #expect(throws: SlashingError.slotNotAboveHighest(slot: 99, highest: 100)) {
        try reopened.checkAndRecordBlock(pubkey: key, slot: 99, signingRoot: testRoot(3))
    }
    #expect(throws: SlashingError.doubleVote(target: 4)) {
        try reopened.checkAndRecordAttestation(pubkey: key, sourceEpoch: 3, targetEpoch: 4, signingRoot: testRoot(4))
    }
    #expect(try reopened.checkAndRecordBlock(pubkey: key, slot: 100, signingRoot: testRoot(1)) == .identicalRepeat)
}

@Test func journalIsWALWithFullSync() throws {
    let directory = TemporaryDirectory()
    let db = try freshDatabase(directory)
    #expect(try db.pragma("journal_mode") == "wal")
    #expect(try db.pragma("synchronous") == "2")  // FULL
}

@Test func databaseIsBoundToOneChain() throws {
    let directory = TemporaryDirectory()
    _ = try freshDatabase(directory)
    #expect(throws: SlashingError.genesisValidatorsRootMismatch(expected: chain, found: testRoot(0xc2))) {
        try SlashingDatabase(path: directory.path("slashing.sqlite"), genesisValidatorsRoot: testRoot(0xc2))
    }
    #expect(throws: SlashingError.self) { try SlashingDatabase(existingAt: directory.path("missing.sqlite")) }
}

/// Two connections (as two processes would have) race on the same slot and the same target
/// with different roots, once per validator for many validators: exactly one of each pair is
/// accepted.
@Test func concurrentWritersNeverBothSucceed() throws {
    let directory = TemporaryDirectory()
    let path = directory.path("slashing.sqlite")
    let first = try SlashingDatabase(path: path, genesisValidatorsRoot: chain)
    let second = try SlashingDatabase(path: path, genesisValidatorsRoot: chain)
    let rounds = 40
    let outcomes = Outcomes()
    DispatchQueue.concurrentPerform(iterations: 2 * rounds) { i in
        let round = UInt64(i / 2)
        let key = testKey(UInt8(round))
        let db = i % 2 == 0 ? first : second
        let root = testRoot(UInt8(i % 2 + 1))
        let block = (try? db.checkAndRecordBlock(pubkey: key, slot: 1_000, signingRoot: root)) != nil
        let vote = (try? db.checkAndRecordAttestation(pubkey: key, sourceEpoch: 0, targetEpoch: 1_000, signingRoot: root)) != nil
        outcomes.add(round: round, block: block, vote: vote)
    }
    for round in 0..<UInt64(rounds) {
        let (blocks, votes) = outcomes.counts(round)
        #expect(blocks == 1, "validator \(round): \(blocks) connections signed a block at the same slot")
        #expect(votes == 1, "validator \(round): \(votes) connections signed a vote for the same target")
        let history = try first.history(pubkey: testKey(UInt8(round)))
        #expect(history.blocks.count == 1 && history.attestations.count == 1)
    }
    #expect(try second.validators().count == rounds)
}

private final class Outcomes: @unchecked Sendable {
    private let lock = NSLock()
    private var blocks: [UInt64: Int] = [:]
    private var votes: [UInt64: Int] = [:]

    func add(round: UInt64, block: Bool, vote: Bool) {
        lock.lock()
        defer { lock.unlock() }
        if block { blocks[round, default: 0] += 1 }
        if vote { votes[round, default: 0] += 1 }
    }

    func counts(_ round: UInt64) -> (Int, Int) {
        lock.lock()
        defer { lock.unlock() }
        return (blocks[round] ?? 0, votes[round] ?? 0)
    }
}
