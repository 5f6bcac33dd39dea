// EIP-3076 slashing-protection interchange, format version 5: parsing, writing, and import
// into / export from a `SlashingDatabase`.
//
//   let file = try Interchange(json: data)                 // typed errors name the field
//   let summary = try db.importInterchange(file)            // refuses another chain's file
//   let out = try db.exportInterchange(pubkeys: nil).json   // every validator
//
// Import (the EIP's low-watermark approach): the whole file is one transaction; for each
// validator the file's highest block slot, highest source epoch and highest target epoch raise
// the validator's watermarks (merged with `max`, so importing stale or repeated data never
// lowers them). Nothing at or below a watermark is signed afterwards. Data the EIP calls
// slashable (two blocks at a slot, a double or surround vote, source > target inside the file)
// is still imported: its watermarks only make the database more restrictive, and refusing the
// file would leave the validator with no protection at all.
//
// Export is minified, as the EIP allows: per validator, one block at the highest slot known
// (signed here or imported) and one attestation with the highest source and the highest
// target. The database enforces only the minimal conditions, so these maxima are all the
// state that matters, and a minified file can never look slashable to a strict importer. A
// signing root is included when the entry is exactly a record signed here above the watermark.
//
// Spec: https://eips.ethereum.org/EIPS/eip-3076 (schema in Tests/SlashingProtectionTests/Fixtures).

import BLS12381
import Foundation
import GRDB

/// An EIP-3076 interchange document (format version 5).
public struct Interchange: Sendable, Equatable {
    /// The format version this module reads and writes.
    public static let formatVersion = "5"

    /// A signed block: the slot and, when known, the signing root.
    public struct Block: Sendable, Equatable {
        public var slot: UInt64
        public var signingRoot: [UInt8]?
        public init(slot: UInt64, signingRoot: [UInt8]? = nil) {
            self.slot = slot
            self.signingRoot = signingRoot
        }
    }

    /// A signed attestation: source and target epochs and, when known, the signing root.
    public struct Attestation: Sendable, Equatable {
        public var sourceEpoch: UInt64
        public var targetEpoch: UInt64
        public var signingRoot: [UInt8]?
        public init(sourceEpoch: UInt64, targetEpoch: UInt64, signingRoot: [UInt8]? = nil) {
            self.sourceEpoch = sourceEpoch
            self.targetEpoch = targetEpoch
            self.signingRoot = signingRoot
        }
    }

    /// One entry of `data`: a validator's public key and what it signed. A key may appear in
    /// more than one entry; import merges them.
    public struct Validator: Sendable, Equatable {
        public var pubkey: [UInt8]
        public var signedBlocks: [Block]
        public var signedAttestations: [Attestation]
        public init(pubkey: [UInt8], signedBlocks: [Block] = [], signedAttestations: [Attestation] = []) {
            self.pubkey = pubkey
            self.signedBlocks = signedBlocks
            self.signedAttestations = signedAttestations
        }
    }

    /// `metadata.genesis_validators_root` (32 bytes).
    public var genesisValidatorsRoot: [UInt8]
    /// `data`.
    public var data: [Validator]

    public init(genesisValidatorsRoot: [UInt8], data: [Validator]) {
        self.genesisValidatorsRoot = genesisValidatorsRoot
        self.data = data
    }

    /// Parses an interchange document.
    ///
    /// - Throws: ``SlashingError/unsupportedInterchangeVersion(_:)``, or
    ///   ``SlashingError/invalidInterchange(_:)`` naming the field (`data[0].signed_blocks[1].slot: …`).
    public init(json: Data) throws(SlashingError) {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: json) } catch {
            throw .invalidInterchange("not JSON")
        }
        let top = try Field.object(object, "top level")
        let metadata = try Field.object(top["metadata"], "metadata")
        let version = try Field.string(metadata["interchange_format_version"], "metadata.interchange_format_version")
        guard version == Self.formatVersion else { throw .unsupportedInterchangeVersion(version) }
        genesisValidatorsRoot = try Field.bytes(metadata["genesis_validators_root"], "metadata.genesis_validators_root", count: 32)
        let entries = try Field.array(top["data"], "data")
        var validators: [Validator] = []
        for (i, entry) in entries.enumerated() {
            let path = "data[\(i)]"
            let fields = try Field.object(entry, path)
            let pubkey = try Field.bytes(fields["pubkey"], path + ".pubkey", count: 48)
            var blocks: [Block] = []
            for (j, item) in try Field.array(fields["signed_blocks"], path + ".signed_blocks").enumerated() {
                let itemPath = "\(path).signed_blocks[\(j)]"
                let block = try Field.object(item, itemPath)
                blocks.append(Block(
                    slot: try Field.uint64(block["slot"], itemPath + ".slot"),
                    signingRoot: try Field.optionalBytes(block["signing_root"], itemPath + ".signing_root", count: 32)))
            }
            var attestations: [Attestation] = []
            for (j, item) in try Field.array(fields["signed_attestations"], path + ".signed_attestations").enumerated() {
                let itemPath = "\(path).signed_attestations[\(j)]"
                let attestation = try Field.object(item, itemPath)
                attestations.append(Attestation(
                    sourceEpoch: try Field.uint64(attestation["source_epoch"], itemPath + ".source_epoch"),
                    targetEpoch: try Field.uint64(attestation["target_epoch"], itemPath + ".target_epoch"),
                    signingRoot: try Field.optionalBytes(attestation["signing_root"], itemPath + ".signing_root", count: 32)))
            }
            validators.append(Validator(pubkey: pubkey, signedBlocks: blocks, signedAttestations: attestations))
        }
        data = validators
    }

    /// The document as indented JSON (numbers as decimal strings, bytes as 0x-prefixed
    /// lowercase hex, keys in the EIP's order).
    public var json: Data {
        func hex(_ bytes: [UInt8]) -> String { "\"0x\(Hex.encode(bytes))\"" }
        var lines = [
            "{",
            "  \"metadata\": {",
            "    \"interchange_format_version\": \"\(Self.formatVersion)\",",
            "    \"genesis_validators_root\": \(hex(genesisValidatorsRoot))",
            "  },",
        ]
        let entries = data.map { validator -> String in
            let blocks = validator.signedBlocks.map { block in
                var fields = ["\"slot\": \"\(block.slot)\""]
                if let root = block.signingRoot { fields.append("\"signing_root\": \(hex(root))") }
                return "        { " + fields.joined(separator: ", ") + " }"
            }
            let attestations = validator.signedAttestations.map { attestation in
                var fields = ["\"source_epoch\": \"\(attestation.sourceEpoch)\"", "\"target_epoch\": \"\(attestation.targetEpoch)\""]
                if let root = attestation.signingRoot { fields.append("\"signing_root\": \(hex(root))") }
                return "        { " + fields.joined(separator: ", ") + " }"
            }
            func list(_ items: [String]) -> String { items.isEmpty ? "[]" : "[\n" + items.joined(separator: ",\n") + "\n      ]" }
            return """
                    {
                      "pubkey": \(hex(validator.pubkey)),
                      "signed_blocks": \(list(blocks)),
                      "signed_attestations": \(list(attestations))
                    }
                """
        }
        lines.append(entries.isEmpty ? "  \"data\": []" : "  \"data\": [\n" + entries.joined(separator: ",\n") + "\n  ]")
        lines.append("}")
        return Data((lines.joined(separator: "\n") + "\n").utf8)
    }
}

/// What an import changed.
public struct ImportSummary: Sendable, Equatable {
    /// Distinct public keys in the file.
    public let validators: Int
    /// Block and attestation entries read.
    public let blocks: Int
    public let attestations: Int

    public init(validators: Int, blocks: Int, attestations: Int) {
        self.validators = validators
        self.blocks = blocks
        self.attestations = attestations
    }
}

extension SlashingDatabase {
    /// Imports an interchange document in one transaction (low-watermark merge, see the file
    /// comment).
    ///
    /// - Throws: ``SlashingError/genesisValidatorsRootMismatch(expected:found:)`` for a file
    ///   from another chain (nothing is imported), ``SlashingError/valueOutOfRange(field:value:)``,
    ///   ``SlashingError/database(_:)``.
    @discardableResult
    public func importInterchange(_ interchange: Interchange) throws(SlashingError) -> ImportSummary {
        guard interchange.genesisValidatorsRoot == genesisValidatorsRoot else {
            throw .genesisValidatorsRootMismatch(expected: genesisValidatorsRoot, found: interchange.genesisValidatorsRoot)
        }
        // Merge entries per key and check ranges before touching the database.
        var marks: [[UInt8]: Watermarks] = [:]
        var order: [[UInt8]] = []
        for (i, validator) in interchange.data.enumerated() {
            try Self.validate(pubkey: validator.pubkey)
            if marks[validator.pubkey] == nil { order.append(validator.pubkey); marks[validator.pubkey] = Watermarks() }
            var mark = marks[validator.pubkey]!
            for (j, block) in validator.signedBlocks.enumerated() {
                _ = try Self.int64(block.slot, "data[\(i)].signed_blocks[\(j)].slot")
                mark.blockSlot = max(mark.blockSlot ?? 0, block.slot)
            }
            for (j, attestation) in validator.signedAttestations.enumerated() {
                _ = try Self.int64(attestation.sourceEpoch, "data[\(i)].signed_attestations[\(j)].source_epoch")
                _ = try Self.int64(attestation.targetEpoch, "data[\(i)].signed_attestations[\(j)].target_epoch")
                mark.sourceEpoch = max(mark.sourceEpoch ?? 0, attestation.sourceEpoch)
                mark.targetEpoch = max(mark.targetEpoch ?? 0, attestation.targetEpoch)
            }
            marks[validator.pubkey] = mark
        }
        try write { db in
            for pubkey in order {
                let validator = try Self.validatorID(db, pubkey)
                try Self.raiseWatermarks(db, validator, to: marks[pubkey]!)
            }
        }
        return ImportSummary(
            validators: order.count, blocks: interchange.data.reduce(0) { $0 + $1.signedBlocks.count },
            attestations: interchange.data.reduce(0) { $0 + $1.signedAttestations.count })
    }

    /// A minified interchange document (see the file comment) for `pubkeys`, or for every
    /// validator when nil. A requested key the database has never seen is exported with no
    /// blocks and no attestations.
    ///
    /// - Throws: ``SlashingError/invalidPublicKey(_:)``, ``SlashingError/database(_:)``.
    public func exportInterchange(pubkeys: [[UInt8]]? = nil) throws(SlashingError) -> Interchange {
        let keys: [[UInt8]]
        if let pubkeys { keys = pubkeys } else { keys = try validators() }
        var data: [Interchange.Validator] = []
        for key in keys {
            let history = try history(pubkey: key)
            data.append(Self.minified(history))
        }
        return Interchange(genesisValidatorsRoot: genesisValidatorsRoot, data: data)
    }

    /// One block at the highest slot and one attestation at (highest source, highest target).
    static func minified(_ history: ValidatorHistory) -> Interchange.Validator {
        let marks = history.watermarks
        var entry = Interchange.Validator(pubkey: history.pubkey)
        let localSlot = history.blocks.map(\.slot).max()
        if let slot = [localSlot, marks.blockSlot].compactMap({ $0 }).max() {
            let aboveMark = marks.blockSlot.map { slot > $0 } ?? true
            let root = aboveMark ? history.blocks.first { $0.slot == slot }?.signingRoot : nil
            entry.signedBlocks = [Interchange.Block(slot: slot, signingRoot: root)]
        }
        let localSource = history.attestations.map(\.sourceEpoch).max()
        let localTarget = history.attestations.map(\.targetEpoch).max()
        if let source = [localSource, marks.sourceEpoch].compactMap({ $0 }).max(),
            let target = [localTarget, marks.targetEpoch].compactMap({ $0 }).max()
        {
            let aboveMark = marks.targetEpoch.map { target > $0 } ?? true
            let root =
                aboveMark ? history.attestations.first { $0.targetEpoch == target && $0.sourceEpoch == source }?.signingRoot : nil
            entry.signedAttestations = [Interchange.Attestation(sourceEpoch: source, targetEpoch: target, signingRoot: root)]
        }
        return entry
    }
}

/// Reading JSONSerialization's output with errors that name the field.
private enum Field {
    static func object(_ value: Any?, _ path: String) throws(SlashingError) -> [String: Any] {
        guard let value else { throw .invalidInterchange("\(path): missing") }
        guard let object = value as? [String: Any] else { throw .invalidInterchange("\(path): expected an object") }
        return object
    }

    static func array(_ value: Any?, _ path: String) throws(SlashingError) -> [Any] {
        guard let value else { throw .invalidInterchange("\(path): missing") }
        guard let array = value as? [Any] else { throw .invalidInterchange("\(path): expected an array") }
        return array
    }

    static func string(_ value: Any?, _ path: String) throws(SlashingError) -> String {
        guard let value else { throw .invalidInterchange("\(path): missing") }
        guard let string = value as? String else { throw .invalidInterchange("\(path): expected a string") }
        return string
    }

    /// A decimal string (the EIP writes every number as a string).
    static func uint64(_ value: Any?, _ path: String) throws(SlashingError) -> UInt64 {
        let text = try string(value, path)
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), let number = UInt64(text)
        else { throw .invalidInterchange("\(path): expected a decimal string of a 64-bit unsigned integer") }
        return number
    }

    /// 0x-prefixed hex of exactly `count` bytes.
    static func bytes(_ value: Any?, _ path: String, count: Int) throws(SlashingError) -> [UInt8] {
        let text = try string(value, path)
        guard text.hasPrefix("0x"), let bytes = Hex.decode(text), bytes.count == count else {
            throw .invalidInterchange("\(path): expected 0x followed by \(2 * count) hex digits")
        }
        return bytes
    }

    /// Absent or null: nil. An all-zero root is also nil (the EIP treats it as unknown).
    static func optionalBytes(_ value: Any?, _ path: String, count: Int) throws(SlashingError) -> [UInt8]? {
        guard let value, !(value is NSNull) else { return nil }
        let bytes = try bytes(value, path, count: count)
        return bytes.allSatisfy { $0 == 0 } ? nil : bytes
    }
}
