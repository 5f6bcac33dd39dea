import ArgumentParser
import BLS12381
import Ceremony
import Foundation

/// `vring identity …`: a member's long-term keys.
struct IdentityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identity",
        abstract: "Create a member identity (Ed25519 + X25519 keys) and print its shareable record.",
        subcommands: [New.self, Show.self])
}

extension IdentityCommand {
    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a new identity directory: identity.json (public) and signing.key, box.key (mode 0600).",
            discussion: """
                Prints the one-line record (vring:…) to send to the other members. A member that cannot \
                accept connections (behind NAT) gives --relay NAME instead of --address: it then reaches \
                the others through that member, with frames still encrypted end to end.
                JSON: {"name", "address", "relay", "signing_public_key", "box_public_key", "record", "directory"}.
                """)
        @Option(help: "A short name, unique in the pool (letters, digits, . _ -).") var name: String
        @Option(help: "HOST:PORT where this member accepts connections from the others.") var address: String?
        @Option(help: "Name of the member to relay through when this one has no reachable address.") var relay: String?
        @Option(help: "The directory to create (must not hold an identity already).") var out: String
        @OptionGroup var output: OutputOptions

        func run() throws {
            guard address != nil || relay != nil else {
                throw CeremonyError.invalidArgument(name: "--address", problem: "give --address HOST:PORT, or --relay NAME for a member behind NAT")
            }
            let identity = try IdentityDirectory.create(at: out, name: name, address: address ?? "", relay: relay ?? "")
            printRecord(identity.record, directory: out, json: output.json)
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print an identity's one-line record (vring:…) to send to the other members.",
            discussion: "JSON: {\"name\", \"address\", \"relay\", \"signing_public_key\", \"box_public_key\", \"record\", \"directory\"}.")
        @Option(help: "The identity directory.") var identity: String
        @OptionGroup var output: OutputOptions

        func run() throws {
            let loaded = try IdentityDirectory.load(identity)
            printRecord(loaded.record, directory: identity, json: output.json)
        }
    }
}

func printRecord(_ record: IdentityRecord, directory: String, json: Bool) {
    if json {
        print(Output.json([
            "name": record.name, "address": record.address, "relay": record.relay,
            "signing_public_key": Hex.encode(record.signingKey.bytes), "box_public_key": Hex.encode(record.boxKey.bytes),
            "record": record.encoded, "directory": directory,
        ]))
    } else {
        print(record.encoded)
    }
}
