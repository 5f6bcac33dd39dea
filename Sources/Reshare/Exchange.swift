import BLS12381
import DKG
import Primitives
import Threshold

// The three rounds resharing and repair share: verifiable dealings with encrypted sub-shares,
// an echo round that exposes dealers who sent different dealings to different members, and
// complaints answered in public. This is the DKG's flow (Sources/DKG/DKG.swift: Pedersen 1991,
// GJKR 2007 complaints, an echo round against equivocation) with the roles split: the dealers,
// the recipients of sub-shares and the rest of the roster can be different sets, and what a
// dealing must satisfy in public (D[0] = the dealer's old public share when resharing; a mask
// that vanishes at the repaired index) is a parameter.
//
// Agreement rests on the same assumption as the DKG: a message an honest member sends reaches
// every live member before the round's deadline (the transport retransmits; a copy that never
// arrives is the sender's fault, see docs/PROTOCOLS.md). A lost or late *dealing* is handled
// inside the protocol: its recipient echoes "none", the dealing is published as evidence and
// the dealer reveals the recipient's sub-share.

/// A member's secret shares of K keys (resharing input or output, repair input or output), in
/// secure memory, printed as nothing.
public struct KeyShares: ~Copyable, Sendable {
    public let index: MemberIndex
    public let keyCount: Int
    var storage: SecureBytes

    init(index: MemberIndex, storage: consuming SecureBytes, keyCount: Int) {
        self.index = index
        self.storage = storage
        self.keyCount = keyCount
    }

    /// Collects a member's K shares.
    /// - Parameters:
    ///   - share: Called once per key k in 0..<keyCount.
    /// - Throws: `ReshareError.invalidParameters` when a share carries another index.
    public init(index: MemberIndex, keyCount: Int, share: (Int) -> SecretShare) throws(ReshareError) {
        guard keyCount >= 1 else { throw .invalidParameters("at least one key") }
        var storage = SecureBytes(count: 32 * keyCount)
        for k in 0..<keyCount {
            let s = share(k)
            guard s.index == index else { throw .invalidParameters("share \(k) belongs to member \(s.index), not \(index)") }
            s.key.withScalar { storage.setScalar($0, at: k) }
        }
        self.index = index
        self.keyCount = keyCount
        self.storage = storage
    }

    /// Room for a member's K shares, filled one at a time with `set(_:key:)` (for callers that
    /// load shares one by one). A slot never set holds zero, which matches no public share, so a
    /// protocol given it refuses it.
    public init(index: MemberIndex, keyCount: Int) {
        self.index = index
        self.keyCount = keyCount
        storage = SecureBytes(count: 32 * max(keyCount, 0))
    }

    /// Stores the share of key `key`.
    /// - Throws: `ReshareError.invalidParameters` for a key out of range or another member's share.
    public mutating func set(_ share: borrowing SecretShare, key: Int) throws(ReshareError) {
        guard key >= 0, key < keyCount else { throw .invalidParameters("key \(key) of \(keyCount)") }
        guard share.index == index else { throw .invalidParameters("share belongs to member \(share.index), not \(index)") }
        share.key.withScalar { storage.setScalar($0, at: key) }
    }

    /// The share of key `key` (0-based).
    /// - Throws: `ReshareError.invalidParameters` for a key out of range,
    ///   `.internalInconsistency` for a zero share.
    public func share(key: Int) throws(ReshareError) -> SecretShare {
        guard key >= 0, key < keyCount else { throw .invalidParameters("key \(key) of \(keyCount)") }
        do { return SecretShare(index: index, key: try SecretKey(scalar: storage.scalar(at: key))) } catch {
            throw .internalInconsistency("share is zero")
        }
    }
}

extension SecureBytes {
    /// The canonical big-endian scalar in 32-byte slot `slot`.
    func scalar(at slot: Int) -> Fr {
        withUnsafeBytes { Fr(bigEndian: UnsafeRawBufferPointer(rebasing: $0[(32 * slot)..<(32 * slot + 32)]))! }
    }
    /// Writes `value` into 32-byte slot `slot`, wiping the temporary encoding.
    mutating func setScalar(_ value: Fr, at slot: Int) {
        var bytes = value.bigEndianBytes
        withUnsafeMutableBytes { dst in for i in 0..<32 { dst[32 * slot + i] = bytes[i] } }
        bytes.withUnsafeMutableBytes { secureZero($0) }
    }
    /// Copies `count` slots from `source` starting at `from` into this buffer at `to`.
    mutating func copySlots(from source: borrowing SecureBytes, at from: Int, to: Int, count: Int) {
        source.withUnsafeBytes { src in
            withUnsafeMutableBytes { dst in
                UnsafeMutableRawBufferPointer(rebasing: dst[(32 * to)..<(32 * (to + count))])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: src[(32 * from)..<(32 * (from + count))]))
            }
        }
    }
}

/// The roles and public rules of one exchange.
struct ExchangeSetup: Sendable {
    let context: EnvelopeContext
    /// The configuration digest: first item of the transcript.
    let configurationDigest: [UInt8]
    /// Everyone taking part, ascending index.
    let roster: [MemberIdentity]
    /// Who deals (ascending).
    let dealers: [MemberIndex]
    /// Who receives sub-shares and may complain (ascending).
    let recipients: [MemberIndex]
    let keyCount: Int
    /// Coefficients per Feldman commitment (the degree plus one).
    let coefficients: Int
    /// What a dealing must satisfy in public, per key; nil when it does.
    let publicCheck: @Sendable (_ dealer: MemberIndex, _ key: Int, _ commitment: FeldmanCommitment) -> BlameReason?

    func identity(_ m: MemberIndex) -> MemberIdentity? { roster.first { $0.index == m } }
}

/// Misbehaviour only a simulated adversary switches on.
struct DealerMisbehaviour {
    /// Recipients whose box holds random sub-shares (the dealer keeps, and reveals, the right ones).
    var corruptSubSharesFor: Set<MemberIndex> = []
    /// Reveals wrong sub-shares when accused.
    var revealsWrongSubShares = false
}

/// The verdict of rounds 1–3, identical at every honest member that saw the same broadcasts.
struct ExchangeDecision {
    /// Dealers whose dealings stand, ascending.
    let qualified: [MemberIndex]
    /// Their commitments, per key.
    let commitments: [MemberIndex: [FeldmanCommitment]]
    let blame: [Blame]
    /// Covers the configuration, every counted message and the verdict.
    var transcript: Transcript
    /// For each qualified dealer, the recipients whose sub-shares it revealed in public.
    let accusers: [MemberIndex: [MemberIndex]]
}

/// One member's side of the three rounds.
final class DealingExchange {
    struct StoredDealing {
        let envelope: ProtocolEnvelope
        let body: DealingBody
        let hash: [UInt8]
        let publicFault: BlameReason?
    }
    enum Routed {
        case handled(ReceiveOutcome)
        /// A kind the exchange does not handle (repair's masked shares), envelope checked.
        case other(ProtocolEnvelope)
    }

    let setup: ExchangeSetup
    let index: MemberIndex
    let signingKey: SigningKey
    let boxKey: BoxKey
    var misbehaviour = DealerMisbehaviour()
    /// Messages of this kind or later are accepted (1 while dealing; 5 once closed).
    var openRound: UInt8 = 1

    private(set) var dealings: [MemberIndex: StoredDealing] = [:]
    private(set) var echoes: [MemberIndex: (envelope: ProtocolEnvelope, body: EchoBody)] = [:]
    private(set) var justifications: [MemberIndex: (envelope: ProtocolEnvelope, body: JustificationBody)] = [:]
    private var conflictEvidence: [[UInt8]] = []
    private var locallyEquivocatingDealers: Set<MemberIndex> = []
    private let dealerPosition: [MemberIndex: Int]
    private let recipientPosition: [MemberIndex: Int]
    private var K: Int { setup.keyCount }

    /// This dealer's sub-shares: slot (recipient position)·K + k.
    private var dealt: SecureBytes?
    /// Sub-shares received: slot (dealer position)·K + k, valid where `verified`.
    private var received: SecureBytes
    private var verified: [Bool]

    init(setup: ExchangeSetup, index: MemberIndex, signingKey: consuming SigningKey, boxKey: consuming BoxKey) throws(ReshareError) {
        guard let entry = setup.identity(index) else { throw .invalidParameters("member \(index) is not in the roster") }
        guard entry.signingKey == signingKey.publicKey, entry.encryptionKey == boxKey.publicKey else {
            throw .invalidParameters("identity keys do not match roster entry \(index)")
        }
        self.setup = setup
        self.index = index
        self.signingKey = signingKey
        self.boxKey = boxKey
        dealerPosition = Dictionary(uniqueKeysWithValues: setup.dealers.enumerated().map { ($0.element, $0.offset) })
        recipientPosition = Dictionary(uniqueKeysWithValues: setup.recipients.enumerated().map { ($0.element, $0.offset) })
        received = SecureBytes(count: 32 * setup.dealers.count * setup.keyCount)
        verified = Array(repeating: false, count: setup.dealers.count)
    }

    var isDealer: Bool { dealerPosition[index] != nil }
    var isRecipient: Bool { recipientPosition[index] != nil }

    /// Whether every expected message of the open round is in.
    var roundComplete: Bool {
        switch openRound {
        case 1: dealings.count == setup.dealers.count
        case 2: echoes.count == setup.roster.count
        case 3: justifications.count == setup.roster.count
        default: true
        }
    }

    // MARK: - Receiving

    func receive(_ bytes: [UInt8]) throws(ProtocolMessageError) -> Routed {
        let e = try ProtocolEnvelope(decoding: bytes, context: setup.context)
        guard e.kind.rawValue >= openRound, openRound <= 4 else { throw .late(sender: e.sender, kind: e.kind) }
        switch e.kind {
        case .dealing:
            guard dealerPosition[e.sender] != nil else { throw .unexpectedSender(sender: e.sender, kind: e.kind) }
            let body = try DealingBody(decoding: e.body, keyCount: K, coefficients: setup.coefficients, recipients: setup.recipients)
            if let existing = dealings[e.sender] {
                try checkReplay(existing.envelope, e)
                return .handled(.duplicate)
            }
            dealings[e.sender] = StoredDealing(envelope: e, body: body, hash: e.bodyHash, publicFault: publicFault(body, dealer: e.sender))
        case .echo:
            let body = try EchoBody(decoding: e.body, dealers: setup.dealers)
            if let existing = echoes[e.sender] {
                try checkReplay(existing.envelope, e)
                return .handled(.duplicate)
            }
            echoes[e.sender] = (e, body)
        case .justification:
            let body = try JustificationBody(decoding: e.body, keyCount: K, recipients: setup.recipients, rosterCount: setup.roster.count)
            if let existing = justifications[e.sender] {
                try checkReplay(existing.envelope, e)
                return .handled(.duplicate)
            }
            justifications[e.sender] = (e, body)
        case .maskedShare:
            return .other(e)
        }
        return .handled(.accepted)
    }

    /// Same content: a duplicate. Different content under a valid signature: equivocation,
    /// kept as evidence for round 3.
    func checkReplay(_ existing: ProtocolEnvelope, _ new: ProtocolEnvelope) throws(ProtocolMessageError) {
        if existing.bodyHash == new.bodyHash { return }
        for b in [existing.encoded, new.encoded] where !conflictEvidence.contains(b) { conflictEvidence.append(b) }
        if new.kind == .dealing { locallyEquivocatingDealers.insert(new.sender) }
        throw .equivocation(sender: new.sender, kind: new.kind)
    }

    func acceptOwn(_ e: ProtocolEnvelope) throws(ReshareError) {
        do { _ = try receive(e.encoded) } catch { throw .internalInconsistency("own \(e.kind) message rejected: \(error)") }
    }

    private func publicFault(_ body: DealingBody, dealer: MemberIndex) -> BlameReason? {
        for (k, c) in body.commitments.enumerated() {
            if let fault = setup.publicCheck(dealer, k, c) { return fault }
        }
        return nil
    }

    // MARK: - Round 1: dealing

    /// Deals polynomials given by their coefficients, per key (wiped here), and signs the dealing.
    func makeDealing(coefficients: inout [[Fr]], using rng: inout some RandomNumberGenerator) -> ProtocolEnvelope {
        let g = G1Projective(G1Affine.generator)
        let m = setup.recipients.count
        var shares = SecureBytes(count: 32 * m * K)
        var commitments: [FeldmanCommitment] = []
        for k in 0..<K {
            // The coefficients are secret: constant-time multiplications, one shared normalisation.
            commitments.append(FeldmanCommitment(coefficients: batchNormalizeVartime(coefficients[k].map { g.multiplied(by: $0) })))
            for (p, j) in setup.recipients.enumerated() {
                let x = j.scalar
                var y = Fr.zero
                for a in coefficients[k].reversed() { y = y * x + a }  // Horner, constant time
                shares.setScalar(y, at: p * K + k)
                y = .zero
            }
            for l in coefficients[k].indices { coefficients[k][l] = .zero }
        }
        var boxes: [DealingBody.SealedSubShares] = []
        for (p, j) in setup.recipients.enumerated() {
            var plaintext = SecureBytes(count: 32 * K)
            if misbehaviour.corruptSubSharesFor.contains(j) {
                for k in 0..<K { plaintext.setScalar(Fr.random(using: &rng), at: k) }
            } else {
                plaintext.copySlots(from: shares, at: p * K, to: 0, count: K)
            }
            let nonce = (0..<BoxKey.nonceByteCount).map { _ in UInt8.random(in: 0...255, using: &rng) }
            // Roster keys were accepted by libsodium when generated; a refused one is a roster bug.
            let box = try! boxKey.seal(plaintext, to: setup.identity(j)!.encryptionKey, nonce: nonce)
            boxes.append(.init(recipient: j, nonce: nonce, box: box))
        }
        dealt = consume shares
        return ProtocolEnvelope.sign(kind: .dealing, body: DealingBody(commitments: commitments, boxes: boxes).encode(),
                                     context: setup.context, sender: index, key: signingKey)
    }

    // MARK: - Round 2: echo and complaints

    func makeEcho() -> ProtocolEnvelope {
        var complaints: [MemberIndex] = []
        if let me = recipientPosition[index] {
            let g = G1Projective(G1Affine.generator)
            for (p, dealer) in setup.dealers.enumerated() {
                guard let d = dealings[dealer], d.publicFault == nil else { continue }  // judged in public
                let sealed = d.body.boxes[me]
                guard let plaintext = try? boxKey.open(sealed.box, from: setup.identity(dealer)!.encryptionKey, nonce: sealed.nonce) else {
                    complaints.append(dealer); continue
                }
                var good = true
                plaintext.withUnsafeBytes { src in
                    for k in 0..<K {
                        guard let s = Fr(bigEndian: UnsafeRawBufferPointer(rebasing: src[(32 * k)..<(32 * k + 32)])) else { good = false; break }
                        // [s]G in constant time (s is secret); the commitment side is public.
                        if !(g.multiplied(by: s) == d.body.commitments[k].evaluate(at: index)) { good = false; break }
                    }
                }
                guard good else { complaints.append(dealer); continue }
                received.copySlots(from: plaintext, at: 0, to: p * K, count: K)
                verified[p] = true
            }
        }
        let body = EchoBody(dealHashes: setup.dealers.map { dealings[$0]?.hash }, complaints: complaints)
        return ProtocolEnvelope.sign(kind: .echo, body: body.encode(), context: setup.context, sender: index, key: signingKey)
    }

    // MARK: - Round 3: justification

    private func echoesDisagree(about dealer: MemberIndex, position p: Int, in view: [(MemberIndex, EchoBody)]) -> Bool {
        Set(view.filter { $0.0 != dealer }.map { $0.1.dealHashes[p] }).count > 1
    }

    func makeJustification() -> ProtocolEnvelope {
        let view = echoes.keys.sorted().map { ($0, echoes[$0]!.body) }
        var evidence = conflictEvidence
        for (p, dealer) in setup.dealers.enumerated() {
            guard let d = dealings[dealer] else { continue }
            if echoesDisagree(about: dealer, position: p, in: view) || locallyEquivocatingDealers.contains(dealer),
               !evidence.contains(d.envelope.encoded) {
                evidence.append(d.envelope.encoded)
            }
        }
        var reveals: [JustificationBody.Reveal] = []
        if let own = dealings[index], let p = dealerPosition[index], dealt != nil {
            for (member, echo) in view where member != index {
                guard let q = recipientPosition[member], echo.complaints.contains(index) || echo.dealHashes[p] != own.hash else { continue }
                var values = (0..<K).map { dealt!.scalar(at: q * K + $0) }
                if misbehaviour.revealsWrongSubShares { values = values.map { $0 + .one } }
                reveals.append(.init(accuser: member, subShares: values))
            }
        }
        let body = JustificationBody(reveals: reveals, evidence: evidence)
        return ProtocolEnvelope.sign(kind: .justification, body: body.encode(), context: setup.context, sender: index, key: signingKey)
    }

    // MARK: - Verdict

    func decide() -> ExchangeDecision {
        let protocolName = setup.context.protocolKind.description
        // 1. Evidence published in round 3 (public: the same for every honest member).
        var publicDealings: [MemberIndex: [[UInt8]: StoredDealing]] = [:]
        var publishedBodies: [MemberIndex: [ProtocolMessageKind: Set<[UInt8]>]] = [:]
        for sender in justifications.keys.sorted() {
            for bytes in justifications[sender]!.body.evidence {
                guard let e = try? ProtocolEnvelope(decoding: bytes, context: setup.context) else { continue }
                publishedBodies[e.sender, default: [:]][e.kind, default: []].insert(e.bodyHash)
                if e.kind == .dealing, dealerPosition[e.sender] != nil,
                   let body = try? DealingBody(decoding: e.body, keyCount: K, coefficients: setup.coefficients, recipients: setup.recipients) {
                    publicDealings[e.sender, default: [:]][e.bodyHash] = StoredDealing(
                        envelope: e, body: body, hash: e.bodyHash, publicFault: publicFault(body, dealer: e.sender))
                }
            }
        }
        var disqualified: [MemberIndex: BlameReason] = [:]
        var blamed: [Blame] = []
        func disqualify(_ m: MemberIndex, _ reason: BlameReason) {
            if disqualified[m] == nil { disqualified[m] = reason }
        }
        for (member, kinds) in publishedBodies.sorted(by: { $0.key < $1.key }) {
            for kind in [ProtocolMessageKind.echo, .justification] where (kinds[kind]?.count ?? 0) >= 2 {
                blamed.append(Blame(index: member, reason: .messageEquivocation(kind)))
            }
        }
        // 2. Echoes that count: not from a member proven to have sent two.
        let view = echoes.keys.sorted()
            .filter { (publishedBodies[$0]?[.echo]?.count ?? 0) < 2 }
            .map { ($0, echoes[$0]!.body) }

        // 3. Decide each dealer's dealing.
        var decided: [MemberIndex: StoredDealing] = [:]
        var falseEchoes: [(MemberIndex, MemberIndex)] = []
        for (p, dealer) in setup.dealers.enumerated() {
            // A dealer cannot vouch for the delivery of its own dealing.
            let statuses = view.filter { $0.0 != dealer }.map { ($0.0, $0.1.dealHashes[p]) }
            let distinct = Set(statuses.map(\.1))
            let published = publicDealings[dealer] ?? [:]
            if published.count >= 2 { disqualify(dealer, .dealingEquivocation); continue }
            let dealing: StoredDealing
            if distinct.count <= 1 {
                guard let agreed = distinct.first ?? nil else { disqualify(dealer, .noDealingByDeadline); continue }
                if let p = published.first, p.key != agreed { disqualify(dealer, .dealingEquivocation); continue }
                guard let d = published[agreed] ?? (dealings[dealer]?.hash == agreed ? dealings[dealer] : nil) else {
                    disqualify(dealer, .inconsistentDealings); continue
                }
                dealing = d
            } else {
                guard let d = published.values.first else { disqualify(dealer, .inconsistentDealings); continue }
                dealing = d
                for (member, status) in statuses where status != nil && status != dealing.hash { falseEchoes.append((member, dealer)) }
            }
            if let fault = dealing.publicFault { disqualify(dealer, fault); continue }
            decided[dealer] = dealing
        }
        for (member, dealer) in falseEchoes { blamed.append(Blame(index: member, reason: .falseEcho(dealer: dealer))) }

        // 4. Complaints (explicit, or a recipient's echo that does not name the decided dealing)
        //    must be answered with sub-shares that match the commitments.
        var accusersOf: [MemberIndex: [MemberIndex]] = [:]
        let g = G1Projective(G1Affine.generator)
        for (dealer, dealing) in decided.sorted(by: { $0.key < $1.key }) where disqualified[dealer] == nil {
            let p = dealerPosition[dealer]!
            let accusers = view.filter {
                $0.0 != dealer && recipientPosition[$0.0] != nil && ($0.1.complaints.contains(dealer) || $0.1.dealHashes[p] != dealing.hash)
            }.map(\.0)
            accusersOf[dealer] = accusers
            guard let first = accusers.first else { continue }
            guard let answer = justifications[dealer]?.body else { disqualify(dealer, .unansweredComplaint(accuser: first)); continue }
            for accuser in accusers {
                guard let reveal = answer.reveals.first(where: { $0.accuser == accuser }),
                      zip(dealing.body.commitments, reveal.subShares).allSatisfy({ c, s in c.evaluate(at: accuser) == g.multipliedVartime(by: s) })
                else { disqualify(dealer, .invalidJustification(accuser: accuser)); break }
            }
        }

        // 5. Qualified dealers and blame.
        let qualified = decided.keys.filter { disqualified[$0] == nil }.sorted()
        blamed += disqualified.map { Blame(index: $0.key, reason: $0.value) }
        for member in setup.roster.map(\.index) where disqualified[member] == nil {
            if echoes[member] == nil {
                blamed.append(Blame(index: member, reason: .silent(.echo)))
            } else if justifications[member] == nil {
                blamed.append(Blame(index: member, reason: .silent(.justification)))
            }
        }
        var seen = Set<String>()
        let blame = blamed.filter { seen.insert("\($0.index) \($0.reason)").inserted }
            .sorted { ($0.index, $0.reason.description) < ($1.index, $1.reason.description) }

        var transcript = Transcript(domain: "vring/\(protocolName)/v1/transcript")
        transcript.append("configuration", setup.configurationDigest)
        for member in setup.roster.map(\.index) {
            transcript.append("dealing", qualified.contains(member) ? decided[member]!.hash : [])
            transcript.append("echo", view.contains(where: { $0.0 == member }) ? echoes[member]!.envelope.bodyHash : [])
            transcript.append("justification", justifications[member]?.envelope.bodyHash ?? [])
        }
        for q in qualified { transcript.append("qualified", u64: UInt64(q.value)) }
        for b in blame {
            transcript.append("blame", u64: UInt64(b.index.value))
            transcript.append("reason", Array(b.reason.description.utf8))
        }
        return ExchangeDecision(qualified: qualified, commitments: decided.filter { disqualified[$0.key] == nil }.mapValues(\.body.commitments),
                                blame: blame, transcript: transcript, accusers: accusersOf)
    }

    /// This recipient's sub-share of key `key` from a qualified dealer: the one it verified, or
    /// the one revealed in public after its complaint.
    func subShare(from dealer: MemberIndex, key: Int, decision: ExchangeDecision) throws(ReshareError) -> Fr {
        if decision.accusers[dealer]?.contains(index) == true {
            guard let reveal = justifications[dealer]?.body.reveals.first(where: { $0.accuser == index }) else {
                throw .internalInconsistency("no revealed sub-share from qualified dealer \(dealer)")
            }
            return reveal.subShares[key]
        }
        guard let p = dealerPosition[dealer], verified[p] else {
            throw .internalInconsistency("no verified sub-share from qualified dealer \(dealer)")
        }
        return received.scalar(at: p * K + key)
    }

    /// Signs a message of another kind (repair's masked shares) with this member's key.
    func sign(_ kind: ProtocolMessageKind, body: [UInt8]) -> ProtocolEnvelope {
        ProtocolEnvelope.sign(kind: kind, body: body, context: setup.context, sender: index, key: signingKey)
    }
}
