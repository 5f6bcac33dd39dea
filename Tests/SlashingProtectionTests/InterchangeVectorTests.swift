// Every EIP-3076 interchange test of eth-clients/slashing-protection-interchange-tests v5.3.0
// (Fixtures/eip3076-slashing-protection, provenance in its README), run by the upstream
// procedure with the minimal strategy (`should_succeed`):
//   fresh database with the test's genesis_validators_root; for each step, import the
//   interchange (it must succeed iff should_succeed, except that a step with
//   contains_slashable_data may be rejected, which ends the test); then every block and
//   attestation in order must be accepted iff should_succeed, accepted ones being recorded.

import Foundation
import SlashingProtection
import Testing

enum InterchangeVectors {
    static let directory = "eip3076-slashing-protection/tests"

    static let files: [String] = {
        let url = Fixture.root.appendingPathComponent(directory)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted()
    }()
}

@Test func interchangeVectorsAreAllPresent() {
    #expect(InterchangeVectors.files.count == 38)
}

@Test(arguments: InterchangeVectors.files)
func interchangeVector(_ file: String) throws {
    let test = try #require(try Fixture.json("\(InterchangeVectors.directory)/\(file)") as? [String: Any])
    let directory = TemporaryDirectory()
    let db = try SlashingDatabase(
        path: directory.path("slashing.sqlite"), genesisValidatorsRoot: hex(test["genesis_validators_root"] as! String))
    let steps = try #require(test["steps"] as? [[String: Any]])
    for (index, step) in steps.enumerated() {
        let shouldSucceed = step["should_succeed"] as! Bool
        let slashable = step["contains_slashable_data"] as! Bool
        let document = try JSONSerialization.data(withJSONObject: step["interchange"]!)
        var importError: SlashingError?
        do {
            try db.importInterchange(try Interchange(json: document))
        } catch {
            importError = error
        }
        if let importError {
            if slashable && shouldSucceed { return }  // rejecting slashable data is allowed; the test ends
            #expect(!shouldSucceed, "\(file) step \(index): import refused: \(importError)")
            if shouldSucceed { return }
        } else {
            #expect(shouldSucceed, "\(file) step \(index): import should have been refused")
        }

        for (n, block) in (step["blocks"] as? [[String: Any]] ?? []).enumerated() {
            let expected = block["should_succeed"] as! Bool
            let root = (block["signing_root"] as? String).map(hex) ?? zeroRoot
            let outcome = Result { () throws(SlashingError) in
                try db.checkAndRecordBlock(pubkey: hex(block["pubkey"] as! String), slot: UInt64(block["slot"] as! String)!, signingRoot: root)
            }
            if case .failure(let error) = outcome { #expect(error.isSlashingRefusal, "\(file): \(error)") }
            let accepted = (try? outcome.get()) != nil
            #expect(accepted == expected, "\(file) step \(index) block \(n) (slot \(block["slot"]!)): \(outcome)")
        }
        for (n, attestation) in (step["attestations"] as? [[String: Any]] ?? []).enumerated() {
            let expected = attestation["should_succeed"] as! Bool
            let root = (attestation["signing_root"] as? String).map(hex) ?? zeroRoot
            let outcome = Result { () throws(SlashingError) in
                try db.checkAndRecordAttestation(
                    pubkey: hex(attestation["pubkey"] as! String), sourceEpoch: UInt64(attestation["source_epoch"] as! String)!,
                    targetEpoch: UInt64(attestation["target_epoch"] as! String)!, signingRoot: root)
            }
            if case .failure(let error) = outcome { #expect(error.isSlashingRefusal, "\(file): \(error)") }
            let accepted = (try? outcome.get()) != nil
            #expect(
                accepted == expected,
                "\(file) step \(index) attestation \(n) (\(attestation["source_epoch"]!)→\(attestation["target_epoch"]!)): \(outcome)")
        }
    }
}

/// The EIP's own example document parses, round-trips through the writer, and imports.
@Test func eipExampleInterchange() throws {
    let example = try Interchange(json: Fixture.data("eip3076-slashing-protection/eip3076_example_interchange.json"))
    #expect(example.data.count == 1)
    #expect(example.data[0].signedBlocks == [
        .init(slot: 81952, signingRoot: hex("0x4ff6f743a43f3b4f95350831aeaf0a122a1a392922c45d804280284a69eb850b")),
        .init(slot: 81951),
    ])
    #expect(example.data[0].signedAttestations[1] == .init(sourceEpoch: 2290, targetEpoch: 3008))
    #expect(try Interchange(json: example.json) == example)

    let directory = TemporaryDirectory()
    let db = try SlashingDatabase(path: directory.path("db.sqlite"), genesisValidatorsRoot: example.genesisValidatorsRoot)
    let summary = try db.importInterchange(example)
    #expect(summary == ImportSummary(validators: 1, blocks: 2, attestations: 2))
    let pubkey = example.data[0].pubkey
    #expect(throws: SlashingError.slotNotAboveWatermark(slot: 81952, watermark: 81952)) {
        try db.checkAndRecordBlock(pubkey: pubkey, slot: 81952, signingRoot: example.data[0].signedBlocks[0].signingRoot!)
    }
    #expect(try db.checkAndRecordBlock(pubkey: pubkey, slot: 81953, signingRoot: testRoot(1)) == .recorded)
    #expect(try db.checkAndRecordAttestation(pubkey: pubkey, sourceEpoch: 2290, targetEpoch: 3009, signingRoot: testRoot(2)) == .recorded)
}
