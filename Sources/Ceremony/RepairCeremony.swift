import BLS12381
import DKG
import Foundation
import Primitives
import Reshare
import Staking
import Threshold

// `vring pool repair`: a member that lost its data directory gets its shares back from its
// helpers, without any of them learning them and without changing the group keys or anyone
// else's share. The protocol is the pure state machine `RepairProtocol` (Sources/Reshare,
// docs/PROTOCOLS.md "Resharing and repair as message protocols"); this file only feeds it the
// lock, the shares, the network and the deadlines:
//
//  1. Each helper deals, for every validator key and the ballot key, a mask polynomial that
//     vanishes at the repaired index, with Feldman commitments, sub-shares encrypted to each
//     helper (crypto_box) — then echoes, complaints and public answers, as in the DKG.
//  2. Each helper sends the member being repaired its share plus the qualified masks at its
//     index, encrypted; anyone could check it against the public commitments.
//  3. The member being repaired takes t valid masked shares, interpolates at its index, checks
//     each result against its public share in the lock and writes its keystores; helpers that
//     lied or fell silent are named.
//
// Everyone runs the command with the same lock, target and helper list (by default the t
// lowest-indexed other members), which together name the session.

extension PoolCeremony {
    /// Runs share repair for `target` (this member, when it is the one being repaired).
    public static func repair(lockPath: String, identityPath: String, dataDir: String, passwordFile: String, target: Int?,
                              helpers requested: [Int]?, listen: String? = nil, keystoreKDF: KeystoreKDF = .scryptDefault,
                              log: @escaping ProgressLog, link makeLink: LinkFactory) async throws(CeremonyError) -> [String] {
        let lock = try PoolLock.load(lockPath)
        let identity = try IdentityDirectory.load(identityPath)
        let me = try lock.member(for: identity)
        let password = try FileIO.readPassword(passwordFile)
        let dirLock = try DataDirLock(dataDir)
        defer { withExtendedLifetime(dirLock) {} }
        let r = target ?? me.index
        guard lock.members.contains(where: { $0.index == r }) else { throw .invalidArgument(name: "--target", problem: "member \(r) is not in the lock") }
        let t = lock.threshold
        let helpers = (requested ?? Array(lock.members.map(\.index).filter { $0 != r }.prefix(t))).sorted()
        // More than t helpers make the repair survive helpers that crash or lie (any t suffice).
        guard helpers.count >= t, Set(helpers).count == helpers.count, !helpers.contains(r),
              helpers.allSatisfy({ h in lock.members.contains { $0.index == h } }) else {
            throw .invalidArgument(name: "--helper", problem: "give at least \(t) distinct members other than \(r)")
        }
        let isTarget = me.index == r
        guard isTarget || helpers.contains(me.index) else {
            throw .notAMember("\(me.label) is neither member \(r) nor one of the helpers \(helpers.map(String.init).joined(separator: ", "))")
        }
        let K = lock.validators.count, keyCount = K + 1
        if isTarget, FileIO.exists("\(dataDir)/\(PoolFiles.keystore(0))") {
            throw .file(path: dataDir, problem: "already holds a keystore; repair restores a lost data dir (move the old one away first)")
        }
        let lockHash = Hex.decode(lock.lockHash)!
        var w = ByteWriter(); w.u32(UInt32(r)); for h in helpers { w.u32(UInt32(h)) }
        let session = Self.session("repair", lockHash, w.bytes)
        let roster = lock.members.filter { $0.index == r || helpers.contains($0.index) }
        // A restarted helper must deal the same pieces again: randomness from a persisted seed.
        let store = try StateStore(dataDir: dataDir, ceremony: "repair", session: session)
        let seed = try store.seed(key: identity.stateKey(session: session))
        var random = try! DeterministicRandom(seed: seed)
        defer { store.erase() }
        let link = try await makeLink(LinkSetup(networkID: Self.session("repair/network", lockHash, w.bytes), me: me.index, members: roster, listen: listen),
                                      try identity.signingKeyCopy())
        let driver = CeremonyDriver(session: session, epoch: lock.epoch, me: me.index, members: roster,
                                    signingKey: try identity.signingKeyCopy(), link: link, log: log)
        let targetIndex = try! MemberIndex(r)
        let helperIndices = helpers.map { try! MemberIndex($0) }
        let phase = TimeInterval(lock.timeouts.phaseSeconds + lock.timeouts.connectSeconds)
        log("\(me.label): repairing \(driver.label(r)) with helpers \(helpers.map(String.init).joined(separator: ", "))")
        var publicShares: [[MemberIndex: PublicKey]] = []
        for k in 0..<keyCount {
            var row: [MemberIndex: PublicKey] = [:]
            for (i, m) in lock.members.enumerated() {
                let hex = k < K ? lock.validators[k].publicShares[i] : lock.ballot.publicShares[i]
                row[try! MemberIndex(m.index)] = try parsePublicKey(hex, what: "public share")
            }
            publicShares.append(row)
        }
        let myIndex = try! MemberIndex(me.index)
        let configuration: RepairConfiguration
        do {
            var keys: [RepairKey] = []
            for k in 0..<keyCount {
                let hex = k < K ? lock.validators[k].publicKey : lock.ballot.publicKey
                keys.append(RepairKey(context: Self.keyContexts(validators: K)[k], groupKey: try parsePublicKey(hex, what: "group key"),
                                      publicShares: publicShares[k]))
            }
            configuration = try RepairConfiguration(
                sessionID: try SessionID(bytes: session), epoch: lock.epoch,
                roster: roster.sorted { $0.index < $1.index }.map {
                    MemberIdentity(index: try! MemberIndex($0.index), signingKey: $0.record.signingKey, encryptionKey: $0.record.boxKey)
                },
                target: targetIndex, helpers: helperIndices, threshold: t, keys: keys)
        } catch let error as CeremonyError { throw error } catch { throw .invalidDefinition("repair: \(error)") }

        // A helper's shares of every key, checked against the lock by the protocol.
        var ownShares: KeyShares?
        if !isTarget {
            var shares = KeyShares(index: myIndex, keyCount: keyCount)
            for k in 0..<keyCount {
                let share = try loadShare(lock: lock, member: me, dataDir: dataDir, password: password, validator: min(k, K - 1), ballot: k == K)
                do { try shares.set(share, key: k) } catch { throw .failed(phase: "repair", reason: "\(error)") }
            }
            ownShares = consume shares
        }
        let participant: RepairProtocol
        do {
            participant = try RepairProtocol(configuration: configuration, index: myIndex, signingKey: try identity.signingKeyCopy(),
                                             encryptionKey: identity.boxKeyCopy(), shares: ownShares.take())
        } catch { throw .failed(phase: "repair", reason: "\(error)") }

        // The rounds (Sources/Reshare/RepairProtocol.swift): mask dealings, echoes, justifications,
        // masked shares for the repaired member; each closes when complete or at its deadline.
        let roundNames: [RepairProtocol.Phase: String] = [
            .dealing: "mask dealings", .echoing: "echoes and complaints", .justifying: "justifications", .collecting: "masked shares",
        ]
        do {
            if let first = try participant.start(using: &random) { _ = await driver.post(.repairPieces, first) }
        } catch { throw .failed(phase: "repair", reason: "\(error)") }
        var started = Date()
        var deadline = started.addingTimeInterval(phase)
        while participant.phase < .finished {
            guard let input = await driver.next() else { break }
            switch input {
            case .envelope(let e) where e.kind == .repairPieces:
                do { try participant.receive(e.body) } catch {
                    log("refused a repair message relayed by \(driver.label(Int(e.sender))): \(error)")
                }
            case .tick:
                if participant.isPhaseComplete || Date() >= deadline {
                    do {
                        if let m = try participant.phaseTimeout(using: &random) { _ = await driver.post(.repairPieces, m) }
                    } catch { throw .failed(phase: "repair", reason: "\(error)") }
                    started = Date()
                    deadline = started.addingTimeInterval(phase)
                } else if let what = roundNames[participant.phase] {
                    driver.progress(waitingFor: [], what: what, since: started)
                }
            default: break
            }
        }
        if let failure = participant.failure {
            await driver.close()
            throw .failed(phase: "repair", reason: failure.description)
        }
        guard let output = participant.output else {
            await driver.close()
            throw .timeout(phase: "repair", waitingFor: [])
        }
        for b in output.blame + output.maskedShareBlame { log("blame: \(driver.label(Int(b.index.value))): \(b.reason)") }

        if !isTarget {
            // Stay until the repaired member says it is done (or the deadline); the masked share
            // stays in the outbox and is re-sent when it reconnects.
            var done = false
            started = Date()
            while !done, Date().timeIntervalSince(started) < phase {
                guard let input = await driver.next() else { break }
                if case .envelope(let e) = input, e.kind == .done, Int(e.sender) == r { done = true }
            }
            await driver.close()
            guard done else { throw .timeout(phase: "repair confirmation", waitingFor: [driver.label(r)]) }
            log("\(driver.label(r)) confirmed its repaired shares")
            return []
        }

        // The repaired member: its shares (each checked against its public share in the lock).
        guard let repaired = participant.takeRepairedShares() else {
            await driver.close()
            throw .failed(phase: "repair", reason: "no repaired shares")
        }
        var keystores: [[UInt8]] = []
        for k in 0..<keyCount {
            let share: SecretShare
            do { share = try repaired.share(key: k) } catch { throw .failed(phase: "repair", reason: "key \(k): \(error)") }
            do {
                keystores.append(try Keystore.encrypt(secretKey: share.key, password: password, path: "", kdf: keystoreKDF,
                                                      description: "vring \(lock.name) \(k < K ? "validator \(k)" : "ballot key") share of member \(r), epoch \(lock.epoch) (repaired)"))
            } catch { throw .failed(phase: "keystores", reason: "\(error)") }
        }
        try FileIO.makeDirectory("\(dataDir)/\(PoolFiles.keystores)")
        var written: [String] = []
        for k in 0..<keyCount {
            let path = "\(dataDir)/\(k < K ? PoolFiles.keystore(k) : PoolFiles.ballotKeystore)"
            try FileIO.writeAtomically(keystores[k], to: path, mode: 0o600)
            written.append(path)
        }
        if !FileIO.exists("\(dataDir)/\(PoolFiles.lock)") { try FileIO.writeJSON(lock, to: "\(dataDir)/\(PoolFiles.lock)") }
        log("recovered \(keyCount) share(s); each matches its public share in the lock")
        _ = await driver.post(.done, [])
        try? await Task.sleep(nanoseconds: 300_000_000)
        await driver.close()
        return written
    }

}
