// EIP-3076 import and export beyond the upstream vectors: round trips between databases,
// low-watermark merging, chain binding, and parse errors that name the field.

import Foundation
import SlashingProtection
import Testing

private let chain = testRoot(0xc1)

@Test func exportImportRoundTripPreservesDecisions() throws {
    let directory = TemporaryDirectory()
    let source = try SlashingDatabase(path: directory.path("a.sqlite"), genesisValidatorsRoot: chain)
    let (alice, bob) = (testKey(1), testKey(2))
    _ = try source.checkAndRecordBlock(pubkey: alice, slot: 10, signingRoot: testRoot(1))
    _ = try source.checkAndRecordBlock(pubkey: alice, slot: 12, signingRoot: testRoot(2))
    _ = try source.checkAndRecordAttestation(pubkey: alice, sourceEpoch: 1, targetEpoch: 2, signingRoot: testRoot(3))
    _ = try source.checkAndRecordAttestation(pubkey: alice, sourceEpoch: 2, targetEpoch: 3, signingRoot: testRoot(4))
    _ = try source.checkAndRecordAttestation(pubkey: bob, sourceEpoch: 5, targetEpoch: 6, signingRoot: testRoot(5))

    let exported = try source.exportInterchange()
    #expect(exported.genesisValidatorsRoot == chain)
    #expect(exported.data.map(\.pubkey) == [alice, bob])
    // Minified: the highest block with its root, the highest source and target with theirs.
    #expect(exported.data[0].signedBlocks == [.init(slot: 12, signingRoot: testRoot(2))])
    #expect(exported.data[0].signedAttestations == [.init(sourceEpoch: 2, targetEpoch: 3, signingRoot: testRoot(4))])
    #expect(exported.data[1].signedBlocks.isEmpty)

    // Through the JSON text and into a fresh database.
    let text = exported.json
    let parsed = try Interchange(json: text)
    #expect(parsed == exported)
    let target = try SlashingDatabase(path: directory.path("b.sqlite"), genesisValidatorsRoot: chain)
    #expect(try target.importInterchange(parsed) == ImportSummary(validators: 2, blocks: 1, attestations: 2))
    for db in [source, target] {
        #expect(throws: SlashingError.self) { try db.checkAndRecordBlock(pubkey: alice, slot: 11, signingRoot: testRoot(9)) }
        #expect(throws: SlashingError.self) { try db.checkAndRecordBlock(pubkey: alice, slot: 12, signingRoot: testRoot(9)) }
        #expect(throws: SlashingError.self) {
            try db.checkAndRecordAttestation(pubkey: alice, sourceEpoch: 1, targetEpoch: 4, signingRoot: testRoot(9))
        }
        #expect(throws: SlashingError.self) {
            try db.checkAndRecordAttestation(pubkey: bob, sourceEpoch: 5, targetEpoch: 6, signingRoot: testRoot(9))
        }
    }
    // Export of the imported database gives the same watermarks (without roots: imported
    // history is known only as watermarks).
    let again = try target.exportInterchange()
    #expect(again.data[0].signedBlocks == [.init(slot: 12)])
    #expect(again.data[0].signedAttestations == [.init(sourceEpoch: 2, targetEpoch: 3)])
    #expect(again.data[1].signedAttestations == [.init(sourceEpoch: 5, targetEpoch: 6)])
    // Both accept the next duty.
    #expect(try target.checkAndRecordBlock(pubkey: alice, slot: 13, signingRoot: testRoot(7)) == .recorded)
    #expect(try target.checkAndRecordAttestation(pubkey: alice, sourceEpoch: 3, targetEpoch: 4, signingRoot: testRoot(8)) == .recorded)
}

@Test func exportOfSelectedKeys() throws {
    let directory = TemporaryDirectory()
    let db = try SlashingDatabase(path: directory.path("a.sqlite"), genesisValidatorsRoot: chain)
    _ = try db.checkAndRecordBlock(pubkey: testKey(1), slot: 10, signingRoot: testRoot(1))
    _ = try db.checkAndRecordBlock(pubkey: testKey(2), slot: 20, signingRoot: testRoot(2))
    let exported = try db.exportInterchange(pubkeys: [testKey(2), testKey(3)])
    #expect(exported.data.map(\.pubkey) == [testKey(2), testKey(3)])
    #expect(exported.data[0].signedBlocks == [.init(slot: 20, signingRoot: testRoot(2))])
    #expect(exported.data[1] == Interchange.Validator(pubkey: testKey(3)))
}

@Test func importMergesAsLowWatermarksAndNeverLowersThem() throws {
    let directory = TemporaryDirectory()
    let db = try SlashingDatabase(path: directory.path("a.sqlite"), genesisValidatorsRoot: chain)
    let key = testKey(1)
    func file(_ slot: UInt64, _ source: UInt64, _ target: UInt64) -> Interchange {
        Interchange(genesisValidatorsRoot: chain, data: [
            .init(pubkey: key, signedBlocks: [.init(slot: slot)], signedAttestations: [.init(sourceEpoch: source, targetEpoch: target)])
        ])
    }
    try db.importInterchange(file(50, 10, 20))
    try db.importInterchange(file(30, 5, 15))  // stale
    #expect(try db.history(pubkey: key).watermarks == Watermarks(blockSlot: 50, sourceEpoch: 10, targetEpoch: 20))
    try db.importInterchange(file(60, 8, 25))  // newer target, older source: each merged with max
    #expect(try db.history(pubkey: key).watermarks == Watermarks(blockSlot: 60, sourceEpoch: 10, targetEpoch: 25))
    #expect(throws: SlashingError.slotNotAboveWatermark(slot: 60, watermark: 60)) {
        try db.checkAndRecordBlock(pubkey: key, slot: 60, signingRoot: testRoot(1))
    }
    #expect(throws: SlashingError.sourceBelowHighest(source: 9, highest: 10)) {
        try db.checkAndRecordAttestation(pubkey: key, sourceEpoch: 9, targetEpoch: 30, signingRoot: testRoot(1))
    }
    #expect(try db.checkAndRecordAttestation(pubkey: key, sourceEpoch: 10, targetEpoch: 26, signingRoot: testRoot(1)) == .recorded)
}

@Test func importRefusesAnotherChainAndChangesNothing() throws {
    let directory = TemporaryDirectory()
    let db = try SlashingDatabase(path: directory.path("a.sqlite"), genesisValidatorsRoot: chain)
    let other = Interchange(genesisValidatorsRoot: testRoot(0xc2), data: [.init(pubkey: testKey(1), signedBlocks: [.init(slot: 5)])])
    #expect(throws: SlashingError.genesisValidatorsRootMismatch(expected: chain, found: testRoot(0xc2))) {
        try db.importInterchange(other)
    }
    #expect(try db.validators().isEmpty)
}

@Test func parseErrorsNameTheField() throws {
    func parse(_ text: String) -> SlashingError? {
        do { _ = try Interchange(json: Data(text.utf8)); return nil } catch { return error }
    }
    let gvr = "0x" + String(repeating: "00", count: 32)
    let key = "0x" + String(repeating: "aa", count: 48)
    #expect(parse("not json") == .invalidInterchange("not JSON"))
    #expect(parse(#"{"metadata":{"interchange_format_version":"4","genesis_validators_root":"\#(gvr)"},"data":[]}"#)
        == .unsupportedInterchangeVersion("4"))
    #expect(parse(#"{"metadata":{"interchange_format_version":"5","genesis_validators_root":"0x00"},"data":[]}"#)
        == .invalidInterchange("metadata.genesis_validators_root: expected 0x followed by 64 hex digits"))
    #expect(parse(#"{"metadata":{"interchange_format_version":"5","genesis_validators_root":"\#(gvr)"}}"#)
        == .invalidInterchange("data: missing"))
    let badSlot = #"{"metadata":{"interchange_format_version":"5","genesis_validators_root":"\#(gvr)"},"data":[{"pubkey":"\#(key)","signed_blocks":[{"slot":"1"},{"slot":7}],"signed_attestations":[]}]}"#
    #expect(parse(badSlot) == .invalidInterchange("data[0].signed_blocks[1].slot: expected a string"))
    let badEpoch = #"{"metadata":{"interchange_format_version":"5","genesis_validators_root":"\#(gvr)"},"data":[{"pubkey":"\#(key)","signed_blocks":[],"signed_attestations":[{"source_epoch":"-1","target_epoch":"2"}]}]}"#
    #expect(parse(badEpoch) == .invalidInterchange(
        "data[0].signed_attestations[0].source_epoch: expected a decimal string of a 64-bit unsigned integer"))
    // A null or zero signing_root is "unknown".
    let nullRoot = #"{"metadata":{"interchange_format_version":"5","genesis_validators_root":"\#(gvr)"},"data":[{"pubkey":"\#(key)","signed_blocks":[{"slot":"3","signing_root":null},{"slot":"4","signing_root":"\#(gvr)"}],"signed_attestations":[]}]}"#
    #expect(try Interchange(json: Data(nullRoot.utf8)).data[0].signedBlocks == [.init(slot: 3), .init(slot: 4)])
}

/// Imports follow the file as one transaction: an out-of-range value anywhere imports nothing.
@Test func importIsAllOrNothing() throws {
    let directory = TemporaryDirectory()
    let db = try SlashingDatabase(path: directory.path("a.sqlite"), genesisValidatorsRoot: chain)
    let file = Interchange(genesisValidatorsRoot: chain, data: [
        .init(pubkey: testKey(1), signedBlocks: [.init(slot: 5)]),
        .init(pubkey: testKey(2), signedBlocks: [.init(slot: UInt64(Int64.max) + 1)]),
    ])
    #expect(throws: SlashingError.valueOutOfRange(field: "data[1].signed_blocks[0].slot", value: UInt64(Int64.max) + 1)) {
        try db.importInterchange(file)
    }
    #expect(try db.validators().isEmpty)
}
