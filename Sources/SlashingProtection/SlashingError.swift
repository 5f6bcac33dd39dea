// Why a signing request was refused, or why the slashing-protection database or an EIP-3076
// interchange could not be used. Every refusal names the rule it applies, with the numbers, so
// an operator reading a log line knows what was asked and what the database holds.

import BLS12381

/// A refusal by slashing protection, or a database / interchange failure.
public enum SlashingError: Error, Equatable, Sendable, CustomStringConvertible {
    // MARK: Blocks (phase 0 `is_slashable_block_header`, EIP-3076 minimal conditions)

    /// A different block (or one without a comparable root) was already signed at this slot.
    case doubleProposal(slot: UInt64)
    /// The slot is at or below the highest slot signed here.
    case slotNotAboveHighest(slot: UInt64, highest: UInt64)
    /// The slot is at or below the imported low watermark (history known only from an
    /// interchange file, whose blocks cannot be re-signed even with the same root).
    case slotNotAboveWatermark(slot: UInt64, watermark: UInt64)

    // MARK: Attestations (phase 0 `is_slashable_attestation_data`, EIP-3076 minimal conditions)

    /// source > target: never a valid Casper FFG vote.
    case sourceAfterTarget(source: UInt64, target: UInt64)
    /// Same target epoch, different attestation data.
    case doubleVote(target: UInt64)
    /// The new vote surrounds a vote already signed: new.source < old.source and old.target < new.target.
    case surroundsExisting(source: UInt64, target: UInt64, existingSource: UInt64, existingTarget: UInt64)
    /// A vote already signed surrounds the new one: old.source < new.source and new.target < old.target.
    case surroundedByExisting(source: UInt64, target: UInt64, existingSource: UInt64, existingTarget: UInt64)
    /// The source epoch is below the highest source signed (or imported).
    case sourceBelowHighest(source: UInt64, highest: UInt64)
    /// The target epoch is at or below the highest target signed (or imported).
    case targetNotAboveHighest(target: UInt64, highest: UInt64)

    // MARK: Input and storage

    /// A public key that is not 48 bytes; the count.
    case invalidPublicKey(Int)
    /// A root that is not 32 bytes; which field and the count.
    case invalidRoot(field: String, count: Int)
    /// A slot or epoch above 2^63 - 1, which SQLite's signed integers cannot order.
    case valueOutOfRange(field: String, value: UInt64)
    /// The database belongs to another chain than the one given (or than an interchange's):
    /// `expected` is the database's root.
    case genesisValidatorsRootMismatch(expected: [UInt8], found: [UInt8])
    /// An EIP-3076 document that cannot be read; the field path and why.
    case invalidInterchange(String)
    /// An interchange format version other than 5.
    case unsupportedInterchangeVersion(String)
    /// SQLite or the file system failed; the underlying message.
    case database(String)

    public var description: String {
        switch self {
        case .doubleProposal(let slot):
            "double proposal: slot \(slot) already signed with a different root"
        case .slotNotAboveHighest(let slot, let highest):
            "slot \(slot) not above the highest signed slot \(highest)"
        case .slotNotAboveWatermark(let slot, let watermark):
            "slot \(slot) not above the imported low watermark slot \(watermark)"
        case .sourceAfterTarget(let source, let target):
            "source epoch \(source) is after target epoch \(target)"
        case .doubleVote(let target):
            "double vote: target \(target) already signed with a different root"
        case .surroundsExisting(let source, let target, let existingSource, let existingTarget):
            "surround vote: \(source)→\(target) surrounds the signed vote \(existingSource)→\(existingTarget)"
        case .surroundedByExisting(let source, let target, let existingSource, let existingTarget):
            "surround vote: \(source)→\(target) is surrounded by the signed vote \(existingSource)→\(existingTarget)"
        case .sourceBelowHighest(let source, let highest):
            "source epoch \(source) below the highest signed source epoch \(highest)"
        case .targetNotAboveHighest(let target, let highest):
            "target epoch \(target) not above the highest signed target epoch \(highest)"
        case .invalidPublicKey(let count):
            "public key: expected 48 bytes, got \(count)"
        case .invalidRoot(let field, let count):
            "\(field): expected 32 bytes, got \(count)"
        case .valueOutOfRange(let field, let value):
            "\(field): \(value) is above 2^63 - 1"
        case .genesisValidatorsRootMismatch(let expected, let found):
            "genesis validators root mismatch: the database is for 0x\(Hex.encode(expected)), not 0x\(Hex.encode(found))"
        case .invalidInterchange(let why):
            "interchange: \(why)"
        case .unsupportedInterchangeVersion(let version):
            "interchange: format version \"\(version)\" is not supported (expected \"5\")"
        case .database(let why):
            "slashing protection database: \(why)"
        }
    }

    /// Whether this is a refusal by a slashing rule (as opposed to bad input or a storage failure).
    public var isSlashingRefusal: Bool {
        switch self {
        case .doubleProposal, .slotNotAboveHighest, .slotNotAboveWatermark, .sourceAfterTarget, .doubleVote,
            .surroundsExisting, .surroundedByExisting, .sourceBelowHighest, .targetNotAboveHighest:
            true
        default: false
        }
    }
}
