import BLS12381
import DKG
import Primitives
import Threshold

// Share repair as a pure state machine. Member r lost its shares; helpers H (|H| ≥ t, any
// other members) give them back without anyone learning them, without changing the group key or
// any other share, and despite helpers that crash or lie, as long as t of them behave.
//
// The fixed-helper-set enrollment of Laing & Stinson (Repair.swift, `ShareRepair`) needs every
// helper of H to finish. This protocol uses the share-recovery of Herzberg, Jarecki, Krawczyk
// & Yung ("Proactive secret sharing", CRYPTO '95, §4.1), one of the repairable schemes that
// Laing & Stinson survey, because its blinding can be agreed on in public first:
//
//  1–3. Each helper i deals a random mask z_i of degree t − 1 with z_i(r) = 0 (public check:
//       its Feldman commitment Z_i evaluates to the identity at r), sub-shares z_i(j) encrypted
//       to every helper j — the DKG-style rounds with echoes, complaints and public answers
//       (Exchange.swift) — and everyone computes the same qualified set Q (|Q| ≥ t).
//  4.   Helper j sends r, encrypted, m_j = s_j + Σ_{i∈Q} z_i(j), a point on F = f + Σ z_i.
//       Anyone can check [m_j]G = pk_j + Σ_{i∈Q} Z_i(j), so a lying helper is named; r takes
//       the t lowest valid ones and interpolates F(r) = f(r) + 0 = s_r, checked against pk_r.
//
// r learns F, which reveals only F(r) = s_r: with one honest mask in Q, F − f is uniform among
// polynomials vanishing at r. A helper learns nothing new: its masked share goes only to r.

/// One key being repaired.
public struct RepairKey: Sendable, Equatable {
    public let context: [UInt8]
    public let groupKey: PublicKey
    /// Public shares of (at least) the repaired member and every helper.
    public let publicShares: [MemberIndex: PublicKey]

    public init(context: [UInt8], groupKey: PublicKey, publicShares: [MemberIndex: PublicKey]) {
        self.context = context
        self.groupKey = groupKey
        self.publicShares = publicShares
    }
}

/// What the repaired member and its helpers agree on before a repair.
public struct RepairConfiguration: Sendable {
    public let sessionID: SessionID
    /// The committee's current epoch: repair changes no share, so no new epoch.
    public let epoch: UInt64
    /// The repaired member and the helpers, ascending index.
    public let roster: [MemberIdentity]
    public let target: MemberIndex
    public let helpers: [MemberIndex]
    public let threshold: Int
    public let keys: [RepairKey]

    /// - Throws: `ReshareError.invalidParameters` / `.notEnoughHelpers` for an inconsistent setup.
    public init(sessionID: SessionID, epoch: UInt64, roster: [MemberIdentity], target: MemberIndex, helpers: [MemberIndex],
                threshold: Int, keys: [RepairKey]) throws(ReshareError) {
        let indices = roster.map(\.index)
        guard indices == indices.sorted(), Set(indices).count == indices.count else {
            throw .invalidParameters("roster indices must be distinct and ascending")
        }
        guard Set(roster.map(\.signingKey)).count == roster.count, Set(roster.map(\.encryptionKey)).count == roster.count else {
            throw .invalidParameters("two members share an identity key")
        }
        let h = helpers.sorted()
        guard threshold >= 1 else { throw .invalidParameters("threshold must be at least 1") }
        guard h.count >= threshold else { throw .notEnoughHelpers(needed: threshold, got: h.count) }
        guard Set(h).count == h.count, !h.contains(target) else { throw .invalidParameters("helpers must be distinct and not the repaired member") }
        guard Set(indices) == Set(h + [target]) else { throw .invalidParameters("the roster is the repaired member and the helpers") }
        guard !keys.isEmpty, keys.count <= Int(UInt16.max), Set(keys.map(\.context)).count == keys.count else {
            throw .invalidParameters("1…65535 keys with distinct contexts")
        }
        for (k, key) in keys.enumerated() where !Set(indices).isSubset(of: key.publicShares.keys) {
            throw .invalidParameters("key \(k): a public share is missing for the repaired member or a helper")
        }
        self.sessionID = sessionID
        self.epoch = epoch
        self.roster = roster
        self.target = target
        self.helpers = h
        self.threshold = threshold
        self.keys = keys
    }

    public var keyCount: Int { keys.count }

    public var digest: [UInt8] {
        var t = Transcript(domain: "vring/repair/v1/configuration")
        t.append("session", sessionID.bytes)
        t.append("epoch", u64: epoch)
        for m in roster {
            t.append("member", u64: UInt64(m.index.value))
            t.append("signing key", m.signingKey.bytes)
            t.append("encryption key", m.encryptionKey.bytes)
        }
        t.append("target", u64: UInt64(target.value))
        for h in helpers { t.append("helper", u64: UInt64(h.value)) }
        t.append("threshold", u64: UInt64(threshold))
        for key in keys {
            t.append("key context", key.context)
            t.append("group key", key.groupKey.compressed)
            for m in roster.map(\.index) { t.append("public share", key.publicShares[m]!.compressed) }
        }
        return t.digest()
    }

    var setup: ExchangeSetup {
        let target = target
        return ExchangeSetup(
            context: EnvelopeContext(protocolKind: .repair, sessionID: sessionID, epoch: epoch,
                                     signingKeys: Dictionary(uniqueKeysWithValues: roster.map { ($0.index, $0.signingKey) })),
            configurationDigest: digest, roster: roster, dealers: helpers, recipients: helpers, keyCount: keys.count,
            coefficients: threshold,
            publicCheck: { _, _, commitment in commitment.evaluate(at: target).isInfinity ? nil : .maskDoesNotVanishAtTarget })
    }
}

/// The result of a repair at one member.
public struct RepairOutput: Sendable, Equatable {
    public let target: MemberIndex
    /// Helpers whose masks stand (rounds 1–3), ascending.
    public let qualified: [MemberIndex]
    /// Blame from rounds 1–3: identical at every honest member.
    public let blame: [Blame]
    /// SHA-256 over rounds 1–3: identical at every honest member.
    public let transcriptHash: [UInt8]
    /// At the repaired member: the t helpers whose masked shares were combined.
    public let helpersUsed: [MemberIndex]
    /// At the repaired member: helpers whose masked share was wrong or missing.
    public let maskedShareBlame: [Blame]
}

/// A repair that could not complete, with the blame that led there.
public struct RepairFailure: Sendable, Equatable, CustomStringConvertible {
    public let qualified: [MemberIndex]
    public let needed: Int
    public let blame: [Blame]
    public let transcriptHash: [UInt8]
    public let error: ReshareError?

    public var description: String {
        (error.map { "\($0); " } ?? "") + "\(qualified.count) qualified helper(s), need \(needed)"
            + (blame.isEmpty ? "" : ": " + blame.map(\.description).joined(separator: "; "))
    }
}

/// One member's side of a repair: a helper, or the member being repaired.
public final class RepairProtocol {
    public enum Phase: Int, Sendable, Comparable {
        case created = 0
        case dealing = 1
        case echoing = 2
        case justifying = 3
        /// The repaired member, collecting masked shares until the round-4 deadline.
        case collecting = 4
        case finished = 5
        case failed = 6
        public static func < (a: Phase, b: Phase) -> Bool { a.rawValue < b.rawValue }
    }

    package struct Misbehaviour: Sendable {
        package var corruptSubSharesFor: Set<MemberIndex> = []
        package var revealsWrongSubShares = false
        /// Deals a mask that does not vanish at the repaired index.
        package var dealsNonVanishingMask = false
        /// Sends a masked share off by one.
        package var sendsWrongMaskedShare = false
        package init() {}
    }

    public let configuration: RepairConfiguration
    public let index: MemberIndex
    public var isTarget: Bool { index == configuration.target }
    public private(set) var phase: Phase = .created
    package var misbehaviour = Misbehaviour()

    private let exchange: DealingExchange
    private var shares: KeyShares?
    private var repaired: KeyShares?
    private var decision: ExchangeDecision?
    private var maskedShares: [MemberIndex: ProtocolEnvelope] = [:]

    public private(set) var output: RepairOutput?
    public private(set) var failure: RepairFailure?

    /// - Parameters:
    ///   - shares: A helper's shares of every key; nil for the repaired member.
    /// - Throws: `ReshareError.invalidParameters` when keys or shares do not fit the configuration.
    public init(configuration: RepairConfiguration, index: MemberIndex, signingKey: consuming SigningKey,
                encryptionKey: consuming BoxKey, shares: consuming KeyShares?) throws(ReshareError) {
        let isHelper = configuration.helpers.contains(index)
        guard isHelper || index == configuration.target else { throw .invalidParameters("member \(index) takes no part in this repair") }
        if let s = shares.take() {
            guard isHelper, s.index == index, s.keyCount == configuration.keyCount else {
                throw .invalidParameters("shares of member \(s.index) for \(s.keyCount) key(s) do not fit member \(index)")
            }
            let g = G1Projective(G1Affine.generator)
            for k in 0..<s.keyCount where !(g.multiplied(by: s.storage.scalar(at: k)) == G1Projective(configuration.keys[k].publicShares[index]!.point)) {
                throw .invalidParameters("share of key \(k) does not match member \(index)'s public share")
            }
            self.shares = consume s
        } else if isHelper {
            throw .invalidParameters("helper \(index) needs its shares")
        }
        self.configuration = configuration
        self.index = index
        exchange = try DealingExchange(setup: configuration.setup, index: index, signingKey: signingKey, boxKey: encryptionKey)
    }

    public var isPhaseComplete: Bool {
        switch phase {
        case .collecting: maskedShares.count == configuration.helpers.count
        case .finished, .failed: true
        default: exchange.roundComplete
        }
    }

    /// Hands over the repaired shares once (the repaired member, after success).
    public func takeRepairedShares() -> KeyShares? { repaired.take() }

    // MARK: - Inputs

    /// Round 1: a helper's mask dealing (nil at the repaired member).
    public func start(using rng: inout some RandomNumberGenerator) throws(ReshareError) -> [UInt8]? {
        guard phase == .created else { throw .invalidParameters("start() is the first call and happens once") }
        phase = .dealing
        guard !isTarget else { return nil }
        exchange.misbehaviour = DealerMisbehaviour(corruptSubSharesFor: misbehaviour.corruptSubSharesFor,
                                                   revealsWrongSubShares: misbehaviour.revealsWrongSubShares)
        // z(x) = a_0 + a_1 x + … with a_1… random and a_0 = −Σ_{l≥1} a_l r^l, so z(r) = 0.
        let r = configuration.target.scalar
        var coefficients: [[Fr]] = []
        for _ in 0..<configuration.keyCount {
            var row = [Fr.zero]
            var power = Fr.one
            var sum = Fr.zero
            for _ in 1..<configuration.threshold {
                power = power * r
                let a = Fr.random(using: &rng)
                sum = sum + a * power
                row.append(a)
            }
            row[0] = misbehaviour.dealsNonVanishingMask ? Fr.one - sum : .zero - sum
            sum = .zero
            coefficients.append(row)
        }
        let message = exchange.makeDealing(coefficients: &coefficients, using: &rng)
        try exchange.acceptOwn(message)
        return message.encoded
    }

    /// Accepts one envelope from the network.
    /// - Throws: `ProtocolMessageError` naming why the message was rejected.
    @discardableResult
    public func receive(_ bytes: [UInt8]) throws(ProtocolMessageError) -> ReceiveOutcome {
        guard phase < .finished else {
            let e = try ProtocolEnvelope(decoding: bytes, context: exchange.setup.context)
            throw .late(sender: e.sender, kind: e.kind)
        }
        switch try exchange.receive(bytes) {
        case .handled(let outcome): return outcome
        case .other(let e):
            guard configuration.helpers.contains(e.sender) else { throw .unexpectedSender(sender: e.sender, kind: e.kind) }
            _ = try MaskedShareBody(decoding: e.body, keyCount: configuration.keyCount)
            guard isTarget else { return .accepted }  // addressed to the repaired member only
            if let existing = maskedShares[e.sender] {
                try exchange.checkReplay(existing, e)
                return .duplicate
            }
            maskedShares[e.sender] = e
            return .accepted
        }
    }

    /// Closes the current round. Returns the next message to send: echo, justification, then
    /// (a helper) its masked share for the repaired member; nil when there is none.
    public func phaseTimeout(using rng: inout some RandomNumberGenerator) throws(ReshareError) -> [UInt8]? {
        switch phase {
        case .created: throw .invalidParameters("call start() before the first deadline")
        case .dealing:
            let message = exchange.makeEcho()
            phase = .echoing
            exchange.openRound = 2
            try exchange.acceptOwn(message)
            return message.encoded
        case .echoing:
            let message = exchange.makeJustification()
            phase = .justifying
            exchange.openRound = 3
            try exchange.acceptOwn(message)
            return message.encoded
        case .justifying:
            exchange.openRound = 4
            let decision = exchange.decide()
            self.decision = decision
            guard decision.qualified.count >= configuration.threshold else {
                exchange.openRound = 5
                fail(decision, error: nil)
                return nil
            }
            if isTarget {
                phase = .collecting
                return nil
            }
            exchange.openRound = 5
            return try sendMaskedShare(decision, using: &rng)
        case .collecting:
            exchange.openRound = 5
            try recover()
            return nil
        case .finished, .failed: throw .invalidParameters("the repair has ended")
        }
    }

    private func fail(_ decision: ExchangeDecision, error: ReshareError?, extraBlame: [Blame] = []) {
        failure = RepairFailure(qualified: decision.qualified, needed: configuration.threshold, blame: decision.blame + extraBlame,
                                transcriptHash: decision.transcript.digest(), error: error)
        phase = .failed
    }

    // MARK: - Round 4

    private func sendMaskedShare(_ decision: ExchangeDecision, using rng: inout some RandomNumberGenerator) throws(ReshareError) -> [UInt8] {
        let K = configuration.keyCount
        var plaintext = SecureBytes(count: 32 * K)
        guard let shares = self.shares.take() else { throw .internalInconsistency("helper without shares") }
        for k in 0..<K {
            var m = shares.storage.scalar(at: k)
            for dealer in decision.qualified { m = m + (try exchange.subShare(from: dealer, key: k, decision: decision)) }
            if misbehaviour.sendsWrongMaskedShare { m = m + .one }
            plaintext.setScalar(m, at: k)
            m = .zero
        }
        _ = consume shares
        let nonce = (0..<BoxKey.nonceByteCount).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let target = configuration.roster.first { $0.index == configuration.target }!.encryptionKey
        let box: [UInt8]
        do { box = try exchange.boxKey.seal(plaintext, to: target, nonce: nonce) } catch {
            throw .internalInconsistency("cannot encrypt to member \(configuration.target): \(error)")
        }
        let message = exchange.sign(.maskedShare, body: MaskedShareBody(nonce: nonce, box: box).encode())
        output = RepairOutput(target: configuration.target, qualified: decision.qualified, blame: decision.blame,
                              transcriptHash: decision.transcript.digest(), helpersUsed: [], maskedShareBlame: [])
        phase = .finished
        return message.encoded
    }

    private func recover() throws(ReshareError) {
        guard let decision else { throw .internalInconsistency("no verdict before round 4") }
        let K = configuration.keyCount
        let g = G1Projective(G1Affine.generator)
        var valid: [MemberIndex] = []
        var values = SecureBytes(count: 32 * K * configuration.helpers.count)
        var blame: [Blame] = []
        for (p, j) in configuration.helpers.enumerated() {
            guard let e = maskedShares[j] else { blame.append(Blame(index: j, reason: .silent(.maskedShare))); continue }
            guard let body = try? MaskedShareBody(decoding: e.body, keyCount: K),
                  let plaintext = try? exchange.boxKey.open(body.box, from: configuration.roster.first { $0.index == j }!.encryptionKey, nonce: body.nonce)
            else { blame.append(Blame(index: j, reason: .invalidMaskedShare)); continue }
            var good = true
            plaintext.withUnsafeBytes { src in
                for k in 0..<K {
                    guard let m = Fr(bigEndian: UnsafeRawBufferPointer(rebasing: src[(32 * k)..<(32 * k + 32)])) else { good = false; break }
                    // [m_j]G = pk_j + Σ_{i∈Q} Z_i(j): the left side constant time (m_j is secret).
                    var expected = G1Projective(configuration.keys[k].publicShares[j]!.point)
                    for dealer in decision.qualified { expected = expected + decision.commitments[dealer]![k].evaluate(at: j) }
                    if !(g.multiplied(by: m) == expected) { good = false; break }
                }
            }
            guard good else { blame.append(Blame(index: j, reason: .invalidMaskedShare)); continue }
            values.copySlots(from: plaintext, at: 0, to: p * K, count: K)
            valid.append(j)
        }
        guard valid.count >= configuration.threshold else {
            return fail(decision, error: .notEnoughHelpers(needed: configuration.threshold, got: valid.count), extraBlame: blame)
        }
        let used = Array(valid.prefix(configuration.threshold))
        let lambdas = try ShareRepair.coefficients(at: configuration.target, helpers: used)
        var own = SecureBytes(count: 32 * K)
        for k in 0..<K {
            var s = Fr.zero
            for (n, j) in used.enumerated() {
                s = s + lambdas[n] * values.scalar(at: configuration.helpers.firstIndex(of: j)! * K + k)
            }
            guard !s.isZero, g.multiplied(by: s) == G1Projective(configuration.keys[k].publicShares[configuration.target]!.point) else {
                s = .zero
                return fail(decision, error: .repairFailed(blame: blame), extraBlame: blame)
            }
            own.setScalar(s, at: k)
            s = .zero
        }
        repaired = KeyShares(index: index, storage: own, keyCount: K)
        output = RepairOutput(target: configuration.target, qualified: decision.qualified, blame: decision.blame,
                              transcriptHash: decision.transcript.digest(), helpersUsed: used, maskedShareBlame: blame)
        phase = .finished
    }
}
