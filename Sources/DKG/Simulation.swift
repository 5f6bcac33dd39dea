import BLS12381
import Primitives
import Threshold

// An in-process network for whole ceremonies: n participants, a broadcast channel that can
// reorder, duplicate and inject garbage, and members that crash, lie or equivocate. Everything
// is derived from one seed, so a failing run replays exactly. Used by the tests, the CLI
// (`vring dkg simulate`) and the benchmarks.
//
// The channel model matches what the protocol assumes of its transport: every copy of a
// broadcast reaches every live member before the round's deadline unless the *sender*
// misbehaves (crashes, equivocates, or is late for everyone). Dropping a single copy is the
// transport's job to repair (retransmission); the protocol's own defence is against senders.

/// A deterministic generator: SHA-256(seed ‖ counter) blocks. For simulations and tests only.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private let seed: [UInt8]
    private var counter: UInt64 = 0
    private var buffer: [UInt64] = []

    public init(seed: [UInt8]) { self.seed = SHA256.hash(Array("vring/dkg/seeded-generator".utf8) + seed) }

    /// An independent stream for a labelled purpose.
    public func derive(_ label: String, _ index: UInt32 = 0) -> SeededGenerator {
        var w = ByteWriter(); w.variable(Array(label.utf8)); w.u32(index)
        return SeededGenerator(seed: seed + w.bytes)
    }

    public mutating func next() -> UInt64 {
        if buffer.isEmpty {
            var w = ByteWriter(); w.fixed(seed); w.u64(counter)
            counter += 1
            let block = SHA256.hash(w.bytes)
            buffer = (0..<4).map { i in block[(8 * i)..<(8 * i + 8)].reduce(0) { $0 << 8 | UInt64($1) } }
        }
        return buffer.removeLast()
    }
}

/// The rounds, for fault plans: a member silent from a phase sends nothing in it or later.
public enum DKGRound: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    case deal = 1, complain = 2, justify = 3
    public static func < (a: DKGRound, b: DKGRound) -> Bool { a.rawValue < b.rawValue }
    public var description: String {
        switch self {
        case .deal: "deal"
        case .complain: "complain"
        case .justify: "justify"
        }
    }
}

/// Whether a simulation hands back every member's secret shares (as hex). Only a simulation
/// may: in a real ceremony nobody sees anyone else's share.
public enum SecretShareDisclosure: Sendable { case withhold, reveal }

/// The faults injected into one simulated ceremony.
public struct DKGFaultPlan: Sendable {
    /// Members that crash: silent from the given round on (`.deal`: never speak).
    public var silentFrom: [MemberIndex: DKGRound] = [:]
    /// (dealer, victim): the dealer encrypts a random share to the victim (it keeps the right one).
    public var corruptShares: [(dealer: MemberIndex, victim: MemberIndex)] = []
    /// Dealers that reveal wrong shares when accused.
    public var wrongJustifications: Set<MemberIndex> = []
    /// Dealers that send one deal to odd-indexed members and another to even-indexed ones.
    public var equivocators: Set<MemberIndex> = []
    /// Dealers whose deal reaches everyone only after the round-1 deadline.
    public var lateDeals: Set<MemberIndex> = []
    /// Echo messages that claim a deal nobody sent (a member framing a dealer): (liar, dealer).
    public var falseEchoes: [(liar: MemberIndex, dealer: MemberIndex)] = []
    /// Dealers that hide a small-order (3-torsion) point in their commitments, invisible to
    /// every share check.
    public var torsionDealers: Set<MemberIndex> = []
    /// Deliver copies in a seeded random order.
    public var reorder = true
    /// Deliver every copy twice.
    public var duplicate = false
    /// Inject, in every round, garbage, altered, wrong-session, wrong-version and trailing-byte
    /// messages to every member.
    public var garbage = false

    public init() {}
}

/// The outcome of a simulated ceremony, per member.
public struct DKGSimulationResult {
    public let configuration: DKGConfiguration
    /// Members that finished, with their public output.
    public let outputs: [MemberIndex: DKGPublicOutput]
    /// Members whose ceremony failed (too few qualified dealers).
    public let failures: [MemberIndex: DKGFailure]
    /// Every live member's secret shares (hex, one per key), only with `.reveal`.
    public let revealedSecretShares: [MemberIndex: [String]]
    /// Every rejected message, per receiving member.
    public let rejections: [MemberIndex: [DKGMessageError]]
    /// Identical copies that were ignored.
    public let duplicatesIgnored: Int
    /// Time spent inside each member's state machine, when a clock was given.
    public let nanoseconds: [MemberIndex: UInt64]
    /// The participants, for callers that want the secret shares themselves.
    public let participants: [MemberIndex: DKGParticipant]

    /// The output all finished members agree on, or nil when they differ or none finished.
    public var agreedOutput: DKGPublicOutput? {
        guard let first = outputs.values.first, outputs.values.allSatisfy({ $0 == first }) else { return nil }
        return first
    }
}

/// Whole ceremonies in one process.
public enum DKGSimulation {
    /// The benchmark hook: an honest ceremony of `members` with `threshold`, one key, no faults.
    /// - Throws: `DKGError` for invalid parameters.
    public static func run(members: Int, threshold: Int, seed: [UInt8]) throws(DKGError) -> DKGSimulationResult {
        var faults = DKGFaultPlan()
        faults.reorder = false
        return try run(members: members, threshold: threshold, seed: seed, faults: faults)
    }

    /// Runs a ceremony with faults.
    /// - Parameters:
    ///   - keyContexts: One context per key (K keys in one ceremony).
    ///   - clock: Nanoseconds from any monotonic source; when given, the time each member spends
    ///     in its state machine is reported (the DKG itself never reads a clock).
    /// - Throws: `DKGError.invalidConfiguration` for bad parameters or fault plans.
    public static func run(
        members n: Int, threshold t: Int, seed: [UInt8], keyContexts: [[UInt8]] = [Array("validator".utf8)],
        faults: DKGFaultPlan, disclosure: SecretShareDisclosure = .withhold, clock: (() -> UInt64)? = nil
    ) throws(DKGError) -> DKGSimulationResult {
        let parameters: ThresholdParameters
        do { parameters = try ThresholdParameters(threshold: t, members: n) } catch {
            throw .invalidConfiguration(error.description)
        }
        let master = SeededGenerator(seed: seed)
        var identityRNG = master.derive("identities")
        var signingSeeds: [[UInt8]] = []
        var boxSeeds: [[UInt8]] = []
        var roster: [MemberIdentity] = []
        for i in 1...n {
            let s = (0..<32).map { _ in UInt8.random(in: 0...255, using: &identityRNG) }
            let b = (0..<32).map { _ in UInt8.random(in: 0...255, using: &identityRNG) }
            signingSeeds.append(s)
            boxSeeds.append(b)
            roster.append(MemberIdentity(index: try! MemberIndex(i), signingKey: signingKey(s).publicKey, encryptionKey: boxKey(b).publicKey))
        }
        var sessionRNG = master.derive("session")
        let session = try SessionID(bytes: (0..<32).map { _ in UInt8.random(in: 0...255, using: &sessionRNG) })
        let configuration = try DKGConfiguration(sessionID: session, epoch: 1, parameters: parameters, roster: roster, keyContexts: keyContexts)
        let all = (1...n).map { try! MemberIndex($0) }
        for m in faults.silentFrom.keys.map(\.value) + faults.equivocators.map(\.value) + faults.lateDeals.map(\.value)
            + faults.wrongJustifications.map(\.value) + faults.torsionDealers.map(\.value) + faults.corruptShares.flatMap({ [$0.dealer.value, $0.victim.value] })
            + faults.falseEchoes.flatMap({ [$0.liar.value, $0.dealer.value] }) where Int(m) > n {
            throw .invalidConfiguration("fault plan names member \(m), the ring has \(n)")
        }

        var participants: [MemberIndex: DKGParticipant] = [:]
        var rngs: [MemberIndex: SeededGenerator] = [:]
        var nanoseconds: [MemberIndex: UInt64] = [:]
        for member in all {
            let p = try DKGParticipant(configuration: configuration, index: member,
                                       signingKey: signingKey(signingSeeds[Int(member.value) - 1]),
                                       encryptionKey: boxKey(boxSeeds[Int(member.value) - 1]))
            p.misbehaviour.corruptSharesFor = Set(faults.corruptShares.filter { $0.dealer == member }.map(\.victim))
            p.misbehaviour.revealsWrongShares = faults.wrongJustifications.contains(member)
            p.misbehaviour.torsionInCommitments = faults.torsionDealers.contains(member)
            participants[member] = p
            rngs[member] = master.derive("member", member.value)
            nanoseconds[member] = 0
        }
        func alive(_ m: MemberIndex, in round: DKGRound) -> Bool { faults.silentFrom[m].map { round < $0 } ?? true }
        func timed<R>(_ m: MemberIndex, _ body: () throws(DKGError) -> R) throws(DKGError) -> R {
            guard let clock else { return try body() }
            let start = clock()
            defer { nanoseconds[m]! += clock() - start }
            return try body()
        }

        var network = master.derive("network")
        var rejections: [MemberIndex: [DKGMessageError]] = [:]
        var duplicates = 0
        var pending: [(to: MemberIndex, bytes: [UInt8])] = []
        var late: [(to: MemberIndex, bytes: [UInt8])] = []
        func broadcast(_ from: MemberIndex, _ bytes: [UInt8], late isLate: Bool = false) {
            for r in all where r != from {
                if isLate { late.append((r, bytes)) } else { pending.append((r, bytes)) }
                if faults.duplicate { pending.append((r, bytes)) }
            }
        }
        func deliver(_ queue: [(to: MemberIndex, bytes: [UInt8])], round: DKGRound) throws(DKGError) {
            var queue = queue
            if faults.reorder { queue.shuffle(using: &network) }
            for (to, bytes) in queue where alive(to, in: round) {
                let p = participants[to]!
                let outcome: Result<ReceiveOutcome, DKGMessageError> = try timed(to) { () throws(DKGError) in
                    Result { () throws(DKGMessageError) in try p.receive(bytes) }
                }
                switch outcome {
                case .success(.duplicate): duplicates += 1
                case .success(.accepted): break
                case .failure(let e): rejections[to, default: []].append(e)
                }
            }
        }
        func injectGarbage(sample: [UInt8], signer: MemberIndex, kind: MessageKind) {
            guard faults.garbage else { return }
            var forged = sample
            forged[forged.count - 70] ^= 1  // inside the body: the signature no longer matches
            var version = sample
            version[0] = 2
            let trailing = sample + [0]
            let otherSession = try! DKGConfiguration(
                sessionID: SessionID(bytes: SHA256.hash(configuration.sessionID.bytes)), epoch: configuration.epoch,
                parameters: configuration.parameters, roster: configuration.roster, keyContexts: configuration.keyContexts)
            let replay = SignedMessage.sign(kind: kind, body: [1, 2, 3], configuration: otherSession, sender: signer,
                                            key: signingKey(signingSeeds[Int(signer.value) - 1])).encoded
            let junk = (0..<120).map { _ in UInt8.random(in: 0...255, using: &network) }
            for r in all { for g in [forged, version, trailing, replay, junk] { pending.append((r, g)) } }
        }

        // Round 1.
        for member in all where alive(member, in: .deal) {
            var rng = rngs[member]!
            let bytes = try timed(member) { () throws(DKGError) in try participants[member]!.start(using: &rng) }
            rngs[member] = rng
            if faults.equivocators.contains(member) {
                // A second, independent deal under the same identity, sent to the even-indexed members.
                let shadow = try DKGParticipant(configuration: configuration, index: member,
                                                signingKey: signingKey(signingSeeds[Int(member.value) - 1]),
                                                encryptionKey: boxKey(boxSeeds[Int(member.value) - 1]))
                var shadowRNG = master.derive("equivocation", member.value)
                let other = try shadow.start(using: &shadowRNG)
                for r in all where r != member {
                    pending.append((r, r.value % 2 == 0 ? other : bytes))
                }
            } else {
                broadcast(member, bytes, late: faults.lateDeals.contains(member))
            }
            if member.value == 1 { injectGarbage(sample: bytes, signer: member, kind: .deal) }
        }
        try deliver(pending, round: .deal)
        pending = []

        // Rounds 2 and 3, then the end.
        for round in [DKGRound.complain, .justify] {
            var sent: [MemberIndex: [UInt8]] = [:]
            for member in all where alive(member, in: round) {
                var rng = rngs[member]!
                guard let bytes = try timed(member, { () throws(DKGError) in try participants[member]!.phaseTimeout(using: &rng) }) else {
                    throw .internalInconsistency("no message for round \(round)")
                }
                rngs[member] = rng
                sent[member] = bytes
            }
            for (liar, dealer) in faults.falseEchoes where round == .complain && sent[liar] != nil {
                // The liar re-signs its echo with a made-up hash for `dealer`'s deal.
                let body = try! EchoBody(decoding: SignedMessage(decoding: sent[liar]!, for: configuration).body, for: configuration)
                var hashes = body.dealHashes
                hashes[Int(dealer.value) - 1] = SHA256.hash(Array("made up".utf8))
                let lie = SignedMessage.sign(kind: .echo, body: EchoBody(dealHashes: hashes, complaints: body.complaints).encode(),
                                             configuration: configuration, sender: liar, key: signingKey(signingSeeds[Int(liar.value) - 1]))
                sent[liar] = lie.encoded
            }
            for (member, bytes) in sent.sorted(by: { $0.key < $1.key }) { broadcast(member, bytes) }
            if round == .complain {
                try deliver(late, round: round)  // after the round-1 deadline: rejected as late
                late = []
            }
            if let (signer, sample) = sent.min(by: { $0.key < $1.key }) {
                injectGarbage(sample: sample, signer: signer, kind: round == .complain ? .echo : .justification)
            }
            try deliver(pending, round: round)
            pending = []
        }
        var outputs: [MemberIndex: DKGPublicOutput] = [:]
        var failures: [MemberIndex: DKGFailure] = [:]
        var revealed: [MemberIndex: [String]] = [:]
        for member in all where alive(member, in: .justify) {
            var rng = rngs[member]!
            let p = participants[member]!
            _ = try timed(member) { () throws(DKGError) in try p.phaseTimeout(using: &rng) }
            if let o = p.output { outputs[member] = o }
            if let f = p.failure { failures[member] = f }
            if disclosure == .reveal, p.output != nil, let shares = p.takeSecretShares() {
                revealed[member] = try (0..<shares.keyCount).map { k throws(DKGError) in try shares.share(key: k).key.revealHex() }
            }
        }
        return DKGSimulationResult(configuration: configuration, outputs: outputs, failures: failures, revealedSecretShares: revealed,
                                   rejections: rejections, duplicatesIgnored: duplicates, nanoseconds: nanoseconds,
                                   participants: participants)
    }

    static func signingKey(_ seed: [UInt8]) -> SigningKey { try! SigningKey(seed: SecureBytes(copying: seed)) }
    static func boxKey(_ seed: [UInt8]) -> BoxKey { try! BoxKey(seed: SecureBytes(copying: seed)) }
}
