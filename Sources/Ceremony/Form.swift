import BLS12381
import DKG
import Foundation
import Primitives
import Staking
import Threshold

// `vring pool form`: one member's side of pool formation.
//
//  1. Checks: every member approved this definition; the password file is readable; the data dir
//     is ours (an exclusive lock) and does not already hold another pool; a passed verification
//     report when the definition requires one.
//  2. DKG (Joint-Feldman, three rounds; Sources/DKG) for K validator keys and the ballot key,
//     over the authenticated transport. Protocol randomness comes from a persisted, sealed seed
//     and every input is logged before it is acted on, so a restarted member replays to the
//     same state and rejoins. A round closes when every member's message is in, or at its
//     deadline (the first round also allows `connect_seconds` for members to come up); silent
//     members are excluded with a recorded reason and the rest go on.
//  3. Deposit data: every member partially signs each validator's deposit message; partials are
//     verified against the senders' public shares (invalid ones named) and any t valid ones are
//     combined; the result is verified against the group key before anything is written.
//  4. Lock: every member signs the lock hash; a member that computed a different lock is named.
//  5. Files: keystores (EIP-2335, scrypt), deposit-data.json and lock.json are written into a
//     staging directory and then renamed into place, lock.json last; then the state is erased.

/// What a finished formation wrote.
public struct FormOutcome: Sendable {
    public let lockPath: String
    public let depositDataPath: String
    public let keystorePaths: [String]
    public let validatorPublicKeys: [String]
    public let qualified: [Int]
    public let blame: [LockBlame]
    /// True when the data dir already held this pool's lock (nothing was run).
    public let alreadyFormed: Bool
}

/// Test hook (`VRING_TEST_CRASH` in the CLI): the process dies at this point, half a second
/// after its last message went out, as a crash would leave it (state persisted, no output).
public enum CrashPoint: String, Sendable {
    case afterDeal = "after-deal"
    case afterEcho = "after-echo"
}

func crashNow(_ log: ProgressLog) async {
    log("test hook: crashing now (VRING_TEST_CRASH)")
    try? await Task.sleep(nanoseconds: 500_000_000)
    Foundation.exit(137)
}

/// How a ceremony reaches the other members (a real network by default).
public struct LinkSetup: Sendable {
    public let networkID: [UInt8]
    public let me: Int
    public let members: [PoolMember]
    /// Overrides the listen address of this member's record (e.g. 0.0.0.0:PORT).
    public let listen: String?

    public init(networkID: [UInt8], me: Int, members: [PoolMember], listen: String?) {
        self.networkID = networkID; self.me = me; self.members = members; self.listen = listen
    }
}
public typealias LinkFactory = @Sendable (LinkSetup, consuming SigningKey) async throws(CeremonyError) -> any CeremonyLink

public enum PoolFiles {
    public static let lock = "lock.json"
    public static let depositData = "deposit-data.json"
    public static let keystores = "validator_keys"
    public static let ballotKeystore = "ballot-keystore.json"
    public static let verificationReport = "verification-report.json"
    public static let archive = "archive"
    static func keystore(_ i: Int) -> String { "\(keystores)/keystore-\(i).json" }
}

/// The ceremony runners behind `vring pool …`.
public enum PoolCeremony {
    /// The key contexts of a formation: "validator/0" … "validator/K-1", then "ballot".
    static func keyContexts(validators: Int) -> [[UInt8]] {
        (0..<validators).map { Array("vring/validator/\($0)".utf8) } + [Array("vring/ballot".utf8)]
    }

    static func session(_ label: String, _ parts: [UInt8]...) -> [UInt8] {
        var t = Transcript(domain: "vring/session/v1")
        t.append("ceremony", Array(label.utf8))
        for p in parts { t.append("part", p) }
        return t.digest()
    }

    /// Runs pool formation for one member. See the file header for the steps.
    public static func form(definitionPath: String, identityPath: String, dataDir: String, passwordFile: String,
                            listen: String? = nil, keystoreKDF: KeystoreKDF = .scryptDefault, crash: CrashPoint? = nil,
                            log: @escaping ProgressLog, link makeLink: LinkFactory) async throws(CeremonyError) -> FormOutcome {
        let definition = try PoolDefinition.load(definitionPath)
        guard definition.kind == .form else { throw .invalidDefinition("\(definitionPath) is a \(definition.kind.rawValue) definition; use `vring pool reshare`") }
        try definition.requireAllApprovals()
        let identity = try IdentityDirectory.load(identityPath)
        let me = try definition.member(for: identity)
        let password = try FileIO.readPassword(passwordFile)
        let dirLock = try DataDirLock(dataDir)
        defer { withExtendedLifetime(dirLock) {} }
        let lockPath = "\(dataDir)/\(PoolFiles.lock)"
        if FileIO.exists(lockPath) {
            let existing = try PoolLock.load(lockPath)
            guard existing.definitionHash == definition.definitionHash else {
                throw .file(path: dataDir, problem: "already holds pool \"\(existing.name)\" (lock \(existing.lockHash.prefix(16))…); use another --data-dir")
            }
            log("\(dataDir) already holds this pool's lock; nothing to do")
            return FormOutcome(lockPath: lockPath, depositDataPath: "\(dataDir)/\(PoolFiles.depositData)",
                               keystorePaths: (0..<existing.validators.count).map { "\(dataDir)/\(PoolFiles.keystore($0))" },
                               validatorPublicKeys: existing.validators.map(\.publicKey), qualified: existing.qualified,
                               blame: existing.blame, alreadyFormed: true)
        }
        if definition.requireVerification {
            try VerificationReport.requirePassed(at: "\(dataDir)/\(PoolFiles.verificationReport)", definition: definition)
        }
        guard let network = Network.named(definition.network) else { throw .invalidDefinition("unknown network \(definition.network)") }
        let credentials: [UInt8]
        do { credentials = try WithdrawalCredentials.execution(address: definition.withdrawalAddress) } catch {
            throw .invalidDefinition("withdrawal_address: \(error)")
        }

        let hash = Hex.decode(definition.definitionHash)!
        let session = Self.session("form", hash)
        let n = definition.members.count, t = definition.threshold, K = definition.validators
        let roster = definition.members.map {
            MemberIdentity(index: try! MemberIndex($0.index), signingKey: $0.record.signingKey, encryptionKey: $0.record.boxKey)
        }
        let configuration: DKGConfiguration
        do {
            configuration = try DKGConfiguration(sessionID: try SessionID(bytes: session), epoch: 0,
                                                 parameters: try ThresholdParameters(threshold: t, members: n),
                                                 roster: roster, keyContexts: keyContexts(validators: K))
        } catch { throw .invalidDefinition("\(error)") }
        let store = try StateStore(dataDir: dataDir, ceremony: "form", session: session)
        let resuming = !store.isFresh
        let seed = try store.seed(key: identity.stateKey(session: session))
        let rng = try! DeterministicRandom(seed: seed)
        var random = rng
        let participant: DKGParticipant
        do {
            participant = try DKGParticipant(configuration: configuration, index: try! MemberIndex(me.index),
                                             signingKey: try identity.signingKeyCopy(), encryptionKey: identity.boxKeyCopy())
        } catch { throw .invalidDefinition("\(error)") }

        let link = try await makeLink(LinkSetup(networkID: Self.session("form/network", hash), me: me.index,
                                                members: definition.members, listen: listen), try identity.signingKeyCopy())
        let driver = CeremonyDriver(session: session, epoch: 0, me: me.index, members: definition.members,
                                    signingKey: try identity.signingKeyCopy(), link: link, log: log)
        log("\(me.label): forming \"\(definition.name)\", \(t)-of-\(n), \(K) validator(s) on \(network.name)\(resuming ? " (resuming from \(store.directory))" : "")")

        // Round senders seen, for progress lines and for whom to wait later.
        var senders: [MessageKind: Set<Int>] = [:]
        func note(_ body: [UInt8]) {
            if let m = try? SignedMessage(decoding: body, for: configuration) { senders[m.kind, default: []].insert(Int(m.sender.value)) }
        }
        do {
            let first = try participant.start(using: &random)
            note(first)
            driver.remember(driver.makeEnvelope(.dkg, first))
            for record in store.load() {
                switch record {
                case .received(let body):
                    note(body)
                    _ = try? participant.receive(body)
                case .advanced:
                    if let m = try participant.phaseTimeout(using: &random) { note(m); driver.remember(driver.makeEnvelope(.dkg, m)) }
                case .custom: break
                }
            }
        } catch { throw .failed(phase: "DKG", reason: "\(error)") }
        await driver.flushOutbox()
        if crash == .afterDeal, resuming == false { await crashNow(log) }

        // DKG rounds.
        let phaseSeconds = TimeInterval(definition.timeouts.phaseSeconds)
        var roundStarted = Date()
        var deadline = roundStarted.addingTimeInterval(phaseSeconds + (participant.phase <= .dealing ? TimeInterval(definition.timeouts.connectSeconds) : 0))
        let roundNames: [DKGParticipant.Phase: (MessageKind, String)] = [
            .dealing: (.deal, "deals (commitments and encrypted shares)"), .complaining: (.echo, "echoes and complaints"),
            .justifying: (.justification, "justifications"),
        ]
        while participant.phase < .finished {
            guard let input = await driver.next() else { break }
            switch input {
            case .envelope(let e):
                guard e.kind == .dkg else { continue }  // later-phase messages are re-sent to us on reconnect
                do {
                    if try participant.receive(e.body) == .accepted {
                        note(e.body)
                        try store.append(.received(e.body))
                    }
                } catch let error as CeremonyError { throw error } catch {
                    log("refused a DKG message relayed by \(driver.label(Int(e.sender))): \(error)")
                }
            case .connected, .disconnected: break
            case .tick:
                if participant.isPhaseComplete || Date() >= deadline {
                    if !participant.isPhaseComplete, let (kind, what) = roundNames[participant.phase] {
                        let missing = definition.members.map(\.index).filter { !(senders[kind] ?? []).contains($0) }
                        log("round closed without \(missing.map(driver.label).joined(separator: ", ")): \(what)")
                    }
                    try store.append(.advanced)
                    do {
                        if let m = try participant.phaseTimeout(using: &random) { note(m); _ = await driver.post(.dkg, m) }
                    } catch { throw .failed(phase: "DKG", reason: "\(error)") }
                    if crash == .afterEcho, participant.phase == .complaining, !resuming { await crashNow(log) }
                    roundStarted = Date()
                    deadline = roundStarted.addingTimeInterval(phaseSeconds)
                } else if let (kind, what) = roundNames[participant.phase] {
                    let missing = definition.members.map(\.index).filter { !(senders[kind] ?? []).contains($0) }
                    driver.progress(waitingFor: missing, what: what, since: roundStarted)
                }
            }
        }
        guard let output = participant.output else {
            let reason = participant.failure?.description ?? "the link closed"
            await driver.close()
            store.erase()
            throw .failed(phase: "DKG", reason: reason)
        }
        for b in output.blame { log("blame: \(driver.label(Int(b.member.value))): \(b.reason)\(b.disqualified ? " (disqualified)" : "")") }
        guard let shares = participant.takeSecretShares() else { throw .failed(phase: "DKG", reason: "no secret shares") }
        log("DKG done: QUAL \(output.qualified.map { String($0.value) }.joined(separator: ",")); validator key \(output.keys[0].groupPublicKey)")

        // Everyone still talking: the senders of the last round (and us).
        let alive = Set((senders[.justification] ?? senders[.echo] ?? []).union([me.index]))

        // Deposit data, threshold-signed.
        var messages: [[UInt8]] = []
        var depositMessages: [DepositMessage] = []
        for k in 0..<K {
            do {
                let m = try DepositMessage(pubkey: output.keys[k].groupPublicKey, withdrawalCredentials: credentials, amount: definition.depositAmountGwei)
                depositMessages.append(m)
                messages.append(m.signingRoot(network: network))
            } catch { throw .failed(phase: "deposit data", reason: "\(error)") }
        }
        let publicShares: (Int, Int) -> PublicKey = { k, member in output.keys[k].publicShares[member - 1] }
        let signatures = try await collectThresholdSignatures(
            driver: driver, messages: messages, threshold: t, groupKeys: (0..<K).map { output.keys[$0].groupPublicKey },
            publicShare: publicShares, expected: alive, phaseSeconds: phaseSeconds, what: "deposit partial signatures",
            sign: { k in
                do { return ThresholdSignature.partialSign(share: try shares.share(key: k), message: messages[k]).signature } catch { return nil }
            })
        var entries: [DepositDataEntry] = []
        for k in 0..<K {
            do { entries.append(try DepositDataEntry(message: depositMessages[k], signature: signatures[k], network: network)) } catch {
                throw .failed(phase: "deposit data", reason: "validator \(k): \(error)")
            }
            let failures = entries[k].verify()
            guard failures.isEmpty else { throw .failed(phase: "deposit data", reason: "validator \(k): \(failures.map(\.description).joined(separator: "; "))") }
        }

        // The lock, signed by every member still here.
        let members = definition.members
        var lock = PoolLock(
            name: definition.name, network: definition.network, definitionHash: definition.definitionHash, threshold: t, epoch: 0,
            members: members,
            validators: (0..<K).map { k in
                LockValidator(publicKey: "0x" + Hex.encode(output.keys[k].groupPublicKey.compressed),
                              publicShares: members.map { "0x" + Hex.encode(publicShares(k, $0.index).compressed) },
                              depositDataRoot: "0x" + Hex.encode(entries[k].depositDataRoot))
            },
            ballot: LockBallotKey(publicKey: "0x" + Hex.encode(output.keys[K].groupPublicKey.compressed),
                                  publicShares: members.map { "0x" + Hex.encode(publicShares(K, $0.index).compressed) }),
            withdrawalAddress: definition.withdrawalAddress, feeRecipient: definition.feeRecipient,
            depositAmountGwei: definition.depositAmountGwei, consensus: definition.consensus, timeouts: definition.timeouts,
            transcriptHash: Hex.encode(output.transcriptHash), qualified: output.qualified.map { Int($0.value) },
            blame: output.blame.map { LockBlame(index: Int($0.member.value), reason: $0.reason.description) },
            previousLockHash: nil, lockHash: "", signatures: [])
        lock.lockHash = Hex.encode(lock.computeHash())
        lock.signatures = try await collectLockSignatures(driver: driver, lock: lock, expected: alive, phaseSeconds: phaseSeconds)

        // Files: staged, then renamed into place with lock.json last.
        let staging = "\(store.directory)/out"
        try? FileManager.default.removeItem(atPath: staging)
        try FileIO.makeDirectory("\(staging)/\(PoolFiles.keystores)")
        var keystorePaths: [String] = []
        log("encrypting \(K + 1) keystore(s) (scrypt)")
        for k in 0...K {
            let share: SecretShare
            do { share = try shares.share(key: k) } catch { throw .failed(phase: "keystores", reason: "\(error)") }
            let json: [UInt8]
            do {
                json = try Keystore.encrypt(secretKey: share.key, password: password, path: "", kdf: keystoreKDF,
                                            description: k < K ? "vring \(definition.name) validator \(k) share of member \(me.index), epoch 0"
                                                               : "vring \(definition.name) ballot key share of member \(me.index), epoch 0")
            } catch { throw .failed(phase: "keystores", reason: "\(error)") }
            let name = k < K ? PoolFiles.keystore(k) : PoolFiles.ballotKeystore
            try FileIO.writeAtomically(json, to: "\(staging)/\(name)", mode: 0o600)
            if k < K { keystorePaths.append("\(dataDir)/\(name)") }
        }
        try FileIO.writeAtomically(DepositDataFile.encode(entries), to: "\(staging)/\(PoolFiles.depositData)")
        try FileIO.writeJSON(lock, to: "\(staging)/\(PoolFiles.lock)")
        try FileIO.makeDirectory("\(dataDir)/\(PoolFiles.keystores)")
        for k in 0..<K { try FileIO.moveIntoPlace("\(staging)/\(PoolFiles.keystore(k))", to: "\(dataDir)/\(PoolFiles.keystore(k))") }
        try FileIO.moveIntoPlace("\(staging)/\(PoolFiles.ballotKeystore)", to: "\(dataDir)/\(PoolFiles.ballotKeystore)")
        try FileIO.moveIntoPlace("\(staging)/\(PoolFiles.depositData)", to: "\(dataDir)/\(PoolFiles.depositData)")
        try FileIO.moveIntoPlace("\(staging)/\(PoolFiles.lock)", to: lockPath)
        log("wrote \(lockPath), \(dataDir)/\(PoolFiles.depositData) and \(K + 1) keystore(s)")

        await linger(driver: driver, expected: Set(lock.signatures.map(\.index)), phaseSeconds: phaseSeconds)
        await driver.close()
        store.erase()
        return FormOutcome(lockPath: lockPath, depositDataPath: "\(dataDir)/\(PoolFiles.depositData)", keystorePaths: keystorePaths,
                           validatorPublicKeys: lock.validators.map(\.publicKey), qualified: lock.qualified, blame: lock.blame,
                           alreadyFormed: false)
    }

    // MARK: - Shared phases

    /// Posts this member's partial signatures over `messages` (one per key), collects the others',
    /// verifies each against the sender's public share, and combines t valid ones per message.
    /// Invalid partials are named and ignored. Waits for everyone in `expected` (so that every
    /// member gets what it needs), at most `phaseSeconds` once t valid ones are in.
    static func collectThresholdSignatures(
        driver: CeremonyDriver, messages: [[UInt8]], threshold t: Int, groupKeys: [PublicKey],
        publicShare: (Int, Int) -> PublicKey, expected: Set<Int>, phaseSeconds: TimeInterval, what: String,
        sign: (Int) -> Signature?, deadline hardDeadline: Date? = nil
    ) async throws(CeremonyError) -> [Signature] {
        let K = messages.count
        var own: [Signature] = []
        for k in 0..<K {
            guard let s = sign(k) else { throw .failed(phase: what, reason: "cannot use this member's share of key \(k)") }
            own.append(s)
        }
        var body = ByteWriter()
        body.u16(UInt16(K))
        for s in own { body.fixed(s.compressed) }
        _ = await driver.post(.partialSignatures, body.bytes)
        var valid: [Int: [Signature]] = [driver.me: own]
        var invalid: Set<Int> = []
        let started = Date()
        let deadline = hardDeadline ?? started.addingTimeInterval(phaseSeconds)
        var backlog = driver.backlog(.partialSignatures)
        while true {
            let waiting = expected.subtracting(valid.keys).subtracting(invalid)
            // t valid partials suffice: the others get ours anyway, and `linger` keeps us
            // reachable until they say they are done.
            if valid.count >= t { break }
            if Date() >= deadline, backlog.isEmpty { break }
            let next: CeremonyDriver.Input?
            if !backlog.isEmpty { next = .envelope(backlog.removeFirst()) } else { next = await driver.next() }
            guard let input = next else { break }
            switch input {
            case .envelope(let e) where e.kind == .partialSignatures:
                let sender = Int(e.sender)
                guard valid[sender] == nil, !invalid.contains(sender) else { continue }
                guard let partials = parsePartials(e.body, count: K) else {
                    driver.log("\(driver.label(sender)) sent malformed partial signatures; ignored")
                    invalid.insert(sender); continue
                }
                if let bad = (0..<K).first(where: { !ThresholdSignature.verifyPartial(publicShare: publicShare($0, sender), message: messages[$0], partial: partials[$0]) }) {
                    driver.log("\(driver.label(sender)) sent an invalid partial signature for key \(bad); ignored")
                    invalid.insert(sender); continue
                }
                valid[sender] = partials
            case .tick:
                driver.progress(waitingFor: waiting.sorted(), what: what, since: started)
            default: break
            }
        }
        guard valid.count >= t else {
            let missing = Set(driver.members.map(\.index)).subtracting(valid.keys).sorted()
            throw .failed(phase: what, reason: "\(valid.count) valid of the \(t) needed; missing or invalid: \(missing.map(driver.label).joined(separator: ", "))")
        }
        var out: [Signature] = []
        let signers = valid.keys.sorted().prefix(t)
        for k in 0..<K {
            let partials = signers.map { PartialSignature(index: try! MemberIndex($0), signature: valid[$0]![k]) }
            let combined: Signature
            do { combined = try ThresholdSignature.combine(partials, threshold: t) } catch { throw .failed(phase: what, reason: "\(error)") }
            guard BLS.verify(publicKey: groupKeys[k], message: messages[k], signature: combined) else {
                throw .failed(phase: what, reason: "the combined signature for key \(k) does not verify under the group key")
            }
            out.append(combined)
        }
        return out
    }

    static func parsePartials(_ body: [UInt8], count: Int) -> [Signature]? {
        guard body.count == 2 + 96 * count, Int(body[0]) << 8 | Int(body[1]) == count else { return nil }
        var out: [Signature] = []
        for k in 0..<count {
            guard let s = try? Signature(bytes: Array(body[(2 + 96 * k)..<(2 + 96 * (k + 1))])) else { return nil }
            out.append(s)
        }
        return out
    }

    /// Signs the lock hash, collects the others' signatures over the same hash (naming members
    /// whose lock differs), and returns every valid signature; at least t are required.
    static func collectLockSignatures(driver: CeremonyDriver, lock: PoolLock, expected: Set<Int>,
                                      phaseSeconds: TimeInterval) async throws(CeremonyError) -> [MemberSignature] {
        let hash = Hex.decode(lock.lockHash)!
        let message = PoolLock.signatureMessage(hash: hash)
        let own = driver.sign(message)
        _ = await driver.post(.lockSignature, hash + own)
        var signatures: [Int: [UInt8]] = [driver.me: own]
        var disagreeing: Set<Int> = []
        let started = Date()
        let deadline = started.addingTimeInterval(phaseSeconds)
        var backlog = driver.backlog(.lockSignature)
        while Date() < deadline || !backlog.isEmpty {
            let waiting = expected.subtracting(signatures.keys).subtracting(disagreeing)
            if waiting.isEmpty { break }
            let next: CeremonyDriver.Input?
            if !backlog.isEmpty { next = .envelope(backlog.removeFirst()) } else { next = await driver.next() }
            guard let input = next else { break }
            switch input {
            case .envelope(let e) where e.kind == .lockSignature:
                let sender = Int(e.sender)
                guard e.body.count == 96, let m = lock.members.first(where: { $0.index == sender }) else { continue }
                guard Array(e.body[0..<32]) == hash else {
                    if disagreeing.insert(sender).inserted {
                        driver.log("\(m.label) computed a different lock (\(Hex.encode(e.body[0..<8]))… instead of \(lock.lockHash.prefix(16))…)")
                    }
                    continue
                }
                let sig = Array(e.body[32...])
                guard m.record.signingKey.isValidSignature(sig, for: message) else { continue }
                signatures[sender] = sig
            case .tick:
                driver.progress(waitingFor: waiting.sorted(), what: "lock signatures", since: started)
            default: break
            }
        }
        guard signatures.count >= lock.threshold else {
            throw .failed(phase: "lock", reason: "only \(signatures.count) members signed the lock (threshold \(lock.threshold))"
                          + (disagreeing.isEmpty ? "" : "; different lock at \(disagreeing.sorted().map(driver.label).joined(separator: ", "))"))
        }
        return signatures.keys.sorted().map { MemberSignature(index: $0, signature: Hex.encode(signatures[$0]!)) }
    }

    /// Says "done" and stays a little so that members still collecting get our messages.
    static func linger(driver: CeremonyDriver, expected: Set<Int>, phaseSeconds: TimeInterval) async {
        _ = await driver.post(.done, [])
        var done: Set<Int> = Set(driver.backlog(.done).map { Int($0.sender) }).union([driver.me])
        let deadline = Date().addingTimeInterval(min(phaseSeconds, 10))
        while Date() < deadline, !expected.isSubset(of: done) {
            guard let input = await driver.next() else { break }
            if case .envelope(let e) = input, e.kind == .done { done.insert(Int(e.sender)) }
        }
    }
}

extension FileIO {
    /// rename(2), naming both paths on failure.
    static func moveIntoPlace(_ from: String, to: String) throws(CeremonyError) {
        guard Foundation.rename(from, to) == 0 else { throw .file(path: to, problem: "cannot move \(from) into place: \(String(cString: strerror(errno)))") }
    }
}
