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
//  1. Each current member with its shares deals, for every validator key and the ballot key, a
//     fresh polynomial of degree t_new − 1 through its share, with Feldman commitments; the
//     sub-shares for each new member are encrypted to that member's X25519 key (crypto_box).
//  2. Each new member checks every dealing against the current public shares in the
//     definition, and broadcasts which dealings it received and which it rejects.
//  3. The dealers used are those every new member received and none rejected, lowest t_old
//     first; each new member combines its sub-shares into its new share and checks that every
//     group key is unchanged — before anything is written.
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
        let newParameters: ThresholdParameters
        do { newParameters = try ThresholdParameters(threshold: definition.threshold, members: definition.members.count) } catch {
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
        let rng = try! DeterministicRandom(seed: seed)
        let random = rng

        let link = try await makeLink(LinkSetup(networkID: Self.session("reshare/network", hash), me: me.index, members: roster, listen: listen),
                                      try identity.signingKeyCopy())
        let driver = CeremonyDriver(session: session, epoch: definition.epoch, me: me.index, members: roster,
                                    signingKey: try identity.signingKeyCopy(), link: link, log: log)
        let role = oldMember != nil && newMember != nil ? "continuing" : (oldMember != nil ? "leaving" : "joining")
        log("\(me.label) (\(role)): resharing \"\(definition.name)\" from epoch \(source.previousEpoch) (\(source.previousThreshold)-of-\(source.previousMembers.count)) to epoch \(definition.epoch) (\(definition.threshold)-of-\(definition.members.count))")
        let phaseSeconds = TimeInterval(definition.timeouts.phaseSeconds)

        // 1. Deal (current members holding shares).
        var ownDealing: Envelope?
        if let oldMember, let oldLock {
            var body = ByteWriter()
            body.u16(UInt16(keyCount))
            var sealed: [[UInt8]] = Array(repeating: [], count: definition.members.count)
            for k in 0..<keyCount {
                let share = try loadShare(lock: oldLock, member: oldMember, dataDir: dataDir, password: password, validator: min(k, K - 1), ballot: k == K)
                let dealing: ReshareDealing
                do {
                    dealing = try Resharing.deal(oldShare: share, newEpoch: definition.epoch, newParameters: newParameters, newIndices: newIndices,
                                                 randomScalar: { Fr(reducingBigEndian: (0..<8).flatMap { _ in withUnsafeBytes(of: random.next().bigEndian, Array.init) }) })
                } catch { throw .failed(phase: "reshare dealing", reason: "\(error)") }
                body.u16(UInt16(dealing.commitments.coefficients.count))
                for c in dealing.commitments.coefficients { body.fixed(c.compressed()) }
                for (j, m) in definition.members.enumerated() {
                    dealing.subShares[try! MemberIndex(m.index)]!.withScalar { sealed[j] += $0.bigEndianBytes }
                }
            }
            body.u16(UInt16(definition.members.count))
            let boxKey = identity.boxKeyCopy()
            for (j, m) in definition.members.enumerated() {
                let nonce = (0..<3).flatMap { _ in withUnsafeBytes(of: random.next(), Array.init) }
                let plaintext = SecureBytes(copying: sealed[j])
                sealed[j].withUnsafeMutableBytes { secureZero($0) }
                let box: [UInt8]
                do { box = try boxKey.seal(plaintext, to: m.record.boxKey, nonce: nonce) } catch {
                    throw .failed(phase: "reshare dealing", reason: "cannot encrypt to \(m.label): \(error)")
                }
                body.u32(UInt32(m.index)); body.fixed(nonce); body.variable(box)
            }
            ownDealing = await driver.post(.reshareDealing, body.bytes)
            log("dealt new sub-shares of \(keyCount) key(s) to \(definition.members.count) member(s)")
        }

        // 2–3. New members: collect dealings, complain, combine.
        var newPublicShares: [[MemberIndex: PublicKey]] = []
        var keystores: [[UInt8]] = []
        var dealersUsed: [Int] = []
        var blame: [LockBlame] = []
        var transcript = Transcript(domain: "vring/reshare-transcript/v1")
        if let newMember {
            let myIndex = try! MemberIndex(newMember.index)
            var dealings: [Int: [ReshareDealing]] = [:]  // dealer → one per key
            var rejected: [Int: String] = [:]
            var dealingEnvelopes: [Int: [UInt8]] = [:]
            let started = Date()
            let oldIndices = Set(source.previousMembers.map(\.index))
            var deadline = started.addingTimeInterval(phaseSeconds + TimeInterval(definition.timeouts.connectSeconds))
            var backlog = (ownDealing.map { [$0] } ?? []) + driver.backlog(.reshareDealing)
            while Date() < deadline || !backlog.isEmpty {
                if oldIndices.isSubset(of: Set(dealings.keys).union(rejected.keys)) { break }
                let next: CeremonyDriver.Input?
                if !backlog.isEmpty { next = .envelope(backlog.removeFirst()) } else { next = await driver.next() }
                guard let input = next else { break }
                switch input {
                case .envelope(let e) where e.kind == .reshareDealing:
                    let dealer = Int(e.sender)
                    guard oldIndices.contains(dealer), dealings[dealer] == nil, rejected[dealer] == nil else { continue }
                    dealingEnvelopes[dealer] = e.encoded
                    switch parseDealing(e.body, dealer: dealer, me: newMember, definition: definition, keyCount: keyCount,
                                        box: identity.boxKeyCopy(), dealerBox: roster.first { $0.index == dealer }!.record.boxKey) {
                    case .success(let d): dealings[dealer] = d
                    case .failure(let rejection):
                        let why = rejection.reason
                        rejected[dealer] = why
                        log("rejected the dealing of \(driver.label(dealer)): \(why)")
                    }
                case .tick:
                    let missing = oldIndices.subtracting(dealings.keys).subtracting(rejected.keys).sorted()
                    driver.progress(waitingFor: missing, what: "reshare dealings", since: started)
                    if Date() >= deadline.addingTimeInterval(-phaseSeconds), dealings.count >= source.previousThreshold,
                       Date().timeIntervalSince(started) > phaseSeconds { deadline = Date() }
                default: break
                }
            }
            // Local verdict per dealer (Feldman checks against the current public shares).
            for (dealer, ds) in dealings.sorted(by: { $0.key < $1.key }) {
                for k in 0..<keyCount {
                    do {
                        _ = try Resharing.receive(newIndex: myIndex, dealings: [ds[k]], oldPublicShares: oldPublicShares[k], oldThreshold: 1,
                                                  oldGroupKey: PublicKey(point: ds[k].commitments.groupKey), oldEpoch: source.previousEpoch,
                                                  newParameters: newParameters, newIndices: newIndices)
                    } catch {
                        rejected[dealer] = "key \(k): \(error)"
                        log("rejected the dealing of \(driver.label(dealer)): key \(k): \(error)")
                        break
                    }
                }
            }
            for d in rejected.keys { dealings[d] = nil }
            // Complaints: what I received and what I reject.
            var complaint = ByteWriter()
            let received = (Set(dealings.keys).union(rejected.keys)).sorted()
            complaint.u16(UInt16(received.count)); for d in received { complaint.u32(UInt32(d)) }
            complaint.u16(UInt16(rejected.count)); for d in rejected.keys.sorted() { complaint.u32(UInt32(d)) }
            _ = await driver.post(.reshareComplaints, complaint.bytes)
            var views: [Int: (received: Set<Int>, rejected: Set<Int>)] = [newMember.index: (Set(received), Set(rejected.keys))]
            let newSet = Set(definition.members.map(\.index))
            let cStarted = Date()
            let cDeadline = cStarted.addingTimeInterval(phaseSeconds)
            var cBacklog = driver.backlog(.reshareComplaints)
            while Date() < cDeadline || !cBacklog.isEmpty {
                if newSet.isSubset(of: views.keys) { break }
                let next: CeremonyDriver.Input?
                if !cBacklog.isEmpty { next = .envelope(cBacklog.removeFirst()) } else { next = await driver.next() }
                guard let input = next else { break }
                switch input {
                case .envelope(let e) where e.kind == .reshareComplaints:
                    let from = Int(e.sender)
                    guard newSet.contains(from), views[from] == nil, let v = parseComplaints(e.body) else { continue }
                    views[from] = v
                case .tick:
                    driver.progress(waitingFor: newSet.subtracting(views.keys).sorted(), what: "reshare complaints", since: cStarted)
                default: break
                }
            }
            // The qualified dealers and the blame depend only on the exchanged views, so every new
            // member that saw the same views reaches the same lock.
            var qualified = Set(dealings.keys)
            for v in views.values { qualified.formIntersection(v.received); qualified.subtract(v.rejected) }
            for d in oldIndices.sorted() where !qualified.contains(d) {
                let accusers = views.keys.sorted().filter { views[$0]!.rejected.contains(d) }
                if !accusers.isEmpty {
                    blame.append(LockBlame(index: d, reason: "dealing rejected by \(accusers.map(driver.label).joined(separator: ", "))"))
                } else {
                    blame.append(LockBlame(index: d, reason: "dealing not received by every new member (silent or partitioned)"))
                }
            }
            for d in qualified.sorted() { transcript.append("dealing", dealingEnvelopes[d] ?? []) }
            for v in views.keys.sorted() {
                transcript.append("view", (views[v]!.received.sorted() + [-1] + views[v]!.rejected.sorted()).flatMap { withUnsafeBytes(of: Int64($0).bigEndian, Array.init) })
            }
            guard qualified.count >= source.previousThreshold else {
                await driver.close()
                throw .failed(phase: "reshare", reason: "\(qualified.count) qualified dealers, \(source.previousThreshold) needed; \(blame.map { "member \($0.index): \($0.reason)" }.joined(separator: "; "))")
            }
            let qualifiedIndices = Set(qualified.map { try! MemberIndex($0) })
            log("combining new shares and encrypting \(keyCount) keystore(s) (scrypt)")
            for k in 0..<keyCount {
                let outcome: ReshareOutcome
                do {
                    outcome = try Resharing.receive(
                        newIndex: myIndex, dealings: qualified.sorted().map { dealings[$0]![k] }, oldPublicShares: oldPublicShares[k],
                        oldThreshold: source.previousThreshold, oldGroupKey: oldKeys[k], oldEpoch: source.previousEpoch,
                        newParameters: newParameters, newIndices: newIndices, qualifiedDealers: qualifiedIndices)
                } catch {
                    await driver.close()
                    throw .failed(phase: "reshare", reason: "key \(k): \(error)")
                }
                newPublicShares.append(outcome.publicShares)
                dealersUsed = outcome.dealersUsed.map { Int($0.value) }
                do {
                    keystores.append(try Keystore.encrypt(
                        secretKey: outcome.share.key, password: password, path: "", kdf: keystoreKDF,
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
                transcriptHash: Hex.encode(transcript.digest()), qualified: dealersUsed, blame: blame,
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

    static func parseDealing(_ body: [UInt8], dealer: Int, me: PoolMember, definition: PoolDefinition, keyCount: Int,
                             box: consuming BoxKey, dealerBox: BoxPublicKey) -> Result<[ReshareDealing], DealingRejection> {
        var r = ByteReader(body)
        do {
            guard Int(try r.u16("key count")) == keyCount else { return .failure(DealingRejection("wrong number of keys")) }
            var commitments: [FeldmanCommitment] = []
            for _ in 0..<keyCount {
                let t = Int(try r.u16("threshold"))
                guard t == definition.threshold else { return .failure(DealingRejection("\(t) commitments, the new threshold is \(definition.threshold)")) }
                var points: [G1Affine] = []
                for _ in 0..<t { points.append(try r.g1("commitment")) }
                commitments.append(FeldmanCommitment(coefficients: points))
            }
            let count = Int(try r.u16("member count"))
            guard count == definition.members.count else { return .failure(DealingRejection("sub-shares for \(count) members, expected \(definition.members.count)")) }
            var mine: SecureBytes?
            for _ in 0..<count {
                let j = Int(try r.u32("member"))
                let nonce = try r.fixed(24, "nonce")
                let sealed = try r.variable("box", max: 32 * keyCount + 16)
                if j == me.index {
                    do { mine = try box.open(sealed, from: dealerBox, nonce: nonce) } catch { return .failure(DealingRejection("the sub-shares for this member do not decrypt")) }
                }
            }
            try r.finish("dealing")
            guard let mine, mine.count == 32 * keyCount else { return .failure(DealingRejection("no sub-shares for this member")) }
            var out: [ReshareDealing] = []
            for k in 0..<keyCount {
                guard let s = mine.withUnsafeBytes({ Fr(bigEndian: UnsafeRawBufferPointer(rebasing: $0[(32 * k)..<(32 * k + 32)])) }) else {
                    return .failure(DealingRejection("sub-share \(k) is not a scalar"))
                }
                out.append(ReshareDealing(dealer: try! MemberIndex(dealer), epoch: definition.epoch, commitments: commitments[k],
                                          subShares: [try! MemberIndex(me.index): SealedScalar(s)]))
            }
            return .success(out)
        } catch { return .failure(DealingRejection("malformed dealing: \(error)")) }
    }

    static func parseComplaints(_ body: [UInt8]) -> (received: Set<Int>, rejected: Set<Int>)? {
        var r = ByteReader(body)
        guard let n = try? r.u16("received") else { return nil }
        var received = Set<Int>()
        for _ in 0..<n { guard let d = try? r.u32("dealer") else { return nil }; received.insert(Int(d)) }
        guard let m = try? r.u16("rejected") else { return nil }
        var rejected = Set<Int>()
        for _ in 0..<m { guard let d = try? r.u32("dealer") else { return nil }; rejected.insert(Int(d)) }
        guard (try? r.finish("complaints")) != nil else { return nil }
        return (received, rejected)
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

/// Why a dealing was not accepted.
struct DealingRejection: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}
