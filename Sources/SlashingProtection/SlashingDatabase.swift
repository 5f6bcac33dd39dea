// The slashing-protection database: one SQLite file (GRDB), bound to one chain by its genesis
// validators root, keyed by the validator's public key. For a threshold pool that is the GROUP
// public key, which a reshare does not change, so nothing needs exporting or rewriting then.
//
//   let db = try SlashingDatabase(path: "slashing.sqlite", genesisValidatorsRoot: Network.mainnet.genesisValidatorsRoot)
//   let decision = try db.checkAndRecordBlock(pubkey: groupKey, slot: 123, signingRoot: root)
//   // .recorded or .identicalRepeat: sign; a thrown SlashingError: do not sign
//
// Rules (EIP-3076 "minimal" strategy, which the interchange tests call `should_succeed`):
//   blocks        refuse slot ≤ max(signed slots), except the identical block (same slot, same
//                 non-zero signing root) signed here before; a different root at a signed slot
//                 is a double proposal.
//   attestations  refuse source > target; a different root at a signed target (double vote);
//                 a vote that surrounds or is surrounded by a signed one; source < max(source);
//                 target ≤ max(target), except the identical vote signed here before.
// History imported from an EIP-3076 file is kept only as low watermarks (max slot, max source,
// max target per validator, merged with `max`), as the EIP's low-watermark import describes:
// nothing at or below a watermark is signed, not even with a root that matches the file.
//
// Durability: WAL journal with `synchronous = FULL`, so a record is on disk when a check
// returns, before any signature leaves the node. Every check runs in an IMMEDIATE transaction
// that takes the write lock before reading, so two connections (two processes) can never both
// accept conflicting requests; a busy database is waited on for up to `busyTimeout`.
//
// Slots and epochs are stored as SQLite's signed 64-bit integers; values above 2^63 - 1 are
// refused as input errors (they are ~10^11 years away).

import Foundation
import GRDB

/// What slashing protection decided for a request it did not refuse.
public enum Decision: Sendable, Equatable {
    /// New: recorded (durably) before returning; safe to sign.
    case recorded
    /// Identical to a request signed here before (same slot or target, same signing root);
    /// nothing new was recorded; safe to sign again.
    case identicalRepeat
}

/// A block or attestation signed through this database, as stored.
public struct SignedBlockRecord: Sendable, Equatable {
    public let slot: UInt64
    /// Nil when unknown (a zero root is stored as unknown).
    public let signingRoot: [UInt8]?
}

/// An attestation signed through this database, as stored.
public struct SignedAttestationRecord: Sendable, Equatable {
    public let sourceEpoch: UInt64
    public let targetEpoch: UInt64
    /// Nil when unknown (a zero root is stored as unknown).
    public let signingRoot: [UInt8]?
}

/// The low watermarks imported for one validator from EIP-3076 files (nil: nothing imported).
public struct Watermarks: Sendable, Equatable {
    public var blockSlot: UInt64?
    public var sourceEpoch: UInt64?
    public var targetEpoch: UInt64?

    public init(blockSlot: UInt64? = nil, sourceEpoch: UInt64? = nil, targetEpoch: UInt64? = nil) {
        self.blockSlot = blockSlot
        self.sourceEpoch = sourceEpoch
        self.targetEpoch = targetEpoch
    }
}

/// What the database holds for one validator.
public struct ValidatorHistory: Sendable, Equatable {
    public let pubkey: [UInt8]
    public let blocks: [SignedBlockRecord]
    public let attestations: [SignedAttestationRecord]
    public let watermarks: Watermarks
}

/// An SQLite slashing-protection database for one chain.
public final class SlashingDatabase: Sendable {
    /// The chain this database protects.
    public let genesisValidatorsRoot: [UInt8]
    /// The file.
    public let path: String
    let queue: DatabaseQueue

    /// Opens the database at `path`, creating it bound to `genesisValidatorsRoot` if it does not
    /// exist.
    ///
    /// - Parameters:
    ///   - path: The SQLite file.
    ///   - genesisValidatorsRoot: 32 bytes; must equal the root the file was created with.
    ///   - busyTimeout: How long to wait for another connection's write lock.
    /// - Throws: ``SlashingError/genesisValidatorsRootMismatch(expected:found:)`` for a file
    ///   bound to another chain, ``SlashingError/invalidRoot(field:count:)``,
    ///   ``SlashingError/database(_:)``.
    public init(path: String, genesisValidatorsRoot: [UInt8], busyTimeout: TimeInterval = 10) throws(SlashingError) {
        guard genesisValidatorsRoot.count == 32 else {
            throw .invalidRoot(field: "genesis validators root", count: genesisValidatorsRoot.count)
        }
        self.path = path
        queue = try Self.openQueue(path: path, busyTimeout: busyTimeout)
        let stored = try Self.run(queue) { db -> [UInt8] in
            if let existing = try Data.fetchOne(db, sql: "SELECT genesis_validators_root FROM metadata WHERE id = 1") {
                return [UInt8](existing)
            }
            try db.execute(
                sql: "INSERT INTO metadata (id, genesis_validators_root) VALUES (1, ?)", arguments: [Data(genesisValidatorsRoot)])
            return genesisValidatorsRoot
        }
        guard stored == genesisValidatorsRoot else {
            throw .genesisValidatorsRootMismatch(expected: stored, found: genesisValidatorsRoot)
        }
        self.genesisValidatorsRoot = stored
    }

    /// Opens an existing database, reading the chain it is bound to from the file.
    ///
    /// - Throws: ``SlashingError/database(_:)`` when there is no such file or it was never
    ///   bound to a chain.
    public init(existingAt path: String, busyTimeout: TimeInterval = 10) throws(SlashingError) {
        guard FileManager.default.fileExists(atPath: path) else { throw .database("no database at \(path)") }
        self.path = path
        queue = try Self.openQueue(path: path, busyTimeout: busyTimeout)
        let stored = try Self.run(queue) { db in
            try Data.fetchOne(db, sql: "SELECT genesis_validators_root FROM metadata WHERE id = 1")
        }
        guard let stored else { throw .database("\(path) is not bound to a genesis validators root") }
        genesisValidatorsRoot = [UInt8](stored)
    }

    // MARK: Checks

    /// Checks a block proposal against the rules and, in the same transaction, records it.
    ///
    /// - Parameters:
    ///   - pubkey: The validator's 48-byte public key (the group key for a threshold pool).
    ///   - slot: The block's slot.
    ///   - signingRoot: The 32-byte root about to be signed.
    /// - Returns: ``Decision/recorded`` or ``Decision/identicalRepeat``; either way, sign.
    /// - Throws: A refusal (``SlashingError/doubleProposal(slot:)``,
    ///   ``SlashingError/slotNotAboveHighest(slot:highest:)``,
    ///   ``SlashingError/slotNotAboveWatermark(slot:watermark:)``), bad input, or a storage failure.
    public func checkAndRecordBlock(pubkey: [UInt8], slot: UInt64, signingRoot: [UInt8]) throws(SlashingError) -> Decision {
        try Self.validate(pubkey: pubkey)
        try Self.validate(root: signingRoot, field: "signing root")
        let slotValue = try Self.int64(slot, "slot")
        let root = Self.storedRoot(signingRoot)
        return try write { db in
            let validator = try Self.validatorID(db, pubkey)
            let watermarks = try Self.watermarks(db, validator)
            if let existing = try Row.fetchOne(
                db, sql: "SELECT signing_root FROM signed_blocks WHERE validator_id = ? AND slot = ?",
                arguments: [validator, slotValue])
            {
                let existingRoot: Data? = existing["signing_root"]
                guard let root, existingRoot == root else { throw SlashingError.doubleProposal(slot: slot) }
                if let mark = watermarks.blockSlot, slot <= mark { throw SlashingError.slotNotAboveWatermark(slot: slot, watermark: mark) }
                return .identicalRepeat
            }
            if let mark = watermarks.blockSlot, slot <= mark { throw SlashingError.slotNotAboveWatermark(slot: slot, watermark: mark) }
            if let highest = try Int64.fetchOne(
                db, sql: "SELECT MAX(slot) FROM signed_blocks WHERE validator_id = ?", arguments: [validator]),
                slotValue <= highest
            {
                throw SlashingError.slotNotAboveHighest(slot: slot, highest: UInt64(highest))
            }
            try db.execute(
                sql: "INSERT INTO signed_blocks (validator_id, slot, signing_root) VALUES (?, ?, ?)",
                arguments: [validator, slotValue, root])
            return .recorded
        }
    }

    /// Checks an attestation against the rules and, in the same transaction, records it.
    ///
    /// - Parameters:
    ///   - pubkey: The validator's 48-byte public key (the group key for a threshold pool).
    ///   - sourceEpoch: `data.source.epoch`.
    ///   - targetEpoch: `data.target.epoch`.
    ///   - signingRoot: The 32-byte root about to be signed.
    /// - Returns: ``Decision/recorded`` or ``Decision/identicalRepeat``; either way, sign.
    /// - Throws: A refusal (source after target, double vote, surround vote either way, source
    ///   below or target not above the highest signed or imported), bad input, or a storage failure.
    public func checkAndRecordAttestation(
        pubkey: [UInt8], sourceEpoch: UInt64, targetEpoch: UInt64, signingRoot: [UInt8]
    ) throws(SlashingError) -> Decision {
        try Self.validate(pubkey: pubkey)
        try Self.validate(root: signingRoot, field: "signing root")
        let source = try Self.int64(sourceEpoch, "source epoch")
        let target = try Self.int64(targetEpoch, "target epoch")
        guard sourceEpoch <= targetEpoch else { throw .sourceAfterTarget(source: sourceEpoch, target: targetEpoch) }
        let root = Self.storedRoot(signingRoot)
        return try write { db in
            let validator = try Self.validatorID(db, pubkey)
            let watermarks = try Self.watermarks(db, validator)
            func checkWatermarks() throws(SlashingError) {
                if let mark = watermarks.sourceEpoch, sourceEpoch < mark {
                    throw .sourceBelowHighest(source: sourceEpoch, highest: mark)
                }
                if let mark = watermarks.targetEpoch, targetEpoch <= mark {
                    throw .targetNotAboveHighest(target: targetEpoch, highest: mark)
                }
            }
            if let existing = try Row.fetchOne(
                db, sql: "SELECT signing_root FROM signed_attestations WHERE validator_id = ? AND target_epoch = ?",
                arguments: [validator, target])
            {
                let existingRoot: Data? = existing["signing_root"]
                guard let root, existingRoot == root else { throw SlashingError.doubleVote(target: targetEpoch) }
                try checkWatermarks()
                return .identicalRepeat
            }
            if let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT source_epoch, target_epoch FROM signed_attestations
                    WHERE validator_id = ? AND source_epoch < ? AND target_epoch > ? LIMIT 1
                    """,
                arguments: [validator, source, target])
            {
                throw SlashingError.surroundedByExisting(
                    source: sourceEpoch, target: targetEpoch,
                    existingSource: UInt64(row["source_epoch"] as Int64), existingTarget: UInt64(row["target_epoch"] as Int64))
            }
            if let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT source_epoch, target_epoch FROM signed_attestations
                    WHERE validator_id = ? AND source_epoch > ? AND target_epoch < ? LIMIT 1
                    """,
                arguments: [validator, source, target])
            {
                throw SlashingError.surroundsExisting(
                    source: sourceEpoch, target: targetEpoch,
                    existingSource: UInt64(row["source_epoch"] as Int64), existingTarget: UInt64(row["target_epoch"] as Int64))
            }
            try checkWatermarks()
            let highest = try Row.fetchOne(
                db, sql: "SELECT MAX(source_epoch) AS s, MAX(target_epoch) AS t FROM signed_attestations WHERE validator_id = ?",
                arguments: [validator])
            if let highestSource: Int64 = highest?["s"], source < highestSource {
                throw SlashingError.sourceBelowHighest(source: sourceEpoch, highest: UInt64(highestSource))
            }
            if let highestTarget: Int64 = highest?["t"], target <= highestTarget {
                throw SlashingError.targetNotAboveHighest(target: targetEpoch, highest: UInt64(highestTarget))
            }
            try db.execute(
                sql: "INSERT INTO signed_attestations (validator_id, source_epoch, target_epoch, signing_root) VALUES (?, ?, ?, ?)",
                arguments: [validator, source, target, root])
            return .recorded
        }
    }

    // MARK: Reading

    /// The public keys of every validator in the database, sorted by their bytes.
    public func validators() throws(SlashingError) -> [[UInt8]] {
        try read { db in
            try Data.fetchAll(db, sql: "SELECT pubkey FROM validators").map { [UInt8]($0) }.sorted { $0.lexicographicallyPrecedes($1) }
        }
    }

    /// What the database holds for `pubkey` (empty when it has never been seen).
    public func history(pubkey: [UInt8]) throws(SlashingError) -> ValidatorHistory {
        try Self.validate(pubkey: pubkey)
        return try read { db in
            guard let validator = try Int64.fetchOne(db, sql: "SELECT id FROM validators WHERE pubkey = ?", arguments: [Data(pubkey)]) else {
                return ValidatorHistory(pubkey: pubkey, blocks: [], attestations: [], watermarks: Watermarks())
            }
            let blocks = try Row.fetchAll(
                db, sql: "SELECT slot, signing_root FROM signed_blocks WHERE validator_id = ? ORDER BY slot", arguments: [validator]
            ).map { row in
                SignedBlockRecord(slot: UInt64(row["slot"] as Int64), signingRoot: (row["signing_root"] as Data?).map { [UInt8]($0) })
            }
            let attestations = try Row.fetchAll(
                db,
                sql: "SELECT source_epoch, target_epoch, signing_root FROM signed_attestations WHERE validator_id = ? ORDER BY target_epoch",
                arguments: [validator]
            ).map { row in
                SignedAttestationRecord(
                    sourceEpoch: UInt64(row["source_epoch"] as Int64), targetEpoch: UInt64(row["target_epoch"] as Int64),
                    signingRoot: (row["signing_root"] as Data?).map { [UInt8]($0) })
            }
            return ValidatorHistory(pubkey: pubkey, blocks: blocks, attestations: attestations, watermarks: try Self.watermarks(db, validator))
        }
    }

    /// The value of an SQLite pragma on this connection (`journal_mode`, `synchronous`, …), for
    /// tests and diagnostics.
    package func pragma(_ name: String) throws(SlashingError) -> String? {
        try read { db in try String.fetchOne(db, sql: "PRAGMA \(name)") }
    }

    // MARK: Storage plumbing (package: the interchange code shares it)

    /// Runs `body` in an IMMEDIATE transaction (write lock taken before the first read),
    /// committing when it returns and rolling back when it throws.
    package func write<T>(_ body: (Database) throws -> T) throws(SlashingError) -> T {
        do {
            var result: T?
            try queue.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
            }
            return result!
        } catch let error as SlashingError {
            throw error
        } catch {
            throw .database(String(describing: error))
        }
    }

    package func read<T>(_ body: (Database) throws -> T) throws(SlashingError) -> T {
        do {
            return try queue.read(body)
        } catch let error as SlashingError {
            throw error
        } catch {
            throw .database(String(describing: error))
        }
    }

    private static func run<T>(_ queue: DatabaseQueue, _ body: (Database) throws -> T) throws(SlashingError) -> T {
        do {
            return try queue.write(body)
        } catch let error as SlashingError {
            throw error
        } catch {
            throw .database(String(describing: error))
        }
    }

    private static func openQueue(path: String, busyTimeout: TimeInterval) throws(SlashingError) -> DatabaseQueue {
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.prepareDatabase { db in
            // WAL is set here rather than with `configuration.journalMode = .wal`, because
            // GRDB's WAL set-up then lowers `synchronous` to NORMAL, which may lose the last
            // commits on power loss. A record must be on disk before the signature it allows
            // leaves the node: FULL syncs the WAL on every commit.
            guard try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL") == "wal" else {
                throw SlashingError.database("could not switch \(db.description) to WAL")
            }
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            try migrator.migrate(queue)
            return queue
        } catch {
            throw .database(String(describing: error))
        }
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE metadata (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        genesis_validators_root BLOB NOT NULL CHECK (length(genesis_validators_root) = 32));
                    CREATE TABLE validators (
                        id INTEGER PRIMARY KEY,
                        pubkey BLOB NOT NULL UNIQUE CHECK (length(pubkey) = 48));
                    CREATE TABLE signed_blocks (
                        validator_id INTEGER NOT NULL REFERENCES validators(id),
                        slot INTEGER NOT NULL CHECK (slot >= 0),
                        signing_root BLOB CHECK (signing_root IS NULL OR length(signing_root) = 32),
                        PRIMARY KEY (validator_id, slot));
                    CREATE TABLE signed_attestations (
                        validator_id INTEGER NOT NULL REFERENCES validators(id),
                        source_epoch INTEGER NOT NULL CHECK (source_epoch >= 0),
                        target_epoch INTEGER NOT NULL CHECK (target_epoch >= source_epoch),
                        signing_root BLOB CHECK (signing_root IS NULL OR length(signing_root) = 32),
                        PRIMARY KEY (validator_id, target_epoch));
                    CREATE INDEX signed_attestations_source ON signed_attestations (validator_id, source_epoch);
                    CREATE TABLE watermarks (
                        validator_id INTEGER PRIMARY KEY REFERENCES validators(id),
                        block_slot INTEGER CHECK (block_slot IS NULL OR block_slot >= 0),
                        source_epoch INTEGER CHECK (source_epoch IS NULL OR source_epoch >= 0),
                        target_epoch INTEGER CHECK (target_epoch IS NULL OR target_epoch >= 0));
                    """)
        }
        return migrator
    }

    package static func validatorID(_ db: Database, _ pubkey: [UInt8]) throws -> Int64 {
        if let id = try Int64.fetchOne(db, sql: "SELECT id FROM validators WHERE pubkey = ?", arguments: [Data(pubkey)]) {
            return id
        }
        try db.execute(sql: "INSERT INTO validators (pubkey) VALUES (?)", arguments: [Data(pubkey)])
        return db.lastInsertedRowID
    }

    package static func watermarks(_ db: Database, _ validator: Int64) throws -> Watermarks {
        guard let row = try Row.fetchOne(
            db, sql: "SELECT block_slot, source_epoch, target_epoch FROM watermarks WHERE validator_id = ?", arguments: [validator])
        else { return Watermarks() }
        return Watermarks(
            blockSlot: (row["block_slot"] as Int64?).map(UInt64.init),
            sourceEpoch: (row["source_epoch"] as Int64?).map(UInt64.init),
            targetEpoch: (row["target_epoch"] as Int64?).map(UInt64.init))
    }

    /// Raises the validator's watermarks to at least `marks` (each field merged with `max`).
    package static func raiseWatermarks(_ db: Database, _ validator: Int64, to marks: Watermarks) throws {
        let old = try watermarks(db, validator)
        func merged(_ a: UInt64?, _ b: UInt64?) -> Int64? {
            switch (a, b) {
            case (nil, nil): nil
            case (let x?, nil), (nil, let x?): Int64(x)
            case (let x?, let y?): Int64(max(x, y))
            }
        }
        try db.execute(
            sql: """
                INSERT INTO watermarks (validator_id, block_slot, source_epoch, target_epoch) VALUES (?, ?, ?, ?)
                ON CONFLICT (validator_id) DO UPDATE SET
                    block_slot = excluded.block_slot, source_epoch = excluded.source_epoch, target_epoch = excluded.target_epoch
                """,
            arguments: [
                validator, merged(old.blockSlot, marks.blockSlot), merged(old.sourceEpoch, marks.sourceEpoch),
                merged(old.targetEpoch, marks.targetEpoch),
            ])
    }

    package static func validate(pubkey: [UInt8]) throws(SlashingError) {
        guard pubkey.count == 48 else { throw .invalidPublicKey(pubkey.count) }
    }

    package static func validate(root: [UInt8], field: String) throws(SlashingError) {
        guard root.count == 32 else { throw .invalidRoot(field: field, count: root.count) }
    }

    package static func int64(_ value: UInt64, _ field: String) throws(SlashingError) -> Int64 {
        guard let result = Int64(exactly: value) else { throw .valueOutOfRange(field: field, value: value) }
        return result
    }

    /// A zero signing root means "unknown" (EIP-3076) and never matches anything: stored as NULL.
    package static func storedRoot(_ root: [UInt8]) -> Data? {
        root.allSatisfy { $0 == 0 } ? nil : Data(root)
    }
}
