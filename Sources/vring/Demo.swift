import ArgumentParser
import BLS12381
import Foundation
import Threshold

/// `vring demo`: a guided tour of what Validator Ring does, with readable output.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Walk through BLS signing, verification and aggregation, then 3-of-5 threshold signing.")

    func run() throws {
        blsSection()
        thresholdSection()
    }

    private func blsSection() {
        print("== BLS signatures (Ethereum ciphersuite, proof-of-possession scheme) ==")
        print()
        // Secret keys are non-copyable (they cannot live in an Array), so three named keys.
        let key1 = SecretKey.random(), key2 = SecretKey.random(), key3 = SecretKey.random()
        let publicKeys = [key1.publicKey, key2.publicKey, key3.publicKey]
        for (i, pk) in publicKeys.enumerated() {
            print("key \(i + 1): public key \(Output.short(pk.compressed))  (secret key <redacted>)")
        }
        print()

        let message = Array("attest: slot 1234, head 0xabc".utf8)
        let signature = key1.sign(message)
        print("sign       \"\(String(decoding: message, as: UTF8.self))\" with key 1 → \(Output.short(signature.compressed))")
        show("verify     with key 1", BLS.verify(publicKey: publicKeys[0], message: message, signature: signature))
        show("verify     with key 2", BLS.verify(publicKey: publicKeys[1], message: message, signature: signature))
        let tampered = Array("attest: slot 1235, head 0xabc".utf8)
        show("verify     a changed message", BLS.verify(publicKey: publicKeys[0], message: tampered, signature: signature))
        print()

        let messages = (1...3).map { Array("block \($0)".utf8) }
        let signatures = [key1.sign(messages[0]), key2.sign(messages[1]), key3.sign(messages[2])]
        let aggregate = try! Signature.aggregate(signatures)
        print("aggregate  3 signatures over \"block 1\", \"block 2\", \"block 3\" → \(Output.short(aggregate.compressed))")
        show("aggregate-verify", BLS.aggregateVerify(publicKeys: publicKeys, messages: messages, signature: aggregate))
        show("aggregate-verify with messages swapped",
             BLS.aggregateVerify(publicKeys: publicKeys, messages: [messages[1], messages[0], messages[2]], signature: aggregate))
        print()

        let common = Array("sync committee: root 0x42".utf8)
        let committee = try! Signature.aggregate([key1.sign(common), key2.sign(common), key3.sign(common)])
        print("aggregate  3 signatures over one message → \(Output.short(committee.compressed))")
        show("fast-aggregate-verify (3 keys)", BLS.fastAggregateVerify(publicKeys: publicKeys, message: common, signature: committee))
        show("fast-aggregate-verify (key 3 missing)",
             BLS.fastAggregateVerify(publicKeys: Array(publicKeys.prefix(2)), message: common, signature: committee))
        print()
    }

    /// A 3-of-5 ring: split, Feldman checks, partial signatures, combination from two different
    /// subsets, and a robust combination that names a forged partial.
    private func thresholdSection() {
        print("== Threshold signing: 3 of 5 (Shamir shares, Feldman commitments) ==")
        print()
        let message = Array("attest: slot 1234, head 0xabc".utf8)
        let parameters = try! ThresholdParameters(threshold: 3, members: 5)
        let groupSecret = SecretKey.random()
        let groupKey = groupSecret.publicKey
        // Shares are non-copyable and leave `split` one at a time: each member takes its share,
        // records its public share and signs at once, so no share outlives this closure.
        var publicShares: [MemberIndex: PublicKey] = [:]
        var partials: [MemberIndex: PartialSignature] = [:]
        let commitment = Shamir.split(secret: groupSecret, parameters: parameters) { share in
            publicShares[share.index] = share.publicShare
            partials[share.index] = ThresholdSignature.partialSign(share: share, message: message)
        }
        let members = publicShares.keys.sorted()
        print("split      a fresh key 3-of-5 → group public key \(Output.short(groupKey.compressed))")
        for i in members {
            let matches = G1Projective(publicShares[i]!.point) == commitment.evaluate(at: i)
            print("member \(i)   public share \(Output.short(publicShares[i]!.compressed))  "
                  + mark(matches, "share matches the Feldman commitment"))
        }
        print()

        print("message    \"\(String(decoding: message, as: UTF8.self))\"")
        let signers = members.filter { [1, 3, 5].contains($0.value) }
        for i in signers {
            let valid = ThresholdSignature.verifyPartial(publicShare: publicShares[i]!, message: message, partial: partials[i]!.signature)
            print("partial    from member \(i) → \(Output.short(partials[i]!.signature.compressed))  "
                  + mark(valid, "valid under member \(i)'s public share"))
        }
        let combined = try! ThresholdSignature.combine(signers.map { partials[$0]! }, threshold: 3)
        print("combine    members 1, 3, 5 → \(Output.short(combined.compressed))  "
              + mark(BLS.verify(publicKey: groupKey, message: message, signature: combined), "valid under the group public key"))
        let others = members.filter { [2, 4, 5].contains($0.value) }
        let again = try! ThresholdSignature.combine(others.map { partials[$0]! }, threshold: 3)
        print("combine    members 2, 4, 5 → \(Output.short(again.compressed))  "
              + mark(again == combined, "the identical signature (BLS is deterministic)"))
        print()

        // Member 2 sends a signature by a key of its own instead of its partial.
        let forger = members[1]
        let forged = PartialSignature(index: forger, signature: SecretKey.random().sign(message))
        let received = [partials[members[0]]!, forged, partials[members[2]]!, partials[members[4]]!]
        print("robust     member \(forger) sends a forged partial; combine the partials of members 1, 2, 3, 5")
        do {
            let result = try ThresholdSignature.combineRobust(
                received, threshold: 3, groupPublicKey: groupKey, publicShares: publicShares, message: message)
            let blamed = result.invalid.map(\.description).joined(separator: ", ")
            print("           " + mark(result.invalid == [forger], "rejected the partial from member \(blamed)"))
            print("           " + mark(result.signature == combined, "combined the 3 valid ones: the same group signature"))
        } catch {
            print("           ✗ \(error)")
        }
        print()
    }

    private func mark(_ ok: Bool, _ text: String) -> String { (ok ? "✓ " : "✗ NOT: ") + text }

    private func show(_ label: String, _ valid: Bool) {
        print("\(label.padding(toLength: 42, withPad: " ", startingAt: 0)) \(valid ? "valid" : "invalid")")
    }
}
