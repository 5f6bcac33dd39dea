import ArgumentParser
import BLS12381
import Foundation

/// `vring demo`: a guided tour of what Validator Ring does, with readable output.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Walk through BLS signing, verification and aggregation (threshold signing to follow).")

    func run() throws {
        blsSection()
        // The lead adds the 3-of-5 threshold section here.
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

    private func show(_ label: String, _ valid: Bool) {
        print("\(label.padding(toLength: 42, withPad: " ", startingAt: 0)) \(valid ? "valid" : "invalid")")
    }
}
