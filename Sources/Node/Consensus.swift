import Foundation
import BLS12381
import Primitives

// Agreement on the exact data of a duty before any member signs it.
//
// The node asks its consensus to decide one value per instance (a duty: validator key, duty
// kind, slot or epoch). Implementations are pure state machines — messages and ticks in,
// messages and decisions out — so the node, the tests and a simulated network drive the same
// code. Two exist, chosen by the pool definition's `consensus` field:
//
//  - `QBFT` (default): the QBFT protocol Charon and SSV run (Moniz, "The Istanbul BFT
//    Consensus Algorithm", 2020; the QBFT specification of ConsenSys). A rotating leader per
//    round proposes, members PREPARE, then COMMIT; a value is decided on a quorum of COMMITs.
//    Rounds time out with doubling deadlines. A ROUND-CHANGE carries the sender's prepared
//    round and value with its *prepare certificate* (a quorum of signed PREPAREs), and a
//    proposal for a round above 1 carries its *justification*: a quorum of signed ROUND-CHANGEs
//    and, unless none of them had prepared, the certificate for the highest prepared value —
//    which is then the only value the leader may propose. Members accept any justified
//    proposal, so a member that prepared in an earlier round is never stuck on its old value
//    (liveness), and a value that may have been decided is always carried forward (safety):
//    with n ≥ 3f + 1 and quorums of ⌈(n + f + 1)/2⌉, any two quorums share an honest member.
//    A DECIDED message carries a quorum of signed COMMITs, so one message convinces a late
//    member.
//  - `Quorum` (when t > n/2): no messages at all; the first valid value a member sees is the one
//    it signs, and its own slashing database refuses anything conflicting. Any two sets of t
//    signers overlap, so two conflicting messages can never both gather t partial signatures.
//
// Statements (the signed part of each message: kind, instance, round, digests of the values)
// are signed through a `ConsensusAuthenticator` (Ed25519 identity keys bound to the pool's
// session in the node), so certificates can be forwarded and checked by third parties. Direct
// messages are already authenticated by the node's envelope; their statement signatures are
// checked only when they go into a certificate, and every statement inside a received
// certificate is checked.

/// One duty to agree on.
public struct InstanceID: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public var description: String { String(Hex.encodeShort(bytes)) }
}

/// Signs and checks consensus statements as pool members.
public protocol ConsensusAuthenticator: AnyObject, Sendable {
    /// This member's signature over `bytes`.
    func sign(_ bytes: [UInt8]) -> [UInt8]
    /// Whether `signature` is `member`'s over `bytes`.
    func verify(_ bytes: [UInt8], signature: [UInt8], member: Int) -> Bool
}

/// Ed25519 identity keys, every statement prefixed with a domain (the node binds the pool's
/// session and epoch), so a statement from one pool or epoch means nothing in another.
public final class Ed25519ConsensusAuthenticator: ConsensusAuthenticator, @unchecked Sendable {
    let domain: [UInt8]
    let key: SigningKey
    let keys: [Int: SigningPublicKey]
    public init(domain: [UInt8], key: consuming SigningKey, keys: [Int: SigningPublicKey]) {
        self.domain = domain; self.key = key; self.keys = keys
    }
    public func sign(_ bytes: [UInt8]) -> [UInt8] { key.sign(domain + bytes) }
    public func verify(_ bytes: [UInt8], signature: [UInt8], member: Int) -> Bool {
        keys[member]?.isValidSignature(signature, for: domain + bytes) ?? false
    }
}

/// The signed part of a consensus message: what certificates are made of. Values appear as
/// SHA-256 digests (all zeros for "no value").
public struct SignedStatement: Sendable, Hashable {
    public let kind: ConsensusMessage.Kind
    public let instance: InstanceID
    public let round: UInt32
    public let digest: [UInt8]
    public let preparedRound: UInt32
    public let preparedDigest: [UInt8]
    public let signer: Int
    public let signature: [UInt8]

    static let byteCount = 1 + 32 + 4 + 32 + 4 + 32 + 4 + 64

    /// The bytes the signature covers.
    var signedBytes: [UInt8] {
        Array("vring/qbft/v1".utf8) + [kind.rawValue] + instance.bytes + be32(round) + digest + be32(preparedRound) + preparedDigest
    }

    var encoded: [UInt8] { [kind.rawValue] + instance.bytes + be32(round) + digest + be32(preparedRound) + preparedDigest + be32(UInt32(signer)) + signature }

    init(kind: ConsensusMessage.Kind, instance: InstanceID, round: UInt32, digest: [UInt8], preparedRound: UInt32, preparedDigest: [UInt8],
         signer: Int, signature: [UInt8]) {
        self.kind = kind; self.instance = instance; self.round = round; self.digest = digest
        self.preparedRound = preparedRound; self.preparedDigest = preparedDigest; self.signer = signer; self.signature = signature
    }

    init?(decoding b: ArraySlice<UInt8>) {
        guard b.count == Self.byteCount, let kind = ConsensusMessage.Kind(rawValue: b[b.startIndex]) else { return nil }
        let s = b.startIndex
        func u32(_ at: Int) -> UInt32 { b[s + at..<s + at + 4].reduce(0) { $0 << 8 | UInt32($1) } }
        self.init(kind: kind, instance: InstanceID(Array(b[s + 1..<s + 33])), round: u32(33), digest: Array(b[s + 37..<s + 69]),
                  preparedRound: u32(69), preparedDigest: Array(b[s + 73..<s + 105]), signer: Int(u32(105)), signature: Array(b[s + 109..<s + 173]))
    }

    func isValid(_ auth: any ConsensusAuthenticator) -> Bool { auth.verify(signedBytes, signature: signature, member: signer) }
}

/// The digest a statement carries for a value.
func valueDigest(_ value: [UInt8]) -> [UInt8] { value.isEmpty ? [UInt8](repeating: 0, count: 32) : SHA256.hash(value) }

/// A consensus message on the wire (inside a signed node envelope).
public struct ConsensusMessage: Sendable, Equatable {
    public enum Kind: UInt8, Sendable { case propose = 1, prepare = 2, commit = 3, roundChange = 4, decided = 5 }
    public let kind: Kind
    public let instance: InstanceID
    public let round: UInt32
    public let value: [UInt8]
    /// Round-change only: the sender's highest prepared round (0 = none) and value.
    public let preparedRound: UInt32
    public let preparedValue: [UInt8]
    /// The sender's signature over this message's statement.
    public let signature: [UInt8]
    /// Round change: the prepare certificate of the prepared value. Proposal for a round above
    /// 1: a quorum of round changes and the certificate of the highest prepared value. Decided:
    /// a quorum of commits.
    public let justification: [SignedStatement]

    public init(kind: Kind, instance: InstanceID, round: UInt32, value: [UInt8], preparedRound: UInt32 = 0, preparedValue: [UInt8] = [],
                signature: [UInt8] = [UInt8](repeating: 0, count: 64), justification: [SignedStatement] = []) {
        self.kind = kind; self.instance = instance; self.round = round; self.value = value
        self.preparedRound = preparedRound; self.preparedValue = preparedValue
        self.signature = signature; self.justification = justification
    }

    /// A message signed by `auth` as member `signer`.
    public static func signed(kind: Kind, instance: InstanceID, round: UInt32, value: [UInt8], preparedRound: UInt32 = 0,
                              preparedValue: [UInt8] = [], justification: [SignedStatement] = [], by auth: any ConsensusAuthenticator,
                              signer: Int) -> ConsensusMessage {
        let unsigned = ConsensusMessage(kind: kind, instance: instance, round: round, value: value, preparedRound: preparedRound,
                                        preparedValue: preparedValue)
        let signature = auth.sign(unsigned.statement(signer: signer).signedBytes)
        return ConsensusMessage(kind: kind, instance: instance, round: round, value: value, preparedRound: preparedRound,
                                preparedValue: preparedValue, signature: signature, justification: justification)
    }

    /// This message's statement, as member `signer` sent it.
    public func statement(signer: Int) -> SignedStatement {
        SignedStatement(kind: kind, instance: instance, round: round, digest: valueDigest(value), preparedRound: preparedRound,
                        preparedDigest: valueDigest(preparedValue), signer: signer, signature: signature)
    }

    static let maxJustification = 512

    public var encoded: [UInt8] {
        var out: [UInt8] = [kind.rawValue]
        out += instance.bytes
        out += be32(round) + be32(UInt32(value.count)) + value
        out += be32(preparedRound) + be32(UInt32(preparedValue.count)) + preparedValue
        out += signature
        out += be32(UInt32(justification.count))
        for s in justification { out += s.encoded }
        return out
    }

    public init?(decoding b: [UInt8]) {
        guard b.count >= 1 + 32 + 16 + 64 + 4, let kind = Kind(rawValue: b[0]) else { return nil }
        var i = 33
        func u32() -> UInt32? {
            guard i + 4 <= b.count else { return nil }
            defer { i += 4 }
            return UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
        }
        func bytes(_ n: UInt32) -> [UInt8]? {
            guard n <= 1 << 20, i + Int(n) <= b.count else { return nil }
            defer { i += Int(n) }
            return Array(b[i..<(i + Int(n))])
        }
        guard let round = u32(), let vn = u32(), let value = bytes(vn), let pr = u32(), let pn = u32(), let pv = bytes(pn),
              let signature = bytes(64), let count = u32(), count <= Self.maxJustification,
              b.count - i == Int(count) * SignedStatement.byteCount else { return nil }
        var justification: [SignedStatement] = []
        for k in 0..<Int(count) {
            let start = i + k * SignedStatement.byteCount
            guard let s = SignedStatement(decoding: b[start..<start + SignedStatement.byteCount]) else { return nil }
            justification.append(s)
        }
        self.init(kind: kind, instance: InstanceID(Array(b[1..<33])), round: round, value: value, preparedRound: pr, preparedValue: pv,
                  signature: signature, justification: justification)
    }
}

func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)] }

/// What a consensus step produced.
public struct ConsensusOutput: Sendable {
    public var broadcast: [ConsensusMessage] = []
    /// Messages for one member only (a decision for a member that is behind).
    public var direct: [(to: Int, message: ConsensusMessage)] = []
    public var decided: [(InstanceID, [UInt8])] = []
    public init() {}
}

/// The interface the node drives.
public protocol DutyConsensus: AnyObject {
    /// This member has `value` as its input for `instance` (from a validator client, or relayed).
    func propose(_ instance: InstanceID, value: [UInt8], now: Date) -> ConsensusOutput
    /// A message from member `from` (already authenticated by the node).
    func receive(_ message: ConsensusMessage, from: Int, now: Date) -> ConsensusOutput
    /// Time passes (round deadlines).
    func tick(now: Date) -> ConsensusOutput
    /// The decided value, once there is one.
    func decision(_ instance: InstanceID) -> [UInt8]?
    /// The round an instance is in, or was decided in (1 when there are no rounds).
    func round(_ instance: InstanceID) -> UInt32
    /// Forgets an instance (after its duty is done).
    func forget(_ instance: InstanceID)
}

/// QBFT with a rotating leader, prepare certificates and justified round changes.
public final class QBFT: DutyConsensus {
    let members: [Int]
    let me: Int
    let roundTimeout: TimeInterval
    /// Whether a value is acceptable at all (it parses, its signing root is computable).
    let isValid: ([UInt8]) -> Bool
    let auth: any ConsensusAuthenticator
    var n: Int { members.count }
    var f: Int { (n - 1) / 3 }
    var quorum: Int { (n + f + 2) / 2 }  // ⌈(n + f + 1)/2⌉

    /// A PREPARE or COMMIT received: the statement, its value, and whether its signature has
    /// been checked yet (only needed once it goes into a certificate).
    struct Vote {
        var statement: SignedStatement
        var value: [UInt8]
        var checked: Bool
    }
    /// A ROUND-CHANGE received (its certificate already checked).
    struct RoundChange {
        var statement: SignedStatement
        var preparedValue: [UInt8]
        var certificate: [SignedStatement]
    }
    struct Instance {
        var round: UInt32 = 1
        var deadline: Date
        var input: [UInt8]?
        var prepares: [UInt32: [Int: Vote]] = [:]
        var commits: [UInt32: [Int: Vote]] = [:]
        var roundChanges: [UInt32: [Int: RoundChange]] = [:]
        var preparedRound: UInt32 = 0
        var preparedValue: [UInt8]?
        var preparedCertificate: [SignedStatement] = []
        var sentPrepare: Set<UInt32> = []
        var sentCommit: Set<UInt32> = []
        var proposed: Set<UInt32> = []
        var decided: [UInt8]?
        var decidedCertificate: [SignedStatement]?
        var told: Set<Int> = []
    }
    var instances: [InstanceID: Instance] = [:]
    /// Members caught signing a statement that does not verify.
    public private(set) var faulty: Set<Int> = []
    /// The time of the current input (no clock inside: every entry point passes it).
    var now = Date(timeIntervalSince1970: 0)

    public init(members: [Int], me: Int, roundTimeout: TimeInterval = 1, authenticator: any ConsensusAuthenticator,
                isValid: @escaping ([UInt8]) -> Bool) {
        self.members = members.sorted()
        self.me = me
        self.roundTimeout = roundTimeout
        self.auth = authenticator
        self.isValid = isValid
    }

    /// The leader of a round: rotates over the members, starting at a position derived from the
    /// instance so that different duties have different first leaders.
    public func leader(_ instance: InstanceID, round: UInt32) -> Int {
        let start = Int(instance.bytes.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) } % UInt32(n))
        return members[(start + Int(round) - 1) % n]
    }

    func timeout(_ round: UInt32) -> TimeInterval { roundTimeout * pow(2, Double(min(round - 1, 6))) }

    func instance(_ id: InstanceID, _ now: Date) -> Instance {
        instances[id] ?? Instance(deadline: now.addingTimeInterval(timeout(1)))
    }

    func send(_ kind: ConsensusMessage.Kind, _ id: InstanceID, round: UInt32, value: [UInt8], preparedRound: UInt32 = 0,
              preparedValue: [UInt8] = [], justification: [SignedStatement] = []) -> ConsensusMessage {
        .signed(kind: kind, instance: id, round: round, value: value, preparedRound: preparedRound, preparedValue: preparedValue,
                justification: justification, by: auth, signer: me)
    }

    public func propose(_ id: InstanceID, value: [UInt8], now: Date) -> ConsensusOutput {
        self.now = now
        var s = instance(id, now)
        var out = ConsensusOutput()
        if s.input == nil, isValid(value) { s.input = value }
        maybeLead(id, &s, &out)
        instances[id] = s
        return out
    }

    /// As leader of the current round, propose. Round 1: our input. Later rounds: once a quorum
    /// of round changes is in, the highest prepared value among them with its certificate, or
    /// our input when none had prepared.
    func maybeLead(_ id: InstanceID, _ s: inout Instance, _ out: inout ConsensusOutput) {
        guard s.decided == nil, leader(id, round: s.round) == me, !s.proposed.contains(s.round) else { return }
        var value: [UInt8]?
        var justification: [SignedStatement] = []
        if s.round > 1 {
            let changes = (s.roundChanges[s.round] ?? [:]).values.sorted { $0.statement.preparedRound > $1.statement.preparedRound }
            guard changes.count >= quorum else { return }
            let used = changes.prefix(quorum)
            justification = used.map(\.statement)
            if let best = used.first, best.statement.preparedRound > 0 {
                value = best.preparedValue
                justification += best.certificate
            }
        }
        value = value ?? s.input
        guard let v = value else { return }
        s.proposed.insert(s.round)
        let m = send(.propose, id, round: s.round, value: v, justification: justification)
        out.broadcast.append(m)
        accept(m, from: me, &s, &out)
    }

    public func receive(_ message: ConsensusMessage, from: Int, now: Date) -> ConsensusOutput {
        guard members.contains(from), from != me else { return ConsensusOutput() }
        self.now = now
        var s = instance(message.instance, now)
        var out = ConsensusOutput()
        accept(message, from: from, &s, &out)
        instances[message.instance] = s
        return out
    }

    func accept(_ m: ConsensusMessage, from: Int, _ s: inout Instance, _ out: inout ConsensusOutput) {
        let id = m.instance
        if let d = s.decided {
            // Help a member that is behind: send it the decision (with its certificate) once.
            if m.kind != .decided, m.kind != .commit, from != me, !s.told.contains(from), let cert = certificate(for: &s) {
                s.told.insert(from)
                out.direct.append((from, send(.decided, id, round: cert.first!.round, value: d, justification: cert)))
            }
            return
        }
        switch m.kind {
        case .propose:
            guard m.round >= s.round, from == leader(id, round: m.round), isValid(m.value) else { return }
            if m.round > 1 { guard justifies(m, id) else { return } }
            if m.round > s.round {  // a justified proposal for a later round: join it
                s.round = m.round
                s.deadline = now.addingTimeInterval(timeout(m.round))
            }
            if !s.sentPrepare.contains(m.round) {
                s.sentPrepare.insert(m.round)
                let p = send(.prepare, id, round: m.round, value: m.value)
                out.broadcast.append(p)
                accept(p, from: me, &s, &out)
            }
        case .prepare:
            guard !m.value.isEmpty else { return }
            s.prepares[m.round, default: [:]][from] = Vote(statement: m.statement(signer: from), value: m.value, checked: from == me)
            checkPrepared(m.round, m.value, id, &s, &out)
        case .commit:
            guard !m.value.isEmpty else { return }
            s.commits[m.round, default: [:]][from] = Vote(statement: m.statement(signer: from), value: m.value, checked: from == me)
            let digest = valueDigest(m.value)
            let votes = (s.commits[m.round] ?? [:]).values.filter { $0.statement.digest == digest }.count
            if votes >= quorum, isValid(m.value) { decide(m.value, id, &s, &out) }
        case .roundChange:
            guard m.round > 1, m.value.isEmpty else { return }
            let statement = m.statement(signer: from)
            if m.preparedRound > 0 {
                guard m.preparedRound < m.round, isValid(m.preparedValue),
                      isCertificate(m.justification, kind: .prepare, id, round: m.preparedRound, digest: valueDigest(m.preparedValue)),
                      from == me || statement.isValid(auth) else { return }
            } else {
                guard m.preparedValue.isEmpty, m.justification.isEmpty, from == me || statement.isValid(auth) else { return }
            }
            s.roundChanges[m.round, default: [:]][from] = RoundChange(statement: statement, preparedValue: m.preparedValue, certificate: m.justification)
            // f + 1 members want a later round: join the lowest of them (someone honest timed out).
            let later = s.roundChanges.filter { $0.key > s.round && $0.value.count >= f + 1 }.map(\.key).min()
            if let r = later { moveTo(r, id, &s, &out) }
            maybeLead(id, &s, &out)
        case .decided:
            guard let first = m.justification.first, isValid(m.value),
                  isCertificate(m.justification, kind: .commit, id, round: first.round, digest: valueDigest(m.value)) else { return }
            s.decidedCertificate = m.justification
            decide(m.value, id, &s, &out)
        }
    }

    /// A quorum of PREPAREs for `value` in the current round: prepared (with the certificate,
    /// signatures checked), and COMMIT.
    func checkPrepared(_ round: UInt32, _ value: [UInt8], _ id: InstanceID, _ s: inout Instance, _ out: inout ConsensusOutput) {
        guard round == s.round, round > s.preparedRound || s.preparedValue == nil else { return }
        let digest = valueDigest(value)
        guard (s.prepares[round] ?? [:]).values.filter({ $0.statement.digest == digest }).count >= quorum, isValid(value) else { return }
        guard let certificate = checkedVotes(&s.prepares, round: round, digest: digest) else { return }
        s.preparedRound = round
        s.preparedValue = value
        s.preparedCertificate = certificate
        if !s.sentCommit.contains(round) {
            s.sentCommit.insert(round)
            let c = send(.commit, id, round: round, value: value)
            out.broadcast.append(c)
            accept(c, from: me, &s, &out)
        }
    }

    /// A quorum of votes for `digest` in `round` whose signatures verify (checking the ones not
    /// yet checked, and dropping and remembering members whose signature is bad), or nil.
    func checkedVotes(_ votes: inout [UInt32: [Int: Vote]], round: UInt32, digest: [UInt8]) -> [SignedStatement]? {
        var good: [SignedStatement] = []
        for (member, var vote) in (votes[round] ?? [:]).sorted(by: { $0.key < $1.key }) where vote.statement.digest == digest {
            if !vote.checked {
                guard vote.statement.isValid(auth) else {
                    faulty.insert(member)
                    votes[round]?[member] = nil
                    continue
                }
                vote.checked = true
                votes[round]?[member] = vote
            }
            good.append(vote.statement)
            if good.count == quorum { return good }
        }
        return nil
    }

    func decide(_ value: [UInt8], _ id: InstanceID, _ s: inout Instance, _ out: inout ConsensusOutput) {
        guard s.decided == nil else { return }
        s.decided = value
        out.decided.append((id, value))
    }

    /// The commit certificate for the decision (built, signatures checked, on first use).
    func certificate(for s: inout Instance) -> [SignedStatement]? {
        if let c = s.decidedCertificate { return c }
        guard let d = s.decided else { return nil }
        let digest = valueDigest(d)
        for round in s.commits.keys.sorted() {
            if let c = checkedVotes(&s.commits, round: round, digest: digest) {
                s.decidedCertificate = c
                return c
            }
        }
        return nil
    }

    /// True when `statements` are a quorum of distinct members' valid `kind` statements for
    /// `digest` in `round` of instance `id`.
    func isCertificate(_ statements: [SignedStatement], kind: ConsensusMessage.Kind, _ id: InstanceID, round: UInt32, digest: [UInt8]) -> Bool {
        guard statements.count >= quorum, Set(statements.map(\.signer)).count == statements.count else { return false }
        return statements.allSatisfy { st in
            st.kind == kind && st.instance == id && st.round == round && st.digest == digest && members.contains(st.signer) && st.isValid(auth)
        }
    }

    /// Whether a proposal for round r > 1 carries a valid justification: a quorum of distinct
    /// members' signed ROUND-CHANGEs for r, and either none of them prepared, or a prepare
    /// certificate for the proposed value at the highest prepared round among them.
    func justifies(_ m: ConsensusMessage, _ id: InstanceID) -> Bool {
        let changes = m.justification.filter { $0.kind == .roundChange }
        let prepares = m.justification.filter { $0.kind == .prepare }
        guard changes.count + prepares.count == m.justification.count, changes.count >= quorum,
              Set(changes.map(\.signer)).count == changes.count,
              changes.allSatisfy({ $0.instance == id && $0.round == m.round && members.contains($0.signer) && $0.preparedRound < m.round && $0.isValid(auth) })
        else { return false }
        let highest = changes.map(\.preparedRound).max() ?? 0
        if highest == 0 { return prepares.isEmpty }
        let digest = valueDigest(m.value)
        guard changes.contains(where: { $0.preparedRound == highest && $0.preparedDigest == digest }) else { return false }
        return isCertificate(prepares, kind: .prepare, id, round: highest, digest: digest)
    }

    func moveTo(_ round: UInt32, _ id: InstanceID, _ s: inout Instance, _ out: inout ConsensusOutput) {
        guard round > s.round else { return }
        s.round = round
        s.deadline = now.addingTimeInterval(timeout(round))
        let rc = send(.roundChange, id, round: round, value: [], preparedRound: s.preparedRound, preparedValue: s.preparedValue ?? [],
                      justification: s.preparedCertificate)
        out.broadcast.append(rc)
        accept(rc, from: me, &s, &out)
    }

    public func tick(now: Date) -> ConsensusOutput {
        self.now = now
        var out = ConsensusOutput()
        for (id, var s) in instances where s.decided == nil && now >= s.deadline {
            moveTo(s.round + 1, id, &s, &out)
            maybeLead(id, &s, &out)
            instances[id] = s
        }
        return out
    }

    public func decision(_ instance: InstanceID) -> [UInt8]? { instances[instance]?.decided }
    public func round(_ instance: InstanceID) -> UInt32 { instances[instance]?.round ?? 1 }
    public func forget(_ instance: InstanceID) { instances[instance] = nil }
}

/// No messages: the first valid value seen is decided locally. Safe only when t > n/2 (any two
/// signing sets overlap and each member's slashing database refuses conflicts).
public final class QuorumOverlap: DutyConsensus {
    var decided: [InstanceID: [UInt8]] = [:]
    let isValid: ([UInt8]) -> Bool
    public init(isValid: @escaping ([UInt8]) -> Bool) { self.isValid = isValid }
    public func propose(_ instance: InstanceID, value: [UInt8], now: Date) -> ConsensusOutput {
        var out = ConsensusOutput()
        if decided[instance] == nil, isValid(value) {
            decided[instance] = value
            out.decided.append((instance, value))
        }
        return out
    }
    public func receive(_ message: ConsensusMessage, from: Int, now: Date) -> ConsensusOutput { ConsensusOutput() }
    public func tick(now: Date) -> ConsensusOutput { ConsensusOutput() }
    public func decision(_ instance: InstanceID) -> [UInt8]? { decided[instance] }
    public func round(_ instance: InstanceID) -> UInt32 { 1 }
    public func forget(_ instance: InstanceID) { decided[instance] = nil }
}

extension Hex {
    static func encodeShort(_ bytes: [UInt8]) -> Substring { Hex.encode(bytes).prefix(12) }
}
