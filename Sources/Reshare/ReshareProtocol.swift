import BLS12381
import DKG
import Primitives
import Threshold

// Resharing as a pure state machine (messages in, messages and outcomes out): the
// Desmedt–Jajodia redistribution with Feldman commitments checked against the old public
// shares (Wong–Wang–Wing 2002), run over the DKG's signed rounds (Sources/Reshare/Exchange.swift):
//
//  1. Each old member i holding shares deals, for every key, g_i of degree t_new − 1 with
//     g_i(0) = s_i, commitments D_i (D_i[0] must equal the old public share pk_i: a dealer
//     resharing anything else is caught in public), and g_i(j) encrypted to each new member j.
//  2. Every member echoes the hashes of the dealings it received; new members complain about
//     sub-shares that do not decrypt or do not match D_i(j).
//  3. Dealers reveal the sub-shares of their accusers; everyone publishes the dealings echoes
//     disagree about (so a dealer that sent different commitments to different members is
//     disqualified on the signed evidence).
//  Then every member computes the same qualified set, uses its t_old lowest indices T, and each
//  new member j sets s'_j = Σ_{i∈T} λ_i g_i(j); the new commitment Σ λ_i D_i must have the old
//  group key as its constant term, and gives every new member's public share.

/// One key being reshared.
public struct ReshareKey: Sendable, Equatable {
    /// Domain-separating name ("validator/0", "ballot"): in the transcript, not in the maths.
    public let context: [UInt8]
    /// The group key; resharing must leave it unchanged.
    public let groupKey: PublicKey
    /// pk_i for every old member.
    public let oldPublicShares: [MemberIndex: PublicKey]

    public init(context: [UInt8], groupKey: PublicKey, oldPublicShares: [MemberIndex: PublicKey]) {
        self.context = context
        self.groupKey = groupKey
        self.oldPublicShares = oldPublicShares
    }
}

/// Everything old and new members agree on before a resharing.
public struct ReshareConfiguration: Sendable {
    public let sessionID: SessionID
    /// The epoch being reshared into (old epoch + 1); every message carries it.
    public let epoch: UInt64
    /// Old and new members, ascending index (indices are never reused, so a member in both
    /// committees has one entry).
    public let roster: [MemberIdentity]
    public let oldMembers: [MemberIndex]
    public let oldThreshold: Int
    public let newMembers: [MemberIndex]
    public let newThreshold: Int
    public let keys: [ReshareKey]

    /// - Throws: `ReshareError.invalidParameters` / `.invalidNewCommittee` when the committees
    ///   are not subsets of the roster, thresholds are out of range, identity keys repeat or an
    ///   old public share is missing.
    public init(sessionID: SessionID, epoch: UInt64, roster: [MemberIdentity], oldMembers: [MemberIndex], oldThreshold: Int,
                newMembers: [MemberIndex], newThreshold: Int, keys: [ReshareKey]) throws(ReshareError) {
        let indices = roster.map(\.index)
        guard indices == indices.sorted(), Set(indices).count == indices.count else {
            throw .invalidParameters("roster indices must be distinct and ascending")
        }
        guard Set(roster.map(\.signingKey)).count == roster.count, Set(roster.map(\.encryptionKey)).count == roster.count else {
            throw .invalidParameters("two members share an identity key")
        }
        let all = Set(indices)
        let old = oldMembers.sorted(), new = newMembers.sorted()
        guard Set(old).count == old.count, Set(old).isSubset(of: all), !old.isEmpty else {
            throw .invalidParameters("old committee must be distinct roster members")
        }
        guard Set(new).count == new.count, Set(new).isSubset(of: all), new.count >= 1 else {
            throw .invalidNewCommittee("new committee must be distinct roster members")
        }
        guard all == Set(old).union(new) else { throw .invalidParameters("every roster member is old, new or both") }
        guard oldThreshold >= 1, oldThreshold <= old.count else { throw .invalidParameters("old threshold \(oldThreshold) of \(old.count)") }
        guard newThreshold >= 1, newThreshold <= new.count else { throw .invalidNewCommittee("new threshold \(newThreshold) of \(new.count)") }
        guard !keys.isEmpty, keys.count <= Int(UInt16.max), Set(keys.map(\.context)).count == keys.count else {
            throw .invalidParameters("1…65535 keys with distinct contexts")
        }
        for (k, key) in keys.enumerated() where Set(key.oldPublicShares.keys) != Set(old) {
            throw .invalidParameters("key \(k): old public shares must be given for exactly the old committee")
        }
        self.sessionID = sessionID
        self.epoch = epoch
        self.roster = roster
        self.oldMembers = old
        self.oldThreshold = oldThreshold
        self.newMembers = new
        self.newThreshold = newThreshold
        self.keys = keys
    }

    public var keyCount: Int { keys.count }

    /// SHA-256 over the canonical encoding of the whole configuration.
    public var digest: [UInt8] {
        var t = Transcript(domain: "vring/reshare/v1/configuration")
        t.append("session", sessionID.bytes)
        t.append("epoch", u64: epoch)
        for m in roster {
            t.append("member", u64: UInt64(m.index.value))
            t.append("signing key", m.signingKey.bytes)
            t.append("encryption key", m.encryptionKey.bytes)
        }
        t.append("old threshold", u64: UInt64(oldThreshold))
        for m in oldMembers { t.append("old member", u64: UInt64(m.value)) }
        t.append("new threshold", u64: UInt64(newThreshold))
        for m in newMembers { t.append("new member", u64: UInt64(m.value)) }
        for key in keys {
            t.append("key context", key.context)
            t.append("group key", key.groupKey.compressed)
            for m in oldMembers { t.append("old public share", key.oldPublicShares[m]!.compressed) }
        }
        return t.digest()
    }

    var setup: ExchangeSetup {
        let oldShares = keys.map(\.oldPublicShares)
        return ExchangeSetup(
            context: EnvelopeContext(protocolKind: .reshare, sessionID: sessionID, epoch: epoch,
                                     signingKeys: Dictionary(uniqueKeysWithValues: roster.map { ($0.index, $0.signingKey) })),
            configurationDigest: digest, roster: roster, dealers: oldMembers, recipients: newMembers, keyCount: keys.count,
            coefficients: newThreshold,
            publicCheck: { dealer, k, commitment in
                // D_i[0] must be the dealer's old public share: it reshares its own share.
                commitment.groupKey == oldShares[k][dealer]!.point ? nil : .commitmentDoesNotMatchPublicShare
            })
    }
}

/// One key after resharing, as every member sees it.
public struct ReshareKeyOutput: Sendable, Equatable {
    public let context: [UInt8]
    /// Unchanged, and checked: the constant term of the new commitment.
    public let groupKey: PublicKey
    /// Σ_{i∈T} λ_i D_i: the Feldman commitment to the new sharing polynomial.
    public let commitment: FeldmanCommitment
    /// pk'_j for every new member, in the order of `newMembers`.
    public let publicShares: [PublicKey]
}

/// The public result of a successful resharing: identical at every honest member.
public struct ReshareOutput: Sendable, Equatable {
    public let epoch: UInt64
    public let newMembers: [MemberIndex]
    public let newThreshold: Int
    public let keys: [ReshareKeyOutput]
    /// Old members whose dealings stand, ascending.
    public let qualified: [MemberIndex]
    /// The t_old lowest qualified dealers, whose dealings were combined.
    public let dealersUsed: [MemberIndex]
    public let blame: [Blame]
    /// SHA-256 over everything that determined the output.
    public let transcriptHash: [UInt8]

    /// pk'_j of key `key` for new member `member`.
    public func publicShare(key: Int, member: MemberIndex) -> PublicKey? {
        newMembers.firstIndex(of: member).map { keys[key].publicShares[$0] }
    }
}

/// A resharing that ended without t_old qualified dealers (or whose result failed a check).
public struct ReshareFailure: Sendable, Equatable, CustomStringConvertible {
    public let qualified: [MemberIndex]
    public let needed: Int
    public let blame: [Blame]
    public let transcriptHash: [UInt8]
    /// Set when the dealers qualified but the result did not check out.
    public let error: ReshareError?

    public var description: String {
        (error.map { "\($0); " } ?? "") + "\(qualified.count) qualified dealer(s), need \(needed)"
            + (blame.isEmpty ? "" : ": " + blame.map(\.description).joined(separator: "; "))
    }
}

/// What a member does in a resharing, from the configuration and whether it holds old shares.
public enum ReshareRole: Sendable, Equatable {
    /// Old member not in the new committee: deals, then keeps nothing.
    case leaving
    /// In both committees: deals and receives.
    case continuing
    /// New member: receives.
    case joining
}

/// One member's side of a resharing.
public final class ReshareProtocol {
    public enum Phase: Int, Sendable, Comparable {
        case created = 0
        /// Dealt (or not a dealer); collecting dealings until the round-1 deadline.
        case dealing = 1
        /// Echo sent; collecting echoes until the round-2 deadline.
        case echoing = 2
        /// Justification sent; collecting them until the round-3 deadline.
        case justifying = 3
        case finished = 4
        case failed = 5
        public static func < (a: Phase, b: Phase) -> Bool { a.rawValue < b.rawValue }
    }

    /// Behaviour only a simulated adversary switches on.
    package struct Misbehaviour: Sendable {
        /// New members whose box holds random sub-shares (the dealer reveals the right ones).
        package var corruptSubSharesFor: Set<MemberIndex> = []
        /// Reveals wrong sub-shares when accused.
        package var revealsWrongSubShares = false
        /// Deals a polynomial whose constant term is a random value, not its share.
        package var dealsWrongSecret = false
        package init() {}
    }

    public let configuration: ReshareConfiguration
    public let index: MemberIndex
    public let role: ReshareRole
    public private(set) var phase: Phase = .created
    package var misbehaviour = Misbehaviour()

    private let exchange: DealingExchange
    private var oldShares: KeyShares?
    private var newShares: KeyShares?

    /// The result once `phase == .finished`.
    public private(set) var output: ReshareOutput?
    /// The reason once `phase == .failed`.
    public private(set) var failure: ReshareFailure?

    /// - Parameters:
    ///   - oldShares: An old member's shares of every key (nil for a joining member, or an old
    ///     member that lost them: it then does not deal).
    /// - Throws: `ReshareError.invalidParameters` when the keys do not match the roster or the
    ///   old shares do not match their public shares.
    public init(configuration: ReshareConfiguration, index: MemberIndex, signingKey: consuming SigningKey,
                encryptionKey: consuming BoxKey, oldShares: consuming KeyShares?) throws(ReshareError) {
        let isOld = configuration.oldMembers.contains(index), isNew = configuration.newMembers.contains(index)
        guard isOld || isNew else { throw .invalidParameters("member \(index) is in neither committee") }
        role = isOld ? (isNew ? .continuing : .leaving) : .joining
        if let shares = oldShares.take() {
            guard isOld, shares.index == index, shares.keyCount == configuration.keyCount else {
                throw .invalidParameters("old shares of member \(shares.index) for \(shares.keyCount) key(s) do not fit member \(index)")
            }
            let g = G1Projective(G1Affine.generator)
            for k in 0..<shares.keyCount where !(g.multiplied(by: shares.storage.scalar(at: k)) == G1Projective(configuration.keys[k].oldPublicShares[index]!.point)) {
                throw .invalidParameters("old share of key \(k) does not match member \(index)'s public share")
            }
            self.oldShares = consume shares
        }
        self.configuration = configuration
        self.index = index
        exchange = try DealingExchange(setup: configuration.setup, index: index, signingKey: signingKey, boxKey: encryptionKey)
    }

    /// True when every expected message of the current round is in (the driver may then call
    /// `phaseTimeout` early).
    public var isPhaseComplete: Bool { phase >= .finished || exchange.roundComplete }

    /// Hands over the new shares once, after a successful resharing (new members only).
    public func takeNewShares() -> KeyShares? { newShares.take() }

    // MARK: - Inputs

    /// Round 1. Returns the signed dealing to broadcast, or nil for a member that does not deal.
    /// - Throws: `ReshareError.invalidParameters` unless called once, first.
    public func start(using rng: inout some RandomNumberGenerator) throws(ReshareError) -> [UInt8]? {
        guard phase == .created else { throw .invalidParameters("start() is the first call and happens once") }
        phase = .dealing
        guard let shares = oldShares.take() else { return nil }
        exchange.misbehaviour = DealerMisbehaviour(corruptSubSharesFor: misbehaviour.corruptSubSharesFor,
                                                   revealsWrongSubShares: misbehaviour.revealsWrongSubShares)
        var coefficients: [[Fr]] = []
        for k in 0..<shares.keyCount {
            var row = [misbehaviour.dealsWrongSecret ? Fr.random(using: &rng) : shares.storage.scalar(at: k)]
            for _ in 1..<configuration.newThreshold { row.append(Fr.random(using: &rng)) }
            coefficients.append(row)
        }
        _ = consume shares
        let message = exchange.makeDealing(coefficients: &coefficients, using: &rng)
        try exchange.acceptOwn(message)
        return message.encoded
    }

    /// Accepts one envelope from the network.
    /// - Returns: `.accepted`, or `.duplicate` for an identical copy of an accepted message.
    /// - Throws: `ProtocolMessageError` naming why the message was rejected.
    @discardableResult
    public func receive(_ bytes: [UInt8]) throws(ProtocolMessageError) -> ReceiveOutcome {
        guard phase < .finished else {
            let e = try ProtocolEnvelope(decoding: bytes, context: exchange.setup.context)
            throw .late(sender: e.sender, kind: e.kind)
        }
        switch try exchange.receive(bytes) {
        case .handled(let outcome): return outcome
        case .other(let e): throw .unknownKind(e.kind.rawValue)
        }
    }

    /// The driver's deadline for the current round passed (or `isPhaseComplete`): closes the
    /// round and returns the next message to broadcast; nil once the protocol ended (see
    /// `output` / `failure`).
    /// - Throws: `.invalidParameters` before `start` or after the end; `.internalInconsistency`
    ///   when this member's own result fails its self-check.
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
            exchange.openRound = 5
            try finish()
            return nil
        case .finished, .failed: throw .invalidParameters("the resharing has ended")
        }
    }

    // MARK: - Finish

    private func finish() throws(ReshareError) {
        let decision = exchange.decide()
        let c = configuration
        func fail(_ error: ReshareError?) {
            failure = ReshareFailure(qualified: decision.qualified, needed: c.oldThreshold, blame: decision.blame,
                                     transcriptHash: decision.transcript.digest(), error: error)
            phase = .failed
        }
        guard decision.qualified.count >= c.oldThreshold else { return fail(nil) }
        let used = Array(decision.qualified.prefix(c.oldThreshold))
        let lambdas: [Fr]
        do { lambdas = try Lagrange.coefficientsAtZero(used) } catch { throw .internalInconsistency("\(error)") }
        var transcript = decision.transcript
        for d in used { transcript.append("dealer used", u64: UInt64(d.value)) }
        var keys: [ReshareKeyOutput] = []
        let mine = c.newMembers.firstIndex(of: index)
        var own = SecureBytes(count: 32 * c.keyCount)
        let g = G1Projective(G1Affine.generator)
        for k in 0..<c.keyCount {
            // Σ λ_i D_i, coefficient by coefficient (public data: variable time).
            let combined = batchNormalizeVartime((0..<c.newThreshold).map { l in
                multiScalarMultiplyVartime(points: used.map { decision.commitments[$0]![k].coefficients[l] }, scalars: lambdas)
            })
            let commitment = FeldmanCommitment(coefficients: combined)
            guard commitment.groupKey == c.keys[k].groupKey.point else { return fail(.groupKeyMismatch) }
            let publicShares = batchNormalizeVartime(c.newMembers.map { commitment.evaluate(at: $0) })
            if let mine {
                var s = Fr.zero
                for (i, dealer) in used.enumerated() {
                    s = s + lambdas[i] * (try exchange.subShare(from: dealer, key: k, decision: decision))
                }
                guard !s.isZero, g.multiplied(by: s) == G1Projective(publicShares[mine]) else {
                    throw .internalInconsistency("own new share of key \(k) does not match the new commitment")
                }
                own.setScalar(s, at: k)
                s = .zero
            }
            keys.append(ReshareKeyOutput(context: c.keys[k].context, groupKey: c.keys[k].groupKey, commitment: commitment,
                                         publicShares: publicShares.map { PublicKey(unchecked: $0) }))
            for p in publicShares { transcript.append("new public share", p.compressed()) }
        }
        if mine != nil { newShares = KeyShares(index: index, storage: own, keyCount: c.keyCount) }
        output = ReshareOutput(epoch: c.epoch, newMembers: c.newMembers, newThreshold: c.newThreshold, keys: keys,
                               qualified: decision.qualified, dealersUsed: used, blame: decision.blame,
                               transcriptHash: transcript.digest())
        phase = .finished
    }
}
