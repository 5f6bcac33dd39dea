import BLS12381
import DKG
import Foundation
import Primitives
import Reshare
import Staking
import Threshold

// Member replacement: `vring pool edit` turns a lock into a reshare definition (members removed,
// added or replaced, optionally a new threshold), every new member and at least t_old current
// members approve it, and `vring pool reshare` runs it (Desmedt–Jajodia / Wong–Wang–Wing
// redistribution, Sources/Reshare):
//
//  1–3. The pure state machine `ReshareProtocol` (Sources/Reshare, docs/PROTOCOLS.md "Resharing
//     and repair as message protocols"), fed by this file: each current member with its shares
//     deals, for every validator key and the ballot key, a fresh polynomial of degree t_new − 1
//     through its share with Feldman commitments (D[0] checked against its public share in the
//     definition) and sub-shares encrypted to each new member (crypto_box); every member echoes
//     the dealings it received, new members complain, dealers answer in public; every member
//     then computes the same qualified dealers, the t_old lowest are combined and every group
//     key is checked — before anything is written.
//  4. New members sign the new lock (epoch + 1). Once t_new have signed it, every member
//     archives the old lock; old shares are overwritten and deleted (leaving members keep none).

extension PoolDefinition {
    /// A reshare definition from `lock`: members in `remove` leave, `add` join, `replace` maps an
    /// index to the record of the member taking over (with a new index). New members get the
    /// indices after the highest ever used, so no index is ever reused.
    /// The question members vote on to approve this change (`vring vote run --question …`,
    /// then `vring pool edit … --approved-by TRANSCRIPT`).
    public static func reshareQuestion(lock: PoolLock, remove: [Int], add: [IdentityRecord], replace: [(Int, IdentityRecord)],
                                       threshold: Int?) -> String {
        var parts: [String] = []
        if !remove.isEmpty { parts.append("remove " + remove.sorted().map { i in lock.members.first { $0.index == i }.map { "\($0.index) (\($0.name))" } ?? "\(i)" }.joined(separator: ", ")) }
        for (i, r) in replace.sorted(by: { $0.0 < $1.0 }) { parts.append("replace \(i) by \(r.name) (\(Hex.encode(r.signingKey.bytes).prefix(16)))") }
        if !add.isEmpty { parts.append("add " + add.map { "\($0.name) (\(Hex.encode($0.signingKey.bytes).prefix(16)))" }.joined(separator: ", ")) }
        if let threshold, threshold != lock.threshold { parts.append("threshold \(lock.threshold) → \(threshold)") }
        return "Change pool \"\(lock.name)\" at epoch \(lock.epoch) (lock \(lock.lockHash.prefix(16))): \(parts.joined(separator: "; "))?"
    }

    public static func reshare(from lock: PoolLock, remove: [Int], add: [IdentityRecord], replace: [(Int, IdentityRecord)],
                               threshold: Int?, timeouts: CeremonyTimeouts? = nil, approvedByVote: String? = nil) throws(CeremonyError) -> PoolDefinition {
        let current = Set(lock.members.map(\.index))
        for i in remove + replace.map(\.0) where !current.contains(i) {
            throw .invalidArgument(name: "--remove/--replace", problem: "member \(i) is not in the pool (members: \(current.sorted().map(String.init).joined(separator: ", ")))")
        }
        let leaving = Set(remove + replace.map(\.0))
        var members = lock.members.filter { !leaving.contains($0.index) }
        var next = (lock.members.map(\.index).max() ?? 0) + 1
        for r in replace.map(\.1) + add {
            members.append(PoolMember(index: next, record: r))
            next += 1
        }
        guard members.count >= 2 else { throw .invalidArgument(name: "--remove", problem: "a pool keeps at least 2 members") }
        let t2 = threshold ?? min(lock.threshold, members.count)
        let source = ReshareSource(
            previousLockHash: lock.lockHash, previousEpoch: lock.epoch, previousThreshold: lock.threshold,
            previousMembers: lock.members, validatorPublicKeys: lock.validators.map(\.publicKey),
            previousPublicShares: lock.validators.map(\.publicShares),
            ballotPublicKey: lock.ballot.publicKey, previousBallotShares: lock.ballot.publicShares,
            depositDataRoots: lock.validators.map(\.depositDataRoot), approvedByVote: approvedByVote)
        return try PoolDefinition(
            kind: .reshare, name: lock.name, network: lock.network, threshold: t2, validators: lock.validators.count,
            withdrawalAddress: lock.withdrawalAddress, feeRecipient: lock.feeRecipient, depositAmountGwei: lock.depositAmountGwei,
            members: members, timeouts: timeouts ?? lock.timeouts, consensus: lock.consensus, epoch: lock.epoch + 1, reshare: source)
    }
}

/// What a reshare did for this member.
public struct ReshareCeremonyOutcome: Sendable {
    public let lockPath: String?
    public let epoch: UInt64
    public let validatorPublicKeys: [String]
    public let dealersUsed: [Int]
    public let blame: [LockBlame]
    /// True for a member that left the pool (its shares are erased, nothing new written).
    public let left: Bool
}

extension PoolCeremony {
    public static func reshare(definitionPath: String, identityPath: String, dataDir: String, passwordFile: String,
                               listen: String? = nil, keystoreKDF: KeystoreKDF = .scryptDefault,
                               log: @escaping ProgressLog, link makeLink: LinkFactory) async throws(CeremonyError) -> ReshareCeremonyOutcome {
        let definition = try PoolDefinition.load(definitionPath)
        guard definition.kind == .reshare, let source = definition.reshare else {
            throw .invalidDefinition("\(definitionPath) is a formation definition; use `vring pool form`")
        }
        try definition.requireAllApprovals()
        let identity = try IdentityDirectory.load(identityPath)
        let password = try FileIO.readPassword(passwordFile)
        let dirLock = try DataDirLock(dataDir)
        defer { withExtendedLifetime(dirLock) {} }
        let oldMember = source.previousMembers.first { $0.record.signingKey == identity.record.signingKey }
        let newMember = definition.members.first { $0.record.signingKey == identity.record.signingKey }
        guard let me = newMember ?? oldMember else {
            throw .notAMember("identity \"\(identity.record.name)\" is in neither the current nor the new committee of \"\(definition.name)\"")
        }
        let lockPath = "\(dataDir)/\(PoolFiles.lock)"
        var oldLock: PoolLock?
        if FileIO.exists(lockPath) {
            let l = try PoolLock.load(lockPath)
            if l.lockHash == source.previousLockHash { oldLock = l }
            else if l.previousLockHash == source.previousLockHash, l.definitionHash == definition.definitionHash {
                log("\(dataDir) already holds the new lock (epoch \(l.epoch)); nothing to do")
                return ReshareCeremonyOutcome(lockPath: lockPath, epoch: l.epoch, validatorPublicKeys: l.validators.map(\.publicKey),
                                              dealersUsed: l.qualified, blame: l.blame, left: false)
            } else if newMember == nil || oldMember != nil {
                throw .file(path: lockPath, problem: "is not the lock this reshare starts from (lock_hash \(l.lockHash.prefix(16))…, expected \(source.previousLockHash.prefix(16))…)")
            }
        }
        if oldMember != nil, oldLock == nil, newMember == nil {
            throw .file(path: dataDir, problem: "holds no lock \(source.previousLockHash.prefix(16))… and this member is leaving: nothing to contribute")
        }
        if newMember != nil, oldMember == nil, FileIO.exists(lockPath) {
            throw .file(path: dataDir, problem: "a joining member needs an empty data dir (it holds \(lockPath))")
        }

        let K = definition.validators
        let keyCount = K + 1  // validators, then the ballot key
        let oldKeys = try (source.validatorPublicKeys + [source.ballotPublicKey]).enumerated().map { (i, h) throws(CeremonyError) in
            try parsePublicKey(h, what: i < K ? "reshare.validator_public_keys[\(i)]" : "reshare.ballot_public_key")
        }
        var oldPublicShares: [[MemberIndex: PublicKey]] = []
        for k in 0..<keyCount {
            var row: [MemberIndex: PublicKey] = [:]
            let hexes = k < K ? source.previousPublicShares[k] : source.previousBallotShares
            for (i, m) in source.previousMembers.enumerated() { row[try! MemberIndex(m.index)] = try parsePublicKey(hexes[i], what: "previous public share") }
            oldPublicShares.append(row)
        }
        let newIndices = definition.members.map { try! MemberIndex($0.index) }
        do { _ = try ThresholdParameters(threshold: definition.threshold, members: definition.members.count) } catch {
            throw .invalidDefinition("\(error)")
        }

        // The roster of the ceremony: old and new members (indices are never reused).
        var roster = source.previousMembers
        for m in definition.members where !roster.contains(where: { $0.index == m.index }) { roster.append(m) }
        roster.sort { $0.index < $1.index }
        let hash = Hex.decode(definition.definitionHash)!
        let session = Self.session("reshare", hash)
        let store = try StateStore(dataDir: dataDir, ceremony: "reshare", session: session)
        let seed = try store.seed(key: identity.stateKey(session: session))
        var random = try! DeterministicRandom(seed: seed)

        let link = try await makeLink(LinkSetup(networkID: Self.session("reshare/network", hash), me: me.index, members: roster, listen: listen),
                                      try identity.signingKeyCopy())
        let driver = CeremonyDriver(session: session, epoch: definition.epoch, me: me.index, members: roster,
                                    signingKey: try identity.signingKeyCopy(), link: link, log: log)
        let role = oldMember != nil && newMember != nil ? "continuing" : (oldMember != nil ? "leaving" : "joining")
        log("\(me.label) (\(role)): resharing \"\(definition.name)\" from epoch \(source.previousEpoch) (\(source.previousThreshold)-of-\(source.previousMembers.count)) to epoch \(definition.epoch) (\(definition.threshold)-of-\(definition.members.count))")
        let phaseSeconds = TimeInterval(definition.timeouts.phaseSeconds)

        // 1–3. The protocol (Sources/Reshare/ReshareProtocol.swift): dealings from current members
        // holding shares, echoes and complaints, public answers; every member computes the same
        // qualified dealers, the t_old lowest are combined and every group key is checked —
        // before anything is written.
        let configuration: ReshareConfiguration
        do {
            configuration = try ReshareConfiguration(
                sessionID: try SessionID(bytes: session), epoch: definition.epoch,
                roster: roster.map { MemberIdentity(index: try! MemberIndex($0.index), signingKey: $0.record.signingKey, encryptionKey: $0.record.boxKey) },
                oldMembers: source.previousMembers.map { try! MemberIndex($0.index) }, oldThreshold: source.previousThreshold,
                newMembers: newIndices, newThreshold: definition.threshold,
                keys: (0..<keyCount).map { k in
                    ReshareKey(context: Self.keyContexts(validators: K)[k], groupKey: oldKeys[k], oldPublicShares: oldPublicShares[k])
                })
        } catch { throw .invalidDefinition("reshare: \(error)") }
        var ownShares: KeyShares?
        if let oldMember, let oldLock {
            var shares = KeyShares(index: try! MemberIndex(oldMember.index), keyCount: keyCount)
            for k in 0..<keyCount {
                let share = try loadShare(lock: oldLock, member: oldMember, dataDir: dataDir, password: password, validator: min(k, K - 1), ballot: k == K)
                do { try shares.set(share, key: k) } catch { throw .failed(phase: "reshare dealing", reason: "\(error)") }
            }
            ownShares = consume shares
        }
        let participant: ReshareProtocol
        do {
            participant = try ReshareProtocol(configuration: configuration, index: try! MemberIndex(me.index), signingKey: try identity.signingKeyCopy(),
                                              encryptionKey: identity.boxKeyCopy(), oldShares: ownShares.take())
        } catch { throw .failed(phase: "reshare", reason: "\(error)") }
        do {
            if let dealing = try participant.start(using: &random) {
                _ = await driver.post(.reshareDealing, dealing)
                log("dealt new sub-shares of \(keyCount) key(s) to \(definition.members.count) member(s)")
            }
        } catch { throw .failed(phase: "reshare dealing", reason: "\(error)") }
        let roundNames: [ReshareProtocol.Phase: String] = [
            .dealing: "reshare dealings", .echoing: "reshare echoes and complaints", .justifying: "reshare justifications",
        ]
        var started = Date()
        var deadline = started.addingTimeInterval(phaseSeconds + TimeInterval(definition.timeouts.connectSeconds))
        while participant.phase < .finished {
            guard let input = await driver.next() else { break }
            switch input {
            case .envelope(let e) where e.kind == .reshareDealing:
                do { try participant.receive(e.body) } catch {
                    log("refused a reshare message relayed by \(driver.label(Int(e.sender))): \(error)")
                }
            case .tick:
                if participant.isPhaseComplete || Date() >= deadline {
                    do {
                        if let m = try participant.phaseTimeout(using: &random) { _ = await driver.post(.reshareDealing, m) }
                    } catch { throw .failed(phase: "reshare", reason: "\(error)") }
                    started = Date()
                    deadline = started.addingTimeInterval(phaseSeconds)
                } else if let what = roundNames[participant.phase] {
                    driver.progress(waitingFor: [], what: what, since: started)
                }
            default: break
            }
        }
        if let failure = participant.failure {
            await driver.close()
            throw .failed(phase: "reshare", reason: failure.description)
        }
        guard let output = participant.output else {
            await driver.close()
            throw .timeout(phase: "reshare", waitingFor: [])
        }
        let blame = output.blame.map { LockBlame(index: Int($0.index.value), reason: $0.reason.description) }
        for b in blame { log("blame: \(driver.label(b.index)): \(b.reason)") }
        let dealersUsed = output.dealersUsed.map { Int($0.value) }
        let transcriptHash = output.transcriptHash
        var newPublicShares: [[MemberIndex: PublicKey]] = []
        for k in 0..<keyCount {
            newPublicShares.append(Dictionary(uniqueKeysWithValues: newIndices.map { ($0, output.publicShare(key: k, member: $0)!) }))
        }
        var keystores: [[UInt8]] = []
        if let newMember {
            guard let shares = participant.takeNewShares() else { throw .failed(phase: "reshare", reason: "no new shares") }
            log("combining new shares and encrypting \(keyCount) keystore(s) (scrypt)")
            for k in 0..<keyCount {
                do {
                    keystores.append(try Keystore.encrypt(
                        secretKey: try shares.share(key: k).key, password: password, path: "", kdf: keystoreKDF,
                        description: "vring \(definition.name) \(k < K ? "validator \(k)" : "ballot key") share of member \(newMember.index), epoch \(definition.epoch)"))
                } catch { throw .failed(phase: "keystores", reason: "\(error)") }
            }
            log("new shares combined from dealers \(dealersUsed.map(String.init).joined(separator: ",")); every group key unchanged")
        }

        // 4. The new lock, signed by the new committee.
        let newMembers = definition.members
        var newLock: PoolLock?
        if newMember != nil {
            var lock = PoolLock(
                name: definition.name, network: definition.network, definitionHash: definition.definitionHash,
                threshold: definition.threshold, epoch: definition.epoch, members: newMembers,
                validators: (0..<K).map { k in
                    LockValidator(publicKey: source.validatorPublicKeys[k],
                                  publicShares: newMembers.map { "0x" + Hex.encode(newPublicShares[k][try! MemberIndex($0.index)]!.compressed) },
                                  depositDataRoot: source.depositDataRoots[k])
                },
                ballot: LockBallotKey(publicKey: source.ballotPublicKey,
                                      publicShares: newMembers.map { "0x" + Hex.encode(newPublicShares[K][try! MemberIndex($0.index)]!.compressed) }),
                withdrawalAddress: definition.withdrawalAddress, feeRecipient: definition.feeRecipient,
                depositAmountGwei: definition.depositAmountGwei, consensus: definition.consensus, timeouts: definition.timeouts,
                transcriptHash: Hex.encode(transcriptHash), qualified: dealersUsed, blame: blame,
                previousLockHash: source.previousLockHash, lockHash: "", signatures: [])
            lock.lockHash = Hex.encode(lock.computeHash())
            lock.signatures = try await collectLockSignatures(driver: driver, lock: lock, expected: Set(newMembers.map(\.index)), phaseSeconds: phaseSeconds)
            guard lock.signatures.count >= definition.threshold else {
                throw .failed(phase: "reshare lock", reason: "only \(lock.signatures.count) new members signed; \(definition.threshold) needed")
            }
            newLock = lock
        } else {
            // A leaving member waits for t_new new members to sign one lock before erasing.
            _ = try await awaitConfirmation(driver: driver, definition: definition, phaseSeconds: phaseSeconds)
        }

        // 5. Files. Old shares are erased only now that t_new members confirmed the new epoch.
        if let oldLock {
            try FileIO.makeDirectory("\(dataDir)/\(PoolFiles.archive)")
            try FileIO.writeJSON(oldLock, to: "\(dataDir)/\(PoolFiles.archive)/lock-epoch-\(oldLock.epoch).json")
        }
        if let newLock, newMember != nil {
            let staging = "\(store.directory)/out"
            try? FileManager.default.removeItem(atPath: staging)
            try FileIO.makeDirectory("\(staging)/\(PoolFiles.keystores)")
            for k in 0..<keyCount {
                try FileIO.writeAtomically(keystores[k], to: "\(staging)/\(k < K ? PoolFiles.keystore(k) : PoolFiles.ballotKeystore)", mode: 0o600)
            }
            try FileIO.writeJSON(newLock, to: "\(staging)/\(PoolFiles.lock)")
            try FileIO.makeDirectory("\(dataDir)/\(PoolFiles.keystores)")
            for k in 0..<keyCount {
                let name = k < K ? PoolFiles.keystore(k) : PoolFiles.ballotKeystore
                eraseFile("\(dataDir)/\(name)")
                try FileIO.moveIntoPlace("\(staging)/\(name)", to: "\(dataDir)/\(name)")
            }
            try FileIO.moveIntoPlace("\(staging)/\(PoolFiles.lock)", to: lockPath)
            log("wrote \(lockPath) (epoch \(definition.epoch)) and \(keyCount) keystore(s); old shares erased")
        } else if oldLock != nil {
            for k in 0..<keyCount { eraseFile("\(dataDir)/\(k < K ? PoolFiles.keystore(k) : PoolFiles.ballotKeystore)") }
            eraseFile(lockPath)
            log("left the pool: old shares erased, lock archived in \(dataDir)/\(PoolFiles.archive)")
        }
        await linger(driver: driver, expected: Set(roster.map(\.index)), phaseSeconds: 3)
        await driver.close()
        store.erase()
        return ReshareCeremonyOutcome(lockPath: newLock == nil ? nil : lockPath, epoch: definition.epoch,
                                      validatorPublicKeys: source.validatorPublicKeys, dealersUsed: dealersUsed, blame: blame,
                                      left: newLock == nil)
    }

    /// Overwrites a file with zeros, syncs and deletes it (best effort on copy-on-write or
    /// journaling file systems; the keystore was encrypted anyway).
    static func eraseFile(_ path: String) {
        guard let size = try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int,
              let h = FileHandle(forWritingAtPath: path) else { return }
        try? h.write(contentsOf: Data(repeating: 0, count: size))
        try? h.synchronize()
        try? h.close()
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Waits until t_new members of the new committee signed one lock hash.
    static func awaitConfirmation(driver: CeremonyDriver, definition: PoolDefinition, phaseSeconds: TimeInterval) async throws(CeremonyError) -> [UInt8] {
        var votes: [[UInt8]: Set<Int>] = [:]
        let newMembers = Dictionary(uniqueKeysWithValues: definition.members.map { ($0.index, $0) })
        let started = Date()
        let deadline = started.addingTimeInterval(phaseSeconds * 3 + TimeInterval(definition.timeouts.connectSeconds))
        var backlog = driver.backlog(.lockSignature)
        while Date() < deadline || !backlog.isEmpty {
            let next: CeremonyDriver.Input?
            if !backlog.isEmpty { next = .envelope(backlog.removeFirst()) } else { next = await driver.next() }
            guard let input = next else { break }
            if case .envelope(let e) = input, e.kind == .lockSignature, e.body.count == 96, let m = newMembers[Int(e.sender)] {
                let hash = Array(e.body[0..<32])
                guard m.record.signingKey.isValidSignature(Array(e.body[32...]), for: PoolLock.signatureMessage(hash: hash)) else { continue }
                votes[hash, default: []].insert(m.index)
                if votes[hash]!.count >= definition.threshold { return hash }
            } else if case .tick = input {
                driver.progress(waitingFor: [], what: "confirmation of the new epoch", since: started)
            }
        }
        throw .failed(phase: "reshare", reason: "the new committee did not confirm the new epoch in time; old shares were kept")
    }
}
