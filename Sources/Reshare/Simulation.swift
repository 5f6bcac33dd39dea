import BLS12381
import DKG
import Primitives
import Threshold

// Whole resharings and repairs in one process over a simulated network, with faults, all
// derived from one seed so a failing run replays exactly (like `DKGSimulation`).
//
// Channel model (what the protocols assume of the transport, docs/PROTOCOLS.md): a copy that is
// dropped, delayed or corrupted in transit is retransmitted intact before the round's deadline
// — the real links are authenticated and retransmit — so these faults reorder and add rejected
// copies, and must not change the outcome. A dealing that never reaches some members
// (`lostDealings`) or reaches everyone only after the deadline (`lateDealings`) is handled by
// the protocol itself. Members crash, lie, equivocate and send garbage.

/// The rounds, for fault plans: a member silent from a round sends nothing in it or later.
public enum ProtocolRound: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    case dealing = 1, echo = 2, justification = 3
    /// Repair only: helpers' masked shares.
    case maskedShare = 4
    public static func < (a: ProtocolRound, b: ProtocolRound) -> Bool { a.rawValue < b.rawValue }
    public var description: String { ProtocolMessageKind(rawValue: UInt8(rawValue))!.description }
}

/// The faults injected into one simulated resharing or repair.
public struct ProtocolFaultPlan: Sendable {
    // Members.
    /// Members that crash: silent from the given round on (`.dealing`: never speak).
    public var silentFrom: [MemberIndex: ProtocolRound] = [:]
    /// (dealer, victim): the dealer encrypts random sub-shares to the victim (it keeps, and when
    /// accused reveals, the right ones).
    public var corruptSubShares: [(dealer: MemberIndex, victim: MemberIndex)] = []
    /// Dealers that reveal wrong sub-shares when accused.
    public var wrongJustifications: Set<MemberIndex> = []
    /// Dealers that send one dealing (one set of commitments) to odd-indexed members and another
    /// to even-indexed ones.
    public var equivocators: Set<MemberIndex> = []
    /// Resharing: dealers that reshare a random value instead of their share (D[0] ≠ pk_i).
    /// Repair: helpers whose mask does not vanish at the repaired index.
    public var wrongSecret: Set<MemberIndex> = []
    /// Repair: helpers that send the repaired member a wrong masked share.
    public var wrongMaskedShares: Set<MemberIndex> = []
    /// (liar, dealer): the liar's echo claims a dealing from `dealer` nobody sent.
    public var falseEchoes: [(liar: MemberIndex, dealer: MemberIndex)] = []
    /// Members whose message in the given round is a signed envelope with a garbage body.
    public var garbageFrom: [MemberIndex: ProtocolRound] = [:]

    // Network.
    /// Deliver copies in a seeded random order.
    public var reorder = true
    /// Deliver every copy twice.
    public var duplicate = false
    /// Per-mille chance that a copy is lost in transit (retransmitted at the end of the round).
    public var dropPerMille = 0
    /// Per-mille chance that a copy is held back to the end of the round.
    public var delayPerMille = 0
    /// Per-mille chance that a copy arrives with one bit flipped (rejected), then intact.
    public var corruptPerMille = 0
    /// (dealer, receiver): that copy of the dealing never arrives.
    public var lostDealings: [(dealer: MemberIndex, receiver: MemberIndex)] = []
    /// Dealers whose dealing reaches everyone only after the round-1 deadline.
    public var lateDealings: Set<MemberIndex> = []
    /// Inject, in every round, forged, foreign-session, foreign-protocol, wrong-epoch,
    /// wrong-version, unknown-sender, truncated, trailing-byte and random messages to everyone.
    public var garbage = false

    public init() {}

    var namedMembers: [MemberIndex] {
        Array(silentFrom.keys) + corruptSubShares.flatMap { [$0.dealer, $0.victim] } + Array(wrongJustifications)
            + Array(equivocators) + Array(wrongSecret) + Array(wrongMaskedShares) + falseEchoes.flatMap { [$0.liar, $0.dealer] }
            + Array(garbageFrom.keys) + lostDealings.flatMap { [$0.dealer, $0.receiver] } + Array(lateDealings)
    }
}

/// Secret shares a simulation hands back with `.reveal` (never in a real ceremony).
public final class RevealedShares: @unchecked Sendable {
    private let storage: SecureBytes
    private let members: [MemberIndex]
    public let keyCount: Int

    init(storage: consuming SecureBytes, members: [MemberIndex], keyCount: Int) {
        self.storage = storage
        self.members = members
        self.keyCount = keyCount
    }

    /// Member `member`'s share of key `key`, or nil when it has none.
    public func share(of member: MemberIndex, key: Int = 0) -> SecretShare? {
        guard let p = members.firstIndex(of: member), key >= 0, key < keyCount,
              let secret = try? SecretKey(scalar: storage.scalar(at: p * keyCount + key)) else { return nil }
        return SecretShare(index: member, key: secret)
    }

    func keyShares(of member: MemberIndex) -> KeyShares? {
        guard let p = members.firstIndex(of: member) else { return nil }
        var s = SecureBytes(count: 32 * keyCount)
        s.copySlots(from: storage, at: p * keyCount, to: 0, count: keyCount)
        return KeyShares(index: member, storage: s, keyCount: keyCount)
    }
}

/// What the simulated network did.
public struct NetworkReport: Sendable {
    /// Every rejected message, per receiving member.
    public var rejections: [MemberIndex: [ProtocolMessageError]] = [:]
    /// Identical copies that were ignored.
    public var duplicatesIgnored = 0
    /// Copies dropped, delayed or corrupted in transit (and then retransmitted).
    public var retransmitted = 0
    /// Every copy delivered, in order (receiver, SHA-256 of the bytes): equal for equal seeds.
    public var deliveryLog: [UInt8] = []
}

/// One simulated member, as closures over its state machine.
struct SimulatedMember {
    let start: (inout SeededGenerator) throws(ReshareError) -> [UInt8]?
    let receive: ([UInt8]) -> Result<ReceiveOutcome, ProtocolMessageError>
    let timeout: (inout SeededGenerator) throws(ReshareError) -> [UInt8]?
    let ended: () -> Bool
}

/// Signing material for the adversary's messages.
struct SimulatedIdentities {
    let signingSeeds: [MemberIndex: [UInt8]]
    let boxSeeds: [MemberIndex: [UInt8]]
    let roster: [MemberIdentity]

    init(members: [MemberIndex], rng: inout SeededGenerator) {
        var s: [MemberIndex: [UInt8]] = [:], b: [MemberIndex: [UInt8]] = [:]
        var roster: [MemberIdentity] = []
        for m in members {
            s[m] = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
            b[m] = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
            roster.append(MemberIdentity(index: m, signingKey: Self.signingKey(s[m]!).publicKey, encryptionKey: Self.boxKey(b[m]!).publicKey))
        }
        signingSeeds = s
        boxSeeds = b
        self.roster = roster
    }

    func signingKey(_ m: MemberIndex) -> SigningKey { Self.signingKey(signingSeeds[m]!) }
    func boxKey(_ m: MemberIndex) -> BoxKey { Self.boxKey(boxSeeds[m]!) }
    static func signingKey(_ seed: [UInt8]) -> SigningKey { try! SigningKey(seed: SecureBytes(copying: seed)) }
    static func boxKey(_ seed: [UInt8]) -> BoxKey { try! BoxKey(seed: SecureBytes(copying: seed)) }
}

/// The round-by-round driver both simulations share.
struct SimulatedNetwork {
    let faults: ProtocolFaultPlan
    let roster: [MemberIndex]
    let context: EnvelopeContext
    let identities: SimulatedIdentities
    var rng: SeededGenerator
    var report = NetworkReport()

    func alive(_ m: MemberIndex, in round: ProtocolRound) -> Bool { faults.silentFrom[m].map { round < $0 } ?? true }

    /// Runs `steps` calls per member (start, then timeouts) with delivery after each.
    /// - Parameters:
    ///   - shadowDealing: a second, different dealing for an equivocator.
    mutating func run(members: [MemberIndex: SimulatedMember], rngs: inout [MemberIndex: SeededGenerator], steps: Int,
                      shadowDealing: (MemberIndex) throws(ReshareError) -> [UInt8]?) throws(ReshareError) {
        var late: [(to: MemberIndex, bytes: [UInt8])] = []
        for step in 0..<steps {
            let round = ProtocolRound(rawValue: min(step + 1, 4))!
            var sent: [(MemberIndex, [UInt8])] = []
            for m in roster where alive(m, in: round) && !members[m]!.ended() {
                var r = rngs[m]!
                let out = step == 0 ? try members[m]!.start(&r) : try members[m]!.timeout(&r)
                rngs[m] = r
                var message = out
                // Garbage replaces the member's message, or is sent where it owes none (a new-only
                // member "dealing").
                if faults.garbageFrom[m] == round { message = signedGarbage(from: m, kind: ProtocolMessageKind(rawValue: UInt8(round.rawValue))!) }
                guard var bytes = message else { continue }
                if round == .echo { for (liar, dealer) in faults.falseEchoes where liar == m { bytes = falseEcho(bytes, liar: m, dealer: dealer) } }
                sent.append((m, bytes))
            }
            var queue = late
            late = []
            for (m, bytes) in sent {
                var other: [UInt8]?
                if round == .dealing, faults.equivocators.contains(m) { other = try shadowDealing(m) }
                for r in roster where r != m {
                    if round == .dealing, faults.lostDealings.contains(where: { $0.dealer == m && $0.receiver == r }) { continue }
                    let copy = (other != nil && r.value % 2 == 0) ? other! : bytes
                    if round == .dealing, faults.lateDealings.contains(m) { late.append((r, copy)); continue }
                    queue.append((r, copy))
                    if faults.duplicate { queue.append((r, copy)) }
                }
            }
            if faults.garbage, let (signer, sample) = sent.first { queue += injectedGarbage(sample: sample, signer: signer, round: round) }
            deliver(queue, round: round, members: members)
        }
    }

    private mutating func deliver(_ queue: [(to: MemberIndex, bytes: [UInt8])], round: ProtocolRound, members: [MemberIndex: SimulatedMember]) {
        var queue = queue
        if faults.reorder { queue.shuffle(using: &rng) }
        var retransmit: [(to: MemberIndex, bytes: [UInt8])] = []
        var now: [(to: MemberIndex, bytes: [UInt8])] = []
        for (to, bytes) in queue {
            let roll = Int(rng.next() % 1000)
            if roll < faults.dropPerMille {
                retransmit.append((to, bytes))
            } else if roll < faults.dropPerMille + faults.delayPerMille {
                retransmit.append((to, bytes))
            } else if roll < faults.dropPerMille + faults.delayPerMille + faults.corruptPerMille {
                var bad = bytes
                let bit = Int(rng.next() % UInt64(8 * bad.count))
                bad[bit / 8] ^= UInt8(1 << (bit % 8))
                now.append((to, bad))
                retransmit.append((to, bytes))
            } else {
                now.append((to, bytes))
            }
        }
        report.retransmitted += retransmit.count
        if faults.reorder { retransmit.shuffle(using: &rng) }
        for (to, bytes) in now + retransmit where alive(to, in: round) {
            guard let member = members[to], !member.ended() else { continue }
            report.deliveryLog = SHA256.hash(report.deliveryLog + [UInt8(truncatingIfNeeded: to.value)] + SHA256.hash(bytes))
            switch member.receive(bytes) {
            case .success(.duplicate): report.duplicatesIgnored += 1
            case .success(.accepted): break
            case .failure(let e): report.rejections[to, default: []].append(e)
            }
        }
    }

    // MARK: - Adversary's messages

    private func sign(_ kind: ProtocolMessageKind, _ body: [UInt8], from m: MemberIndex, context: EnvelopeContext? = nil) -> [UInt8] {
        ProtocolEnvelope.sign(kind: kind, body: body, context: context ?? self.context, sender: m, key: identities.signingKey(m)).encoded
    }

    /// A correctly signed envelope whose body is random bytes.
    private mutating func signedGarbage(from m: MemberIndex, kind: ProtocolMessageKind) -> [UInt8] {
        sign(kind, (0..<64).map { _ in UInt8.random(in: 0...255, using: &rng) }, from: m)
    }

    /// The liar's echo, re-signed with a made-up hash for `dealer`'s dealing.
    private func falseEcho(_ bytes: [UInt8], liar: MemberIndex, dealer: MemberIndex) -> [UInt8] {
        guard let e = try? ProtocolEnvelope(decoding: bytes, context: context), e.kind == .echo,
              let body = try? EchoBody(decoding: e.body, dealers: dealers), let p = dealers.firstIndex(of: dealer) else { return bytes }
        var hashes = body.dealHashes
        hashes[p] = SHA256.hash(Array("made up".utf8))
        return sign(.echo, EchoBody(dealHashes: hashes, complaints: body.complaints).encode(), from: liar)
    }

    var dealers: [MemberIndex] = []

    private mutating func injectedGarbage(sample: [UInt8], signer: MemberIndex, round: ProtocolRound) -> [(to: MemberIndex, bytes: [UInt8])] {
        let kind = ProtocolMessageKind(rawValue: UInt8(round.rawValue))!
        var forged = sample
        forged[forged.count - 70] ^= 1  // inside the body or its length: the signature no longer matches
        var version = sample
        version[0] = 2
        var unknownSender = sample
        unknownSender[43...46] = [0, 0, 0x03, 0xe7]  // sender 999
        let otherSession = EnvelopeContext(protocolKind: context.protocolKind, sessionID: try! SessionID(bytes: SHA256.hash(context.sessionID.bytes)),
                                           epoch: context.epoch, signingKeys: context.signingKeys)
        let otherProtocol = EnvelopeContext(protocolKind: context.protocolKind == .reshare ? .repair : .reshare, sessionID: context.sessionID,
                                            epoch: context.epoch, signingKeys: context.signingKeys)
        let otherEpoch = EnvelopeContext(protocolKind: context.protocolKind, sessionID: context.sessionID, epoch: context.epoch &+ 1,
                                         signingKeys: context.signingKeys)
        let body = (try? ProtocolEnvelope(decoding: sample, context: context))?.body ?? []
        let messages: [[UInt8]] = [
            forged, version, sample + [0], Array(sample.prefix(40)), unknownSender,
            sign(kind, body, from: signer, context: otherSession),
            sign(kind, body, from: signer, context: otherProtocol),
            sign(kind, body, from: signer, context: otherEpoch),
            (0..<120).map { _ in UInt8.random(in: 0...255, using: &rng) },
        ]
        return roster.flatMap { r in messages.map { (r, $0) } }
    }
}

// MARK: - Resharing

/// The committees of a simulated resharing. Old members are 1…oldMembers; joining members get
/// the next indices (indices are never reused).
public struct ReshareScenario: Sendable {
    public var oldMembers: Int
    public var oldThreshold: Int
    public var leaving: Set<MemberIndex>
    public var joining: Int
    public var newThreshold: Int
    public var keyCount: Int

    public init(oldMembers: Int, oldThreshold: Int, leaving: Set<MemberIndex> = [], joining: Int = 0, newThreshold: Int, keyCount: Int = 1) {
        self.oldMembers = oldMembers
        self.oldThreshold = oldThreshold
        self.leaving = leaving
        self.joining = joining
        self.newThreshold = newThreshold
        self.keyCount = keyCount
    }

    var old: [MemberIndex] { (1...oldMembers).map { try! MemberIndex($0) } }
    var new: [MemberIndex] {
        old.filter { !leaving.contains($0) } + (0..<joining).map { try! MemberIndex(oldMembers + 1 + $0) }
    }
}

/// The outcome of a simulated resharing, per member.
public struct ReshareSimulationResult {
    public let configuration: ReshareConfiguration
    public let outputs: [MemberIndex: ReshareOutput]
    public let failures: [MemberIndex: ReshareFailure]
    public let network: NetworkReport
    /// The participants, for the new shares (`takeNewShares`).
    public let participants: [MemberIndex: ReshareProtocol]
    /// The old committee's shares, only with `.reveal`.
    public let oldShares: RevealedShares?

    /// The output every finished member agrees on, or nil when they differ or none finished.
    public var agreedOutput: ReshareOutput? {
        guard let first = outputs.values.first, outputs.values.allSatisfy({ $0 == first }) else { return nil }
        return first
    }
}

/// Whole resharings in one process.
public enum ReshareSimulation {
    /// Deals an old committee (a fresh group key per key, split with Shamir — the only place a
    /// group secret exists, simulation only) and reshares it with faults.
    /// - Throws: `ReshareError.invalidParameters` for a bad scenario or fault plan; a member's
    ///   `.internalInconsistency` (a bug).
    public static func run(_ scenario: ReshareScenario, seed: [UInt8], faults: ProtocolFaultPlan = ProtocolFaultPlan(),
                           disclosure: SecretShareDisclosure = .withhold) throws(ReshareError) -> ReshareSimulationResult {
        let oldParameters: ThresholdParameters
        do { oldParameters = try ThresholdParameters(threshold: scenario.oldThreshold, members: scenario.oldMembers) } catch {
            throw .invalidParameters("old committee: \(error)")
        }
        let old = scenario.old, new = scenario.new
        let rosterIndices = Array(Set(old + new)).sorted()
        for m in faults.namedMembers where !rosterIndices.contains(m) {
            throw .invalidParameters("fault plan names member \(m), not in the roster")
        }
        let master = SeededGenerator(seed: Array("vring/reshare/simulation".utf8) + seed)
        var identityRNG = master.derive("identities")
        let identities = SimulatedIdentities(members: rosterIndices, rng: &identityRNG)

        // The old committee.
        var keyRNG = master.derive("old committee")
        let K = scenario.keyCount
        var vault = SecureBytes(count: 32 * old.count * K)
        var keys: [ReshareKey] = []
        for k in 0..<K {
            let secret = try! SecretKey(scalar: Fr.random(using: &keyRNG))
            var publicShares: [MemberIndex: PublicKey] = [:]
            _ = Shamir.split(secret: secret, parameters: oldParameters, randomScalar: { Fr.random(using: &keyRNG) }) { share in
                publicShares[share.index] = share.publicShare
                share.key.withScalar { vault.setScalar($0, at: (Int(share.index.value) - 1) * K + k) }
            }
            keys.append(ReshareKey(context: Array("validator/\(k)".utf8), groupKey: secret.publicKey, oldPublicShares: publicShares))
        }
        let oldShares = RevealedShares(storage: vault, members: old, keyCount: K)

        var sessionRNG = master.derive("session")
        let session = try! SessionID(bytes: (0..<32).map { _ in UInt8.random(in: 0...255, using: &sessionRNG) })
        let configuration = try ReshareConfiguration(
            sessionID: session, epoch: 8, roster: identities.roster, oldMembers: old, oldThreshold: scenario.oldThreshold,
            newMembers: new, newThreshold: scenario.newThreshold, keys: keys)

        func participant(_ m: MemberIndex) throws(ReshareError) -> ReshareProtocol {
            let p = try ReshareProtocol(configuration: configuration, index: m, signingKey: identities.signingKey(m),
                                        encryptionKey: identities.boxKey(m), oldShares: oldShares.keyShares(of: m))
            p.misbehaviour.corruptSubSharesFor = Set(faults.corruptSubShares.filter { $0.dealer == m }.map(\.victim))
            p.misbehaviour.revealsWrongSubShares = faults.wrongJustifications.contains(m)
            p.misbehaviour.dealsWrongSecret = faults.wrongSecret.contains(m)
            return p
        }
        var participants: [MemberIndex: ReshareProtocol] = [:]
        var members: [MemberIndex: SimulatedMember] = [:]
        var rngs: [MemberIndex: SeededGenerator] = [:]
        for m in rosterIndices {
            let p = try participant(m)
            participants[m] = p
            rngs[m] = master.derive("member", m.value)
            members[m] = SimulatedMember(
                start: { (r: inout SeededGenerator) throws(ReshareError) in try p.start(using: &r) },
                receive: { bytes in Result { () throws(ProtocolMessageError) in try p.receive(bytes) } },
                timeout: { (r: inout SeededGenerator) throws(ReshareError) in try p.phaseTimeout(using: &r) },
                ended: { p.phase >= .finished })
        }
        var network = SimulatedNetwork(faults: faults, roster: rosterIndices, context: configuration.setup.context,
                                       identities: identities, rng: master.derive("network"))
        network.dealers = old
        try network.run(members: members, rngs: &rngs, steps: 4) { (m: MemberIndex) throws(ReshareError) -> [UInt8]? in
            let shadow = try participant(m)
            var r = master.derive("equivocation", m.value)
            return try shadow.start(using: &r)
        }
        var outputs: [MemberIndex: ReshareOutput] = [:]
        var failures: [MemberIndex: ReshareFailure] = [:]
        for (m, p) in participants {
            if let o = p.output { outputs[m] = o }
            if let f = p.failure { failures[m] = f }
        }
        return ReshareSimulationResult(configuration: configuration, outputs: outputs, failures: failures, network: network.report,
                                       participants: participants, oldShares: disclosure == .reveal ? oldShares : nil)
    }
}

// MARK: - Repair

/// A committee 1…members with threshold t, one member to repair and its helpers.
public struct RepairScenario: Sendable {
    public var members: Int
    public var threshold: Int
    public var target: MemberIndex
    /// nil: every other member helps.
    public var helpers: [MemberIndex]?
    public var keyCount: Int

    public init(members: Int, threshold: Int, target: MemberIndex, helpers: [MemberIndex]? = nil, keyCount: Int = 1) {
        self.members = members
        self.threshold = threshold
        self.target = target
        self.helpers = helpers
        self.keyCount = keyCount
    }
}

/// The outcome of a simulated repair, per member.
public struct RepairSimulationResult {
    public let configuration: RepairConfiguration
    public let outputs: [MemberIndex: RepairOutput]
    public let failures: [MemberIndex: RepairFailure]
    public let network: NetworkReport
    /// The participants, for the repaired shares (`takeRepairedShares`).
    public let participants: [MemberIndex: RepairProtocol]
    /// The committee's shares before the repair (including the lost one), only with `.reveal`.
    public let shares: RevealedShares?
    /// The group keys and every member's public share (all members, not only the roster).
    public let keys: [RepairKey]
}

/// Whole repairs in one process.
public enum RepairSimulation {
    /// - Throws: `ReshareError.invalidParameters` for a bad scenario or fault plan.
    public static func run(_ scenario: RepairScenario, seed: [UInt8], faults: ProtocolFaultPlan = ProtocolFaultPlan(),
                           disclosure: SecretShareDisclosure = .withhold) throws(ReshareError) -> RepairSimulationResult {
        let parameters: ThresholdParameters
        do { parameters = try ThresholdParameters(threshold: scenario.threshold, members: scenario.members) } catch {
            throw .invalidParameters("committee: \(error)")
        }
        let all = (1...scenario.members).map { try! MemberIndex($0) }
        guard all.contains(scenario.target) else { throw .invalidParameters("member \(scenario.target) is not in the committee") }
        let helpers = (scenario.helpers ?? all.filter { $0 != scenario.target }).sorted()
        let rosterIndices = (helpers + [scenario.target]).sorted()
        for m in faults.namedMembers where !rosterIndices.contains(m) {
            throw .invalidParameters("fault plan names member \(m), not in the roster")
        }
        let master = SeededGenerator(seed: Array("vring/repair/simulation".utf8) + seed)
        var identityRNG = master.derive("identities")
        let identities = SimulatedIdentities(members: rosterIndices, rng: &identityRNG)

        var keyRNG = master.derive("committee")
        let K = scenario.keyCount
        var vault = SecureBytes(count: 32 * all.count * K)
        var keys: [RepairKey] = []
        for k in 0..<K {
            let secret = try! SecretKey(scalar: Fr.random(using: &keyRNG))
            var publicShares: [MemberIndex: PublicKey] = [:]
            _ = Shamir.split(secret: secret, parameters: parameters, randomScalar: { Fr.random(using: &keyRNG) }) { share in
                publicShares[share.index] = share.publicShare
                share.key.withScalar { vault.setScalar($0, at: (Int(share.index.value) - 1) * K + k) }
            }
            keys.append(RepairKey(context: Array("validator/\(k)".utf8), groupKey: secret.publicKey, publicShares: publicShares))
        }
        let shares = RevealedShares(storage: vault, members: all, keyCount: K)

        var sessionRNG = master.derive("session")
        let session = try! SessionID(bytes: (0..<32).map { _ in UInt8.random(in: 0...255, using: &sessionRNG) })
        let configuration = try RepairConfiguration(sessionID: session, epoch: 8, roster: identities.roster, target: scenario.target,
                                                    helpers: helpers, threshold: scenario.threshold, keys: keys)
        func participant(_ m: MemberIndex) throws(ReshareError) -> RepairProtocol {
            let p = try RepairProtocol(configuration: configuration, index: m, signingKey: identities.signingKey(m),
                                       encryptionKey: identities.boxKey(m),
                                       shares: m == scenario.target ? nil : shares.keyShares(of: m))
            p.misbehaviour.corruptSubSharesFor = Set(faults.corruptSubShares.filter { $0.dealer == m }.map(\.victim))
            p.misbehaviour.revealsWrongSubShares = faults.wrongJustifications.contains(m)
            p.misbehaviour.dealsNonVanishingMask = faults.wrongSecret.contains(m)
            p.misbehaviour.sendsWrongMaskedShare = faults.wrongMaskedShares.contains(m)
            return p
        }
        var participants: [MemberIndex: RepairProtocol] = [:]
        var members: [MemberIndex: SimulatedMember] = [:]
        var rngs: [MemberIndex: SeededGenerator] = [:]
        for m in rosterIndices {
            let p = try participant(m)
            participants[m] = p
            rngs[m] = master.derive("member", m.value)
            members[m] = SimulatedMember(
                start: { (r: inout SeededGenerator) throws(ReshareError) in try p.start(using: &r) },
                receive: { bytes in Result { () throws(ProtocolMessageError) in try p.receive(bytes) } },
                timeout: { (r: inout SeededGenerator) throws(ReshareError) in try p.phaseTimeout(using: &r) },
                ended: { p.phase >= .finished })
        }
        var network = SimulatedNetwork(faults: faults, roster: rosterIndices, context: configuration.setup.context,
                                       identities: identities, rng: master.derive("network"))
        network.dealers = helpers
        try network.run(members: members, rngs: &rngs, steps: 5) { (m: MemberIndex) throws(ReshareError) -> [UInt8]? in
            let shadow = try participant(m)
            var r = master.derive("equivocation", m.value)
            return try shadow.start(using: &r)
        }
        var outputs: [MemberIndex: RepairOutput] = [:]
        var failures: [MemberIndex: RepairFailure] = [:]
        for (m, p) in participants {
            if let o = p.output { outputs[m] = o }
            if let f = p.failure { failures[m] = f }
        }
        return RepairSimulationResult(configuration: configuration, outputs: outputs, failures: failures, network: network.report,
                                      participants: participants, shares: disclosure == .reveal ? shares : nil, keys: keys)
    }
}
