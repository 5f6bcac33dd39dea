import BLS12381
import DKG
import Foundation
import Primitives
import Reshare
import Staking
import Threshold

// `vring pool repair`: a member that lost its data directory gets its shares back from t
// helpers, without any of them learning them and without changing the group keys or anyone
// else's share (Laing–Stinson enrollment with public commitments, Sources/Reshare/Repair.swift).
//
//  1. Each helper i, for every validator key and the ballot key, splits δ_i = λ_i(r)·s_i into
//     |H| random pieces; it broadcasts [δ_i]G1 and [piece]G1 for every piece, and the pieces
//     themselves encrypted to each helper (crypto_box).
//  2. Each helper j checks the pieces it received against their commitments, sums them into
//     σ_j and sends σ_j, encrypted to the member being repaired, with [σ_j]G1.
//  3. The member being repaired adds the σ_j, checks the result against its public share in the
//     lock, and writes its keystores; when a check fails, the commitments name the helper who lied.
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
        guard helpers.count == t, Set(helpers).count == t, !helpers.contains(r),
              helpers.allSatisfy({ h in lock.members.contains { $0.index == h } }) else {
            throw .invalidArgument(name: "--helper", problem: "give exactly \(t) distinct members other than \(r)")
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
        let random = try! DeterministicRandom(seed: seed)
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
        let boxKeys = Dictionary(uniqueKeysWithValues: roster.map { ($0.index, $0.record.boxKey) })

        // Round 1 (helpers).
        var own: Envelope?
        if !isTarget {
            var body = ByteWriter()
            body.u16(UInt16(keyCount))
            var pieces: [[UInt8]] = Array(repeating: [], count: helpers.count)
            for k in 0..<keyCount {
                let share = try loadShare(lock: lock, member: me, dataDir: dataDir, password: password, validator: min(k, K - 1), ballot: k == K)
                let dealing: RepairDealing
                do {
                    dealing = try ShareRepair.deal(share: share, target: targetIndex, helpers: helperIndices, threshold: t,
                                                   randomScalar: { Fr(reducingBigEndian: (0..<8).flatMap { _ in withUnsafeBytes(of: random.next().bigEndian, Array.init) }) })
                } catch { throw .failed(phase: "repair", reason: "\(error)") }
                body.fixed(dealing.deltaCommitment.compressed())
                for (j, h) in helperIndices.enumerated() {
                    body.fixed(dealing.pieceCommitments[h]!.compressed())
                    dealing.pieces[h]!.withScalar { pieces[j] += $0.bigEndianBytes }
                }
            }
            let box = identity.boxKeyCopy()
            for (j, h) in helpers.enumerated() {
                let nonce = (0..<3).flatMap { _ in withUnsafeBytes(of: random.next(), Array.init) }
                let plaintext = SecureBytes(copying: pieces[j])
                pieces[j].withUnsafeMutableBytes { secureZero($0) }
                do { body.u32(UInt32(h)); body.fixed(nonce); body.variable(try box.seal(plaintext, to: boxKeys[h]!, nonce: nonce)) } catch {
                    throw .failed(phase: "repair", reason: "cannot encrypt to member \(h): \(error)")
                }
            }
            own = await driver.post(.repairPieces, body.bytes)
        }

        // Everyone (helpers to sum, the target to localise faults) collects the dealings.
        var dealings: [Int: [RepairDealing]] = [:]
        var started = Date()
        var backlog = (own.map { [$0] } ?? []) + driver.backlog(.repairPieces)
        while dealings.count < helpers.count {
            let next: CeremonyDriver.Input?
            if !backlog.isEmpty { next = .envelope(backlog.removeFirst()) } else {
                guard Date().timeIntervalSince(started) < phase else { break }
                next = await driver.next()
            }
            guard let input = next else { break }
            switch input {
            case .envelope(let e) where e.kind == .repairPieces:
                let h = Int(e.sender)
                guard helpers.contains(h), dealings[h] == nil else { continue }
                let box = isTarget ? nil : identity.boxKeyCopy()
                guard let parsed = parseRepairPieces(e.body, helper: h, me: isTarget ? nil : me.index, helpers: helperIndices, target: targetIndex,
                                                     keyCount: keyCount, box: box, senderBox: boxKeys[h]!) else {
                    log("\(driver.label(h)) sent malformed repair pieces; it is blamed")
                    await driver.close()
                    throw .failed(phase: "repair", reason: "\(driver.label(h)) sent malformed repair pieces")
                }
                dealings[h] = parsed
            case .tick:
                driver.progress(waitingFor: helpers.filter { dealings[$0] == nil }, what: "repair pieces", since: started)
            default: break
            }
        }
        guard dealings.count == helpers.count else {
            await driver.close()
            throw .timeout(phase: "repair pieces", waitingFor: helpers.filter { dealings[$0] == nil }.map(driver.label))
        }

        if !isTarget {
            // Round 2: σ_j for the target, encrypted to it.
            var body = ByteWriter()
            body.u16(UInt16(keyCount))
            var sums: [UInt8] = []
            for k in 0..<keyCount {
                let sum: RepairSum
                do { sum = try ShareRepair.combine(helper: try! MemberIndex(me.index), dealings: helpers.map { dealings[$0]![k] }) } catch {
                    await driver.close()
                    throw .failed(phase: "repair", reason: "\(error)")
                }
                body.fixed(sum.sumCommitment.compressed())
                sum.sum.withScalar { sums += $0.bigEndianBytes }
            }
            let nonce = (0..<3).flatMap { _ in withUnsafeBytes(of: random.next(), Array.init) }
            let plaintext = SecureBytes(copying: sums)
            sums.withUnsafeMutableBytes { secureZero($0) }
            do { body.fixed(nonce); body.variable(try identity.boxKeyCopy().seal(plaintext, to: boxKeys[r]!, nonce: nonce)) } catch {
                throw .failed(phase: "repair", reason: "cannot encrypt to member \(r): \(error)")
            }
            await driver.sendDirect(.repairSum, body.bytes, to: r)
            // Stay until the repaired member says it is done (or the deadline).
            var done = false
            started = Date()
            while !done, Date().timeIntervalSince(started) < phase {
                guard let input = await driver.next() else { break }
                if case .envelope(let e) = input, e.kind == .done, Int(e.sender) == r { done = true }
                if case .connected(let p) = input, p == r { await driver.sendDirect(.repairSum, body.bytes, to: r) }
            }
            await driver.close()
            guard done else { throw .timeout(phase: "repair confirmation", waitingFor: [driver.label(r)]) }
            log("\(driver.label(r)) confirmed its repaired shares")
            return []
        }

        // Round 3 (target): recover and check every share, then write the keystores.
        var sums: [Int: [RepairSum]] = [:]
        started = Date()
        var sumBacklog = driver.backlog(.repairSum)
        while sums.count < helpers.count {
            let next: CeremonyDriver.Input?
            if !sumBacklog.isEmpty { next = .envelope(sumBacklog.removeFirst()) } else {
                guard Date().timeIntervalSince(started) < phase else { break }
                next = await driver.next()
            }
            guard let input = next else { break }
            switch input {
            case .envelope(let e) where e.kind == .repairSum:
                let h = Int(e.sender)
                guard helpers.contains(h), sums[h] == nil,
                      let s = parseRepairSum(e.body, helper: h, keyCount: keyCount, box: identity.boxKeyCopy(), senderBox: boxKeys[h]!) else { continue }
                sums[h] = s
            case .tick:
                driver.progress(waitingFor: helpers.filter { sums[$0] == nil }, what: "repair sums", since: started)
            default: break
            }
        }
        guard sums.count == helpers.count else {
            await driver.close()
            throw .timeout(phase: "repair sums", waitingFor: helpers.filter { sums[$0] == nil }.map(driver.label))
        }
        var keystores: [[UInt8]] = []
        for k in 0..<keyCount {
            let share: SecretShare
            do {
                share = try ShareRepair.recover(target: targetIndex, helpers: helperIndices, threshold: t, publicShares: publicShares[k],
                                                dealings: helpers.map { dealings[$0]![k] }, sums: helpers.map { sums[$0]![k] })
            } catch {
                await driver.close()
                throw .failed(phase: "repair", reason: "key \(k): \(error)")
            }
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

    static func parseRepairPieces(_ body: [UInt8], helper: Int, me: Int?, helpers: [MemberIndex], target: MemberIndex, keyCount: Int,
                                  box: consuming BoxKey?, senderBox: BoxPublicKey) -> [RepairDealing]? {
        var r = ByteReader(body)
        guard let n = try? r.u16("keys"), Int(n) == keyCount else { return nil }
        var deltas: [G1Affine] = [], commitments: [[MemberIndex: G1Affine]] = []
        for _ in 0..<keyCount {
            guard let d = try? r.g1("delta") else { return nil }
            deltas.append(d)
            var row: [MemberIndex: G1Affine] = [:]
            for h in helpers { guard let c = try? r.g1("piece commitment") else { return nil }; row[h] = c }
            commitments.append(row)
        }
        var mine: [Fr]?
        for _ in helpers {
            guard let j = try? r.u32("helper"), let nonce = try? r.fixed(24, "nonce"), let sealed = try? r.variable("box", max: 32 * keyCount + 16) else { return nil }
            if let me, Int(j) == me {
                guard let plain = try? box?.open(sealed, from: senderBox, nonce: nonce), plain.count == 32 * keyCount else { return nil }
                var values: [Fr] = []
                for k in 0..<keyCount {
                    guard let s = plain.withUnsafeBytes({ Fr(bigEndian: UnsafeRawBufferPointer(rebasing: $0[(32 * k)..<(32 * k + 32)])) }) else { return nil }
                    values.append(s)
                }
                mine = values
            }
        }
        guard (try? r.finish("repair pieces")) != nil else { return nil }
        let helperIndex = try! MemberIndex(helper)
        return (0..<keyCount).map { k in
            var pieces: [MemberIndex: SealedScalar] = [:]
            if let me, let mine { pieces[try! MemberIndex(me)] = SealedScalar(mine[k]) }
            return RepairDealing(helper: helperIndex, target: target, deltaCommitment: deltas[k], pieceCommitments: commitments[k], pieces: pieces)
        }
    }

    static func parseRepairSum(_ body: [UInt8], helper: Int, keyCount: Int, box: consuming BoxKey, senderBox: BoxPublicKey) -> [RepairSum]? {
        var r = ByteReader(body)
        guard let n = try? r.u16("keys"), Int(n) == keyCount else { return nil }
        var commitments: [G1Affine] = []
        for _ in 0..<keyCount { guard let c = try? r.g1("sum commitment") else { return nil }; commitments.append(c) }
        guard let nonce = try? r.fixed(24, "nonce"), let sealed = try? r.variable("box", max: 32 * keyCount + 16),
              (try? r.finish("repair sum")) != nil,
              let plain = try? box.open(sealed, from: senderBox, nonce: nonce), plain.count == 32 * keyCount else { return nil }
        var out: [RepairSum] = []
        for k in 0..<keyCount {
            guard let s = plain.withUnsafeBytes({ Fr(bigEndian: UnsafeRawBufferPointer(rebasing: $0[(32 * k)..<(32 * k + 32)])) }) else { return nil }
            out.append(RepairSum(helper: try! MemberIndex(helper), sum: SealedScalar(s), sumCommitment: commitments[k]))
        }
        return out
    }
}
