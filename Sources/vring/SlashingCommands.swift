import ArgumentParser
import BLS12381
import Foundation
import SlashingProtection
import Staking

/// `vring slashing …`: the slashing-protection database's EIP-3076 interchange. The logic is
/// in the `SlashingProtection` module; this file reads and writes files, prints, and maps
/// errors onto the exit statuses (0 success, 2 bad input with one line on standard error).
struct SlashingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slashing",
        abstract: "Slashing protection: import and export EIP-3076 interchange files.",
        discussion: """
            The database is an SQLite file bound to one chain (its genesis validators root) and keyed \
            by the validator public key; for a threshold pool that is the group public key, so a \
            reshare changes nothing here. Import before the node signs anything for a validator \
            that has signed elsewhere.
            """,
        subcommands: [Import.self, Export.self])
}

/// Bad input to a `slashing` command: the flag (nil for a problem with the data) and why.
private struct SlashingInputError: Error {
    let flag: String?
    let reason: String
    init(_ flag: String?, _ reason: String) {
        self.flag = flag
        self.reason = reason
    }
}

/// Runs `body`, turning input and database errors into one line on stderr and exit status 2.
private func runReportingInput(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as SlashingInputError {
        Output.error(error.flag.map { "\($0): \(error.reason)" } ?? error.reason)
        throw ExitCode(ExitStatus.badInput)
    } catch let error as SlashingError {
        Output.error(error.description)
        throw ExitCode(ExitStatus.badInput)
    }
}

/// `--genesis-validators-root 0x…` or `--network NAME`.
struct ChainOptions: ParsableArguments {
    @Option(help: "The chain's genesis validators root (0x + 64 hex digits).")
    var genesisValidatorsRoot: String?

    @Option(help: ArgumentHelp("The chain by name instead of its root.", valueName: Network.all.map(\.name).joined(separator: "|")))
    var network: String?

    /// The root given by either option, nil when neither was given.
    fileprivate func root() throws(SlashingInputError) -> [UInt8]? {
        switch (genesisValidatorsRoot, network) {
        case (let text?, nil):
            guard let bytes = Hex.decode(text), bytes.count == 32 else {
                throw SlashingInputError("--genesis-validators-root", "expected 32 bytes as 64 hex digits")
            }
            return bytes
        case (nil, let name?):
            guard let network = Network.named(name.lowercased()) else {
                throw SlashingInputError("--network", "unknown network \"\(name)\" (known: \(Network.all.map(\.name).joined(separator: ", ")))")
            }
            return network.genesisValidatorsRoot
        case (nil, nil): return nil
        case (_?, _?): throw SlashingInputError("--network", "give either --network or --genesis-validators-root, not both")
        }
    }
}

extension SlashingCommand {
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import an EIP-3076 interchange file (format version 5) into the database.",
            discussion: """
                Creates the database bound to the given chain if it does not exist. Refuses a file or a \
                database from another chain. Imported history becomes low watermarks per validator \
                (highest slot, highest source and target epochs, never lowered by a later import): \
                nothing at or below them is signed afterwards.
                JSON: {"db", "genesis_validators_root", "validators", "blocks", "attestations"}.
                """)
        @Option(help: "The slashing-protection database (SQLite).") var db: String
        @OptionGroup var chain: ChainOptions
        @Option(help: "The interchange file to import.") var file: String
        @OptionGroup var output: OutputOptions

        func run() throws {
            try runReportingInput {
                guard let root = try chain.root() else {
                    throw SlashingInputError("--genesis-validators-root", "give the chain: --genesis-validators-root 0x… or --network NAME")
                }
                guard let data = FileManager.default.contents(atPath: file) else { throw SlashingInputError("--file", "cannot read \(file)") }
                let interchange: Interchange
                do throws(SlashingError) { interchange = try Interchange(json: data) } catch { throw SlashingInputError("--file", error.description) }
                guard interchange.genesisValidatorsRoot == root else {
                    throw SlashingInputError(
                        "--file", "the interchange is for genesis validators root 0x\(Hex.encode(interchange.genesisValidatorsRoot)), "
                            + "not the chain given (0x\(Hex.encode(root)))")
                }
                let database = try SlashingDatabase(path: db, genesisValidatorsRoot: root)
                let summary = try database.importInterchange(interchange)
                if output.json {
                    print(Output.json([
                        "db": db, "genesis_validators_root": "0x" + Hex.encode(root), "validators": summary.validators,
                        "blocks": summary.blocks, "attestations": summary.attestations,
                    ]))
                } else {
                    print("imported \(summary.validators) validator(s) (\(summary.blocks) block(s), \(summary.attestations) attestation(s)) into \(db)")
                }
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export the database as an EIP-3076 interchange file (format version 5).",
            discussion: """
                Minified, as the EIP allows: per validator one block at the highest slot and one \
                attestation with the highest source and target epochs. --out - writes to standard output.
                JSON: {"db", "out", "genesis_validators_root", "validators"}.
                """)
        @Option(help: "The slashing-protection database (SQLite); it must exist.") var db: String
        @Option(name: .customLong("pubkey"), help: "Export only this validator (0x + 96 hex digits); repeatable.") var pubkeys: [String] = []
        @OptionGroup var chain: ChainOptions
        @Option(help: "The file to write (- for standard output).") var out: String
        @OptionGroup var output: OutputOptions

        func run() throws {
            try runReportingInput {
                let keys = try pubkeys.enumerated().map { index, text throws(SlashingInputError) in
                    guard let bytes = Hex.decode(text), bytes.count == 48 else {
                        let position = pubkeys.count > 1 ? " (value \(index + 1) of \(pubkeys.count))" : ""
                        throw SlashingInputError("--pubkey", "expected 48 bytes as 96 hex digits" + position)
                    }
                    return bytes
                }
                let database = try SlashingDatabase(existingAt: db)
                if let expected = try chain.root(), expected != database.genesisValidatorsRoot {
                    throw SlashingError.genesisValidatorsRootMismatch(expected: database.genesisValidatorsRoot, found: expected)
                }
                let interchange = try database.exportInterchange(pubkeys: keys.isEmpty ? nil : keys)
                if out == "-" {
                    FileHandle.standardOutput.write(interchange.json)
                    return
                }
                do { try interchange.json.write(to: URL(fileURLWithPath: out), options: .atomic) } catch {
                    throw SlashingInputError("--out", "cannot write \(out)")
                }
                if output.json {
                    print(Output.json([
                        "db": db, "out": out, "genesis_validators_root": "0x" + Hex.encode(database.genesisValidatorsRoot),
                        "validators": interchange.data.count,
                    ]))
                } else {
                    print("exported \(interchange.data.count) validator(s) to \(out)")
                }
            }
        }
    }
}
