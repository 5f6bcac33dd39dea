import BLS12381
import Primitives
import Threshold

// Joint-Feldman distributed key generation (Pedersen 1991; the complaint/justification flow of
// Gennaro–Jarecki–Krawczyk–Rabin 2007 without their Pedersen-commitment first phase), with a
// Schnorr proof of knowledge of each constant term (Komlo–Goldberg 2020) and an echo round
// that detects dealers who send different deals to different members. See docs/PROTOCOLS.md,
// "Distributed key generation", for the rules and what they do and do not guarantee.
//
// Key-bias caveat (GJKR 2007 §3): because commitments to the constant terms are public in
// round 1, a rushing adversary can choose, after seeing honest deals, whether its own dealers
// are disqualified and so bias the distribution of the group key (not learn it). That is
// acceptable for BLS signing keys (GJKR 2007 §5 shows such keys stay secure for
// threshold-Schnorr-like uses); it is not a uniformly random key.
//
// The participant is a pure state machine: it takes bytes and returns bytes; randomness comes
// in as a `RandomNumberGenerator` parameter and deadlines as `phaseTimeout` calls.

/// What `receive` did with an accepted envelope.
public enum ReceiveOutcome: Sendable, Equatable {
    case accepted
    /// An identical copy of a message already accepted: ignored.
    case duplicate
}

/// One member's side of the ceremony.
public final class DKGParticipant {
    /// Where the participant is. Messages of a round are accepted until that round closes.
    public enum Phase: Int, Sendable, Comparable {
        /// Created; may already receive deals.
        case created = 0
        /// Dealt; collecting deals until the round-1 deadline.
        case dealing = 1
        /// Echo/complaints sent; collecting them until the round-2 deadline.
        case complaining = 2
        /// Justification sent; collecting them until the round-3 deadline.
        case justifying = 3
        case finished = 4
        case failed = 5
        public static func < (a: Phase, b: Phase) -> Bool { a.rawValue < b.rawValue }
    }

    /// Behaviour that only a simulated adversary switches on (package access).
    package struct Misbehaviour {
        /// Hides the 3-torsion point (0, 2) in the commitments (at x¹ and, negated, at x³, so
        /// that every member's share check still holds: j ≡ j³ mod 3): a dealer trying to push
        /// the group key out of G1.
        package var torsionInCommitments = false
        /// Members whose encrypted share is replaced with a random one (the dealer still keeps,
        /// and reveals, the correct share).
        package var corruptSharesFor: Set<MemberIndex> = []
        /// Reveals wrong shares when accused.
        package var revealsWrongShares = false
        package init() {}
    }

    struct StoredDeal {
        let message: SignedMessage
        let body: DealBody
        let hash: [UInt8]
        /// The first key whose proof of knowledge fails, if any.
        let invalidProof: Int?
    }

    public let configuration: DKGConfiguration
    public let index: MemberIndex
    public private(set) var phase: Phase = .created
    package var misbehaviour = Misbehaviour()

    private let signingKey: SigningKey
    private let encryptionKey: BoxKey
    private var n: Int { configuration.parameters.members }
    private var t: Int { configuration.parameters.threshold }
    private var keyCount: Int { configuration.keyCount }

    private var deals: [MemberIndex: StoredDeal] = [:]
    private var echoes: [MemberIndex: (message: SignedMessage, body: EchoBody)] = [:]
    private var justifications: [MemberIndex: (message: SignedMessage, body: JustificationBody)] = [:]
    /// Envelopes involved in an equivocation seen here (both copies), published in round 3.
    private var conflictEvidence: [[UInt8]] = []
    private var locallyEquivocatingDealers: Set<MemberIndex> = []

    /// This member's polynomial values f_k(m) for every member m: slot (m - 1)·K + k.
    private var dealtShares: SecureBytes?
    /// Shares received from each dealer: slot (d - 1)·K + k, valid where `verifiedShare[d - 1]`.
    private var receivedShares: SecureBytes
    private var verifiedShare: [Bool]
    private var secretShares: SecureBytes?

    /// The result once `phase == .finished`.
    public private(set) var output: DKGPublicOutput?
    /// The reason once `phase == .failed`.
    public private(set) var failure: DKGFailure?

    /// - Parameters:
    ///   - configuration: The agreed ceremony definition.
    ///   - index: This member's index; its identity keys must match the roster entry.
    ///   - signingKey: The member's Ed25519 identity key.
    ///   - encryptionKey: The member's X25519 key.
    /// - Throws: `DKGError.invalidConfiguration` when the keys do not match the roster.
    public init(configuration: DKGConfiguration, index: MemberIndex,
                signingKey: consuming SigningKey, encryptionKey: consuming BoxKey) throws(DKGError) {
        guard Int(index.value) <= configuration.roster.count else {
            throw .invalidConfiguration("member \(index) is not in the roster")
        }
        let entry = configuration.roster[Int(index.value) - 1]
        guard entry.signingKey == signingKey.publicKey, entry.encryptionKey == encryptionKey.publicKey else {
            throw .invalidConfiguration("identity keys do not match roster entry \(index)")
        }
        self.configuration = configuration
        self.index = index
        self.signingKey = signingKey
        self.encryptionKey = encryptionKey
        self.receivedShares = SecureBytes(count: 32 * configuration.parameters.members * configuration.keyCount)
        self.verifiedShare = Array(repeating: false, count: configuration.parameters.members)
    }

    /// True when every member's message for the current round has arrived (the driver may
    /// then call `phaseTimeout` early).
    public var isPhaseComplete: Bool {
        switch phase {
        case .created, .dealing: deals.count == n
        case .complaining: echoes.count == n
        case .justifying: justifications.count == n
        case .finished, .failed: true
        }
    }

    /// Hands over the secret shares once, after a successful ceremony.
    public func takeSecretShares() -> DKGSecretShares? {
        guard let storage = secretShares.take() else { return nil }
        return DKGSecretShares(index: index, storage: storage, keyCount: keyCount)
    }

    // MARK: - Inputs

    /// Round 1: deals. Returns the signed deal to broadcast.
    /// - Throws: `DKGError.wrongPhase` unless called once, first.
    public func start(using rng: inout some RandomNumberGenerator) throws(DKGError) -> [UInt8] {
        guard phase == .created else { throw .wrongPhase("start() is the first call and happens once") }
        let message = makeDeal(using: &rng)
        phase = .dealing
        try acceptOwn(message)
        return message.encoded
    }

    /// Accepts one envelope from the network.
    /// - Returns: `.accepted`, or `.duplicate` for an identical copy of an accepted message.
    /// - Throws: `DKGMessageError` naming why the message was rejected.
    @discardableResult
    public func receive(_ bytes: [UInt8]) throws(DKGMessageError) -> ReceiveOutcome {
        let message = try SignedMessage(decoding: bytes, for: configuration)
        let round = max(phase.rawValue, 1)
        guard Int(message.kind.rawValue) >= round, phase < .finished else {
            throw .late(sender: message.sender, kind: message.kind)
        }
        switch message.kind {
        case .deal:
            let body = try DealBody(decoding: message.body, for: configuration)
            if let existing = deals[message.sender] {
                try checkReplay(existing.message, message)
                return .duplicate
            }
            deals[message.sender] = StoredDeal(message: message, body: body, hash: message.bodyHash,
                                               invalidProof: firstInvalidProof(body, dealer: message.sender))
        case .echo:
            let body = try EchoBody(decoding: message.body, for: configuration)
            if let existing = echoes[message.sender] {
                try checkReplay(existing.message, message)
                return .duplicate
            }
            echoes[message.sender] = (message, body)
        case .justification:
            let body = try JustificationBody(decoding: message.body, for: configuration)
            if let existing = justifications[message.sender] {
                try checkReplay(existing.message, message)
                return .duplicate
            }
            justifications[message.sender] = (message, body)
        }
        return .accepted
    }

    /// The driver's deadline for the current round passed (or `isPhaseComplete`). Closes the
    /// round and returns the next message to broadcast, or nil when the ceremony ended (see
    /// `output` / `failure`).
    /// - Throws: `DKGError.wrongPhase` before `start` or after the end;
    ///   `.internalInconsistency` if this member's own result fails its self-check.
    public func phaseTimeout(using rng: inout some RandomNumberGenerator) throws(DKGError) -> [UInt8]? {
        switch phase {
        case .created: throw .wrongPhase("call start() before the first deadline")
        case .dealing:
            let message = makeEcho(using: &rng)
            phase = .complaining
            try acceptOwn(message)
            return message.encoded
        case .complaining:
            let message = makeJustification()
            phase = .justifying
            try acceptOwn(message)
            return message.encoded
        case .justifying:
            try finish()
            return nil
        case .finished, .failed: throw .wrongPhase("the ceremony has ended")
        }
    }

    private func acceptOwn(_ message: SignedMessage) throws(DKGError) {
        do { try receive(message.encoded) } catch {
            throw .internalInconsistency("own \(message.kind) message rejected: \(error)")
        }
    }

    /// Same content: a duplicate. Different content under a valid signature: equivocation,
    /// kept as evidence for round 3.
    private func checkReplay(_ existing: SignedMessage, _ new: SignedMessage) throws(DKGMessageError) {
        if existing.bodyHash == new.bodyHash { return }
        for e in [existing.encoded, new.encoded] where !conflictEvidence.contains(e) { conflictEvidence.append(e) }
        if new.kind == .deal { locallyEquivocatingDealers.insert(new.sender) }
        throw .equivocation(sender: new.sender, kind: new.kind)
    }

    // MARK: - Round 1: deal

    private func makeDeal(using rng: inout some RandomNumberGenerator) -> SignedMessage {
        let g = G1Projective(G1Affine.generator)
        var dealt = SecureBytes(count: 32 * n * keyCount)
        var keys: [KeyDeal] = []
        for k in 0..<keyCount {
            var coefficients = (0..<t).map { _ in Fr.random(using: &rng) }
            // Commitments are public: constant-time multiplications (the scalars are secret),
            // one shared normalisation.
            var points = coefficients.map { g.multiplied(by: $0) }
            if misbehaviour.torsionInCommitments, t >= 4 {
                let torsion = G1Projective(try! G1Affine(decoding: [0xa0] + [UInt8](repeating: 0, count: 47), subgroupCheck: .skip))
                points[1] = points[1] + torsion
                points[3] = points[3] - torsion
            }
            let commitment = FeldmanCommitment(coefficients: batchNormalizeVartime(points))
            var nonce = Fr.random(using: &rng)
            let R = g.multiplied(by: nonce).affine
            let c = Self.proofChallenge(configuration, dealer: index, key: k, commitment: commitment, R: R)
            keys.append(KeyDeal(commitment: commitment, proof: SchnorrProof(commitment: R, response: nonce + c * coefficients[0])))
            nonce = .zero
            for m in 1...n {
                let x = Fr(UInt64(m))
                var y = Fr.zero
                for a in coefficients.reversed() { y = y * x + a }  // Horner, constant time
                dealt.setScalar(y, at: (m - 1) * keyCount + k)
            }
            for i in coefficients.indices { coefficients[i] = .zero }
        }
        var shares: [EncryptedShares] = []
        for m in 1...n {
            let recipient = try! MemberIndex(m)
            var plaintext = SecureBytes(count: 32 * keyCount)
            if misbehaviour.corruptSharesFor.contains(recipient) {
                for k in 0..<keyCount { plaintext.setScalar(Fr.random(using: &rng), at: k) }
            } else {
                dealt.withUnsafeBytes { src in
                    plaintext.withUnsafeMutableBytes { dst in
                        dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[(32 * keyCount * (m - 1))..<(32 * keyCount * m)]))
                    }
                }
            }
            let nonce = (0..<BoxKey.nonceByteCount).map { _ in UInt8.random(in: 0...255, using: &rng) }
            // Roster keys were accepted by libsodium when generated; a refused one is a roster bug.
            let box = try! encryptionKey.seal(plaintext, to: configuration.roster[m - 1].encryptionKey, nonce: nonce)
            shares.append(EncryptedShares(recipient: recipient, nonce: nonce, box: box))
        }
        dealtShares = consume dealt
        return SignedMessage.sign(kind: .deal, body: DealBody(keys: keys, shares: shares).encode(),
                                  configuration: configuration, sender: index, key: signingKey)
    }

    /// c = H("vring/dkg/v1/proof-of-knowledge": session, epoch, dealer, key index, key context,
    /// threshold, every commitment, R).
    static func proofChallenge(_ configuration: DKGConfiguration, dealer: MemberIndex, key: Int,
                               commitment: FeldmanCommitment, R: G1Affine) -> Fr {
        var t = Transcript(domain: "vring/dkg/v1/proof-of-knowledge")
        t.append("session", configuration.sessionID.bytes)
        t.append("epoch", u64: configuration.epoch)
        t.append("dealer", u64: UInt64(dealer.value))
        t.append("key index", u64: UInt64(key))
        t.append("key context", configuration.keyContexts[key])
        t.append("threshold", u64: UInt64(commitment.coefficients.count))
        for c in commitment.coefficients { t.append("commitment", c.compressed()) }
        t.append("R", R.compressed())
        return t.challenge("c")
    }

    /// [z]G − [c]C_0 == R for each key; returns the first key that fails. Public data: variable time.
    private func firstInvalidProof(_ body: DealBody, dealer: MemberIndex) -> Int? {
        for (k, deal) in body.keys.enumerated() {
            let c = Self.proofChallenge(configuration, dealer: dealer, key: k, commitment: deal.commitment, R: deal.proof.commitment)
            let lhs = multiScalarMultiplyVartime(points: [G1Affine.generator, deal.commitment.groupKey], scalars: [deal.proof.response, -c])
            if !(lhs == G1Projective(deal.proof.commitment)) { return k }
        }
        return nil
    }

    // MARK: - Round 2: echo and complaints

    private func makeEcho(using rng: inout some RandomNumberGenerator) -> SignedMessage {
        var complaints = Set<MemberIndex>()
        var candidates: [MemberIndex] = []
        for d in 1...n {
            let dealer = try! MemberIndex(d)
            guard let deal = deals[dealer], deal.invalidProof == nil else { continue }  // judged publicly
            let share = deal.body.shares[Int(index.value) - 1]
            do {
                let plaintext = try encryptionKey.open(share.box, from: configuration.roster[d - 1].encryptionKey, nonce: share.nonce)
                var canonical = true
                plaintext.withUnsafeBytes { src in
                    for k in 0..<keyCount where Fr(bigEndian: src[(32 * k)..<(32 * k + 32)]) == nil { canonical = false }
                }
                guard canonical else { complaints.insert(dealer); continue }
                receivedShares.withUnsafeMutableBytes { dst in
                    plaintext.withUnsafeBytes { src in
                        UnsafeMutableRawBufferPointer(rebasing: dst[(32 * keyCount * (d - 1))..<(32 * keyCount * d)]).copyMemory(from: src)
                    }
                }
                candidates.append(dealer)
            } catch {
                complaints.insert(dealer)
            }
        }
        for d in verifiedSharesCheck(candidates, using: &rng) { verifiedShare[Int(d.value) - 1] = true }
        for d in candidates where !verifiedShare[Int(d.value) - 1] { complaints.insert(d) }
        let hashes = (1...n).map { deals[try! MemberIndex($0)]?.hash }
        let body = EchoBody(dealHashes: hashes, complaints: complaints.sorted())
        return SignedMessage.sign(kind: .echo, body: body.encode(), configuration: configuration, sender: index, key: signingKey)
    }

    /// The dealers among `candidates` whose shares to this member match their commitments.
    /// All at once first: with random ρ_{d,k}, [Σ ρ·s]G == Σ_{d,k,l} (ρ·i^l)·C_{d,k,l}, the left
    /// side a constant-time multiplication (the shares are secret), the right one MSM over
    /// public points. Only when that fails is each dealer checked alone.
    private func verifiedSharesCheck(_ candidates: [MemberIndex], using rng: inout some RandomNumberGenerator) -> [MemberIndex] {
        if candidates.isEmpty { return [] }
        let g = G1Projective(G1Affine.generator)
        let x = index.scalar
        func check(_ dealers: [MemberIndex]) -> Bool {
            var combined = Fr.zero
            var points: [G1Affine] = []
            var scalars: [Fr] = []
            for d in dealers {
                let deal = deals[d]!
                for k in 0..<keyCount {
                    let rho = Fr.random(using: &rng)
                    combined = combined + rho * receivedShares.scalar(at: (Int(d.value) - 1) * keyCount + k)
                    var term = rho
                    for c in deal.body.keys[k].commitment.coefficients {
                        points.append(c)
                        scalars.append(term)
                        term = term * x
                    }
                }
            }
            let lhs = g.multiplied(by: combined)
            combined = .zero
            return lhs == multiScalarMultiplyVartime(points: points, scalars: scalars)
        }
        if check(candidates) { return candidates }
        return candidates.filter { check([$0]) }
    }

    // MARK: - Round 3: justification

    /// Echoes of the current view that disagree about `dealer`.
    private func echoesDisagree(about dealer: MemberIndex, in view: [(MemberIndex, EchoBody)]) -> Bool {
        Set(view.filter { $0.0 != dealer }.map { $0.1.dealHashes[Int(dealer.value) - 1] }).count > 1
    }

    private func makeJustification() -> SignedMessage {
        let view = echoes.keys.sorted().map { ($0, echoes[$0]!.body) }
        var evidence = conflictEvidence
        for d in 1...n {
            let dealer = try! MemberIndex(d)
            guard let deal = deals[dealer] else { continue }
            if echoesDisagree(about: dealer, in: view) || locallyEquivocatingDealers.contains(dealer),
               !evidence.contains(deal.message.encoded) {
                evidence.append(deal.message.encoded)
            }
        }
        var reveals: [JustificationBody.Reveal] = []
        if let own = deals[index] {
            for (member, echo) in view where echo.complaints.contains(index) || echo.dealHashes[Int(index.value) - 1] != own.hash {
                var shares = (0..<keyCount).map { dealtShares!.scalar(at: (Int(member.value) - 1) * keyCount + $0) }
                if misbehaviour.revealsWrongShares { shares = shares.map { $0 + .one } }
                reveals.append(.init(accuser: member, shares: shares))
            }
        }
        let body = JustificationBody(reveals: reveals, evidence: evidence)
        return SignedMessage.sign(kind: .justification, body: body.encode(), configuration: configuration, sender: index, key: signingKey)
    }

    // MARK: - Finish

    private func finish() throws(DKGError) {
        // 1. Evidence published in round 3 (public: the same for every honest member).
        var publicDeals: [MemberIndex: [[UInt8]: StoredDeal]] = [:]
        var publishedBodies: [MemberIndex: [MessageKind: Set<[UInt8]>]] = [:]
        for sender in justifications.keys.sorted() {
            for bytes in justifications[sender]!.body.evidence {
                guard let m = try? SignedMessage(decoding: bytes, for: configuration) else { continue }
                publishedBodies[m.sender, default: [:]][m.kind, default: []].insert(m.bodyHash)
                if m.kind == .deal, let body = try? DealBody(decoding: m.body, for: configuration) {
                    publicDeals[m.sender, default: [:]][m.bodyHash] = StoredDeal(
                        message: m, body: body, hash: m.bodyHash, invalidProof: firstInvalidProof(body, dealer: m.sender))
                }
            }
        }
        var disqualified: [MemberIndex: BlameReason] = [:]
        func disqualify(_ member: MemberIndex, _ reason: BlameReason) {
            if disqualified[member] == nil { disqualified[member] = reason }
        }
        for (member, kinds) in publishedBodies {
            for kind in [MessageKind.echo, .justification] where (kinds[kind]?.count ?? 0) >= 2 {
                disqualify(member, .messageEquivocation(kind))
            }
        }
        // 2. Echoes that count: not from a member proven to have sent two.
        let view = echoes.keys.sorted()
            .filter { (publishedBodies[$0]?[.echo]?.count ?? 0) < 2 }
            .map { ($0, echoes[$0]!.body) }

        // 3. Decide each dealer's deal.
        var decided: [MemberIndex: StoredDeal] = [:]
        var falseEchoes: [(MemberIndex, MemberIndex)] = []
        for d in 1...n {
            let dealer = try! MemberIndex(d)
            // A dealer cannot vouch for the delivery of its own deal.
            let statuses = view.filter { $0.0 != dealer }.map { ($0.0, $0.1.dealHashes[d - 1]) }
            let distinct = Set(statuses.map(\.1))
            let published = publicDeals[dealer] ?? [:]
            if published.count >= 2 { disqualify(dealer, .dealEquivocation); continue }
            let deal: StoredDeal
            if distinct.count <= 1 {
                guard let agreed = distinct.first ?? nil else { disqualify(dealer, .noDealByDeadline); continue }
                if let p = published.first, p.key != agreed { disqualify(dealer, .dealEquivocation); continue }
                guard let d = published[agreed] ?? (deals[dealer]?.hash == agreed ? deals[dealer] : nil) else {
                    disqualify(dealer, .inconsistentDeals); continue
                }
                deal = d
            } else {
                guard let d = published.values.first else { disqualify(dealer, .inconsistentDeals); continue }
                deal = d
                for (member, status) in statuses where status != nil && status != deal.hash {
                    falseEchoes.append((member, dealer))
                }
            }
            if let k = deal.invalidProof { disqualify(dealer, .invalidProofOfKnowledge(key: k)); continue }
            decided[dealer] = deal
        }
        for (member, dealer) in falseEchoes { disqualify(member, .falseEcho(dealer: dealer)) }

        // 4. Complaints (explicit, or an echo that does not name the decided deal) must be
        //    answered with shares that match the commitments.
        var accusersOf: [MemberIndex: [MemberIndex]] = [:]
        for (dealer, deal) in decided.sorted(by: { $0.key < $1.key }) where disqualified[dealer] == nil {
            let accusers = view.filter { $0.0 != dealer && ($0.1.complaints.contains(dealer) || $0.1.dealHashes[Int(dealer.value) - 1] != deal.hash) }.map(\.0)
            accusersOf[dealer] = accusers
            guard let first = accusers.first else { continue }
            guard let answer = justifications[dealer]?.body else { disqualify(dealer, .unansweredComplaint(accuser: first)); continue }
            for accuser in accusers {
                guard let reveal = answer.reveals.first(where: { $0.accuser == accuser }),
                      zip(deal.body.keys, reveal.shares).allSatisfy({ key, share in
                          key.commitment.evaluate(at: accuser) == G1Projective(G1Affine.generator).multipliedVartime(by: share)
                      })
                else { disqualify(dealer, .invalidJustification(accuser: accuser)); break }
            }
        }

        // 4b. Commitments outside G1 (only constant terms were checked on arrival). The sums
        //     over the remaining dealers are checked — t points per key instead of n·t — and
        //     only when one is outside G1 is each dealer's vector checked, the offenders
        //     disqualified. Public shares are combinations of the sums, so they are in G1 too.
        let remaining = decided.keys.filter { disqualified[$0] == nil }.sorted()
        var sumsInSubgroup = true
        for k in 0..<keyCount where sumsInSubgroup {
            var sum = [G1Projective](repeating: .infinity, count: t)
            for dealer in remaining {
                for (l, c) in decided[dealer]!.body.keys[k].commitment.coefficients.enumerated() { sum[l] = sum[l] + c }
            }
            sumsInSubgroup = sum.allSatisfy(\.isInSubgroup)
        }
        if !sumsInSubgroup {
            for dealer in remaining {
                for (k, key) in decided[dealer]!.body.keys.enumerated()
                where !key.commitment.coefficients.allSatisfy({ G1Projective($0).isInSubgroup }) {
                    disqualify(dealer, .commitmentOutsideSubgroup(key: k))
                    break
                }
            }
        }

        // 5. QUAL and blame.
        let qualified = decided.keys.filter { disqualified[$0] == nil }.sorted()
        var blame: [Blame] = disqualified.map { Blame(member: $0.key, reason: $0.value, disqualified: true) }
        for m in 1...n {
            let member = try! MemberIndex(m)
            guard disqualified[member] == nil else { continue }
            if echoes[member] == nil {
                blame.append(Blame(member: member, reason: .silent(.echo), disqualified: false))
            } else if justifications[member] == nil {
                blame.append(Blame(member: member, reason: .silent(.justification), disqualified: false))
            }
        }
        blame.sort { ($0.member, $0.reason.code) < ($1.member, $1.reason.code) }

        var transcript = Transcript(domain: "vring/dkg/v1/transcript")
        transcript.append("configuration", configuration.digest)
        for d in 1...n {
            let member = try! MemberIndex(d)
            transcript.append("deal", qualified.contains(member) ? decided[member]!.hash : [])
            transcript.append("echo", view.first(where: { $0.0 == member }).map { _ in echoes[member]!.message.bodyHash } ?? [])
            transcript.append("justification", justifications[member]?.message.bodyHash ?? [])
        }
        for q in qualified { transcript.append("qualified", u64: UInt64(q.value)) }
        for b in blame {
            transcript.append("blame", u64: UInt64(b.member.value))
            transcript.append("reason", Array(b.reason.description.utf8))
        }

        guard qualified.count >= t else {
            failure = DKGFailure(qualified: qualified, needed: t, blame: blame, transcriptHash: transcript.digest())
            phase = .failed
            return
        }

        // 6. The joint polynomial's commitments, every public share, and this member's share.
        var keys: [DKGKeyOutput] = []
        var own = SecureBytes(count: 32 * keyCount)
        let g = G1Projective(G1Affine.generator)
        for k in 0..<keyCount {
            var sum = [G1Projective](repeating: .infinity, count: t)
            var secret = Fr.zero
            for dealer in qualified {
                let deal = decided[dealer]!
                for (l, c) in deal.body.keys[k].commitment.coefficients.enumerated() { sum[l] = sum[l] + c }
                if accusersOf[dealer]?.contains(index) == true {
                    secret = secret + justifications[dealer]!.body.reveals.first(where: { $0.accuser == index })!.shares[k]
                } else {
                    guard verifiedShare[Int(dealer.value) - 1] else {
                        throw .internalInconsistency("no verified share from qualified dealer \(dealer)")
                    }
                    secret = secret + receivedShares.scalar(at: (Int(dealer.value) - 1) * keyCount + k)
                }
            }
            let commitment = FeldmanCommitment(coefficients: batchNormalizeVartime(sum))
            let publicShares = batchNormalizeVartime((1...n).map { commitment.evaluate(at: try! MemberIndex($0)) })
            guard g.multiplied(by: secret) == G1Projective(publicShares[Int(index.value) - 1]) else {
                throw .internalInconsistency("own share does not match the joint commitment for key \(k)")
            }
            own.setScalar(secret, at: k)
            secret = .zero
            keys.append(DKGKeyOutput(context: configuration.keyContexts[k], groupPublicKey: PublicKey(unchecked: commitment.groupKey),
                                     commitment: commitment, publicShares: publicShares.map { PublicKey(unchecked: $0) }))
            transcript.append("group public key", commitment.groupKey.compressed())
        }
        secretShares = consume own
        output = DKGPublicOutput(keys: keys, qualified: qualified, blame: blame, transcriptHash: transcript.digest())
        phase = .finished
    }
}
