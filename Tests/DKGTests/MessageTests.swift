import BLS12381
import DKG
import Primitives
import Threshold
import XCTest

/// Envelope decoding, one typed error per way a message can be wrong, replay and equivocation.
final class MessageTests: XCTestCase {
    private func idx(_ i: Int) -> MemberIndex { try! MemberIndex(i) }

    /// A 3-of-3 ring whose participants and keys are all local.
    private struct Ring {
        var configuration: DKGConfiguration
        var participants: [DKGParticipant]
        var signingSeeds: [[UInt8]]
    }

    private func ring(session: UInt8 = 7) throws -> Ring {
        var seeds: [[UInt8]] = []
        var roster: [MemberIdentity] = []
        for i in 1...3 {
            let s = [UInt8](repeating: UInt8(i), count: 32)
            seeds.append(s)
            let sk = try SigningKey(seed: SecureBytes(copying: s))
            let bk = try BoxKey(seed: SecureBytes(copying: s.map { $0 ^ 0xff }))
            roster.append(MemberIdentity(index: idx(i), signingKey: sk.publicKey, encryptionKey: bk.publicKey))
        }
        let config = try DKGConfiguration(sessionID: SessionID(bytes: [UInt8](repeating: session, count: 32)), epoch: 9,
                                          parameters: ThresholdParameters(threshold: 3, members: 3), roster: roster)
        let participants = try (1...3).map { i in
            try DKGParticipant(configuration: config, index: idx(i), signingKey: SigningKey(seed: SecureBytes(copying: seeds[i - 1])),
                               encryptionKey: BoxKey(seed: SecureBytes(copying: seeds[i - 1].map { $0 ^ 0xff })))
        }
        return Ring(configuration: config, participants: participants, signingSeeds: seeds)
    }

    private func expect(_ error: DKGMessageError, _ bytes: [UInt8], at p: DKGParticipant,
                        file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try p.receive(bytes), file: file, line: line) { e in
            XCTAssertEqual(e as? DKGMessageError, error, file: file, line: line)
        }
    }

    func testEveryKindOfBadMessageHasItsOwnError() throws {
        let r = try ring()
        var rng = SeededGenerator(seed: [1])
        let deal = try r.participants[0].start(using: &rng)
        let receiver = r.participants[1]

        expect(.truncated(10), Array(deal.prefix(10)), at: receiver)
        var v = deal; v[0] = 9
        expect(.unsupportedVersion(9), v, at: receiver)
        var k = deal; k[1] = 7
        expect(.unknownKind(7), k, at: receiver)
        var s = deal; s[2] ^= 1
        expect(.wrongSession, s, at: receiver)
        var e = deal; e[2 + 32 + 7] = 8
        expect(.wrongEpoch(expected: 9, actual: 8), e, at: receiver)
        var u = deal; u[2 + 32 + 8 + 3] = 4
        expect(.unknownSender(4), u, at: receiver)
        expect(.nonCanonical("body length \(deal.count - 114) + 64-byte signature ≠ \(deal.count - 49) remaining bytes"),
               deal + [0], at: receiver)
        var b = deal; b[60] ^= 0x01
        expect(.badSignature(sender: idx(1)), b, at: receiver)
        var sig = deal; sig[sig.count - 1] ^= 0x80
        expect(.badSignature(sender: idx(1)), sig, at: receiver)

        // A correctly signed body that does not parse.
        let signer = try SigningKey(seed: SecureBytes(copying: r.signingSeeds[2]))
        let junk = SignedMessage.sign(kind: .deal, body: [0, 2, 0], configuration: r.configuration, sender: idx(3), key: signer)
        XCTAssertThrowsError(try receiver.receive(junk.encoded)) { e in
            guard case .malformed = e as? DKGMessageError else { return XCTFail("\(e)") }
        }

        // Replay: the identical message is ignored, a different one from the same sender and
        // round is equivocation.
        XCTAssertEqual(try receiver.receive(deal), .accepted)
        XCTAssertEqual(try receiver.receive(deal), .duplicate)
        let other = try ring().participants[0]  // same identity, same session, fresh polynomial
        var rng2 = SeededGenerator(seed: [2])
        expect(.equivocation(sender: idx(1), kind: .deal), try other.start(using: &rng2), at: receiver)

        // A message from another session (a replay of an old ceremony) is refused.
        let old = try ring(session: 8).participants[2]
        var rng3 = SeededGenerator(seed: [3])
        expect(.wrongSession, try old.start(using: &rng3), at: receiver)

        // After the deadline, deals are late.
        var rng4 = SeededGenerator(seed: [4])
        _ = try receiver.start(using: &rng4)
        _ = try receiver.phaseTimeout(using: &rng4)
        var rng5 = SeededGenerator(seed: [5])
        expect(.late(sender: idx(3), kind: .deal), try r.participants[2].start(using: &rng5), at: receiver)
    }

    func testPhaseOrderIsEnforced() throws {
        let r = try ring()
        var rng = SeededGenerator(seed: [1])
        XCTAssertThrowsError(try r.participants[0].phaseTimeout(using: &rng)) { e in
            guard case .wrongPhase = e as? DKGError else { return XCTFail("\(e)") }
        }
        _ = try r.participants[0].start(using: &rng)
        XCTAssertThrowsError(try r.participants[0].start(using: &rng))
    }

    func testConfigurationValidation() throws {
        let r = try ring()
        XCTAssertThrowsError(try DKGConfiguration(sessionID: r.configuration.sessionID, epoch: 1,
                                                  parameters: ThresholdParameters(threshold: 2, members: 3),
                                                  roster: r.configuration.roster.reversed()))
        XCTAssertThrowsError(try DKGConfiguration(sessionID: r.configuration.sessionID, epoch: 1,
                                                  parameters: ThresholdParameters(threshold: 2, members: 3),
                                                  roster: r.configuration.roster, keyContexts: [[1], [1]]))
        XCTAssertThrowsError(try SessionID(bytes: [1, 2, 3]))
        // A participant whose keys are not its roster entry's.
        XCTAssertThrowsError(try DKGParticipant(configuration: r.configuration, index: idx(2), signingKey: SigningKey(), encryptionKey: BoxKey()))
    }
}
