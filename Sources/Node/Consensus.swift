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
//  - `QBFT` (default): the Istanbul BFT / QBFT pattern Charon and SSV run — a rotating leader
//    per round proposes, members PREPARE, then COMMIT, and a value is decided on a quorum of
//    COMMITs; rounds time out with doubling deadlines and a ROUND-CHANGE carries each member's
//    prepared value so the next leader re-proposes the highest one. Members lock on what they
//    prepared and never prepare or commit another value for the same instance, so two quorums
//    for different values cannot form: with n ≥ 3f + 1 and quorums of ⌈(n + f + 1)/2⌉, two
//    quorums share an honest member.
//  - `Quorum` (when t > n/2): no messages at all; the first valid value a member sees is the one
//    it signs, and its own slashing database refuses anything conflicting. Any two sets of t
//    signers overlap, so two conflicting messages can never both gather t partial signatures.
//
// Limitation (QBFT): round changes carry prepared values without the signed prepare
// certificates of full QBFT; locking keeps safety, but a Byzantine leader can stall an instance
// until its deadline (liveness, not safety).

/// One duty to agree on.
public struct InstanceID: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public var description: String { String(Hex.encodeShort(bytes)) }
}

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

    public init(kind: Kind, instance: InstanceID, round: UInt32, value: [UInt8], preparedRound: UInt32 = 0, preparedValue: [UInt8] = []) {
        self.kind = kind; self.instance = instance; self.round = round; self.value = value
        self.preparedRound = preparedRound; self.preparedValue = preparedValue
    }

    public var encoded: [UInt8] {
        var out: [UInt8] = [kind.rawValue]
        out += instance.bytes
        out += be32(round) + be32(UInt32(value.count)) + value
        out += be32(preparedRound) + be32(UInt32(preparedValue.count)) + preparedValue
        return out
    }

    public init?(decoding b: [UInt8]) {
        guard b.count >= 1 + 32 + 16, let kind = Kind(rawValue: b[0]) else { return nil }
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
        guard let round = u32(), let vn = u32(), let value = bytes(vn), let pr = u32(), let pn = u32(), let pv = bytes(pn), i == b.count else { return nil }
        self.init(kind: kind, instance: InstanceID(Array(b[1..<33])), round: round, value: value, preparedRound: pr, preparedValue: pv)
    }
}

func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)] }

/// What a consensus step produced.
public struct ConsensusOutput: Sendable {
    public var broadcast: [ConsensusMessage] = []
    public var decided: [(InstanceID, [UInt8])] = []
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
    /// Forgets an instance (after its duty is done).
    func forget(_ instance: InstanceID)
}

/// QBFT-style agreement with a rotating leader, locking and round changes.
public final class QBFT: DutyConsensus {
    let members: [Int]
    let me: Int
    let roundTimeout: TimeInterval
    /// Whether a value is acceptable at all (it parses, its signing root is computable).
    let isValid: ([UInt8]) -> Bool
    var n: Int { members.count }
    var f: Int { (n - 1) / 3 }
    var quorum: Int { (n + f + 2) / 2 }  // ⌈(n + f + 1)/2⌉

    struct Instance {
        var round: UInt32 = 1
        var deadline: Date
        var input: [UInt8]?
        var proposal: [UInt8]?
        var prepares: [UInt32: [Int: [UInt8]]] = [:]
        var commits: [UInt32: [Int: [UInt8]]] = [:]
        var roundChanges: [UInt32: [Int: (UInt32, [UInt8])]] = [:]
        var preparedRound: UInt32 = 0
        var preparedValue: [UInt8]?
        var sentPrepare: Set<UInt32> = []
        var sentCommit: Set<UInt32> = []
        var proposed: Set<UInt32> = []
        var decided: [UInt8]?
    }
    var instances: [InstanceID: Instance] = [:]
    /// The time of the current input (no clock inside: every entry point passes it).
    var now = Date(timeIntervalSince1970: 0)

    public init(members: [Int], me: Int, roundTimeout: TimeInterval = 1, isValid: @escaping ([UInt8]) -> Bool) {
        self.members = members.sorted()
        self.me = me
        self.roundTimeout = roundTimeout
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

    public func propose(_ id: InstanceID, value: [UInt8], now: Date) -> ConsensusOutput {
        self.now = now
        var s = instance(id, now)
        var out = ConsensusOutput()
        if s.input == nil, isValid(value) { s.input = value }
        maybeLead(id, &s, &out)
        instances[id] = s
        return out
    }

    /// As leader of the current round, propose: the highest prepared value among the round
    /// changes that justify the round, else our own (locked) value, else our input.
    func maybeLead(_ id: InstanceID, _ s: inout Instance, _ out: inout ConsensusOutput) {
        guard s.decided == nil, leader(id, round: s.round) == me, !s.proposed.contains(s.round) else { return }
        var value: [UInt8]?
        if s.round > 1 {
            let changes = s.roundChanges[s.round] ?? [:]
            guard changes.count >= quorum else { return }
            value = changes.values.filter { $0.0 > 0 }.max { $0.0 < $1.0 }?.1
        }
        value = value ?? s.preparedValue ?? s.input
        guard let v = value else { return }
        s.proposed.insert(s.round)
        let m = ConsensusMessage(kind: .propose, instance: id, round: s.round, value: v)
        out.broadcast.append(m)
        accept(m, from: me, &s, &out)
    }

    public func receive(_ message: ConsensusMessage, from: Int, now: Date) -> ConsensusOutput {
        guard members.contains(from) else { return ConsensusOutput() }
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
            // Help a late member: tell it the decision once.
            if m.kind != .decided, from != me, m.kind != .commit { out.broadcast.append(ConsensusMessage(kind: .decided, instance: id, round: s.round, value: d)) }
            return
        }
        switch m.kind {
        case .propose:
            guard m.round >= s.round, from == leader(id, round: m.round), isValid(m.value) else { return }
            if m.round > s.round { moveTo(m.round, id, &s, &out) }  // we missed the round change
            // Locked on another value: do not prepare a different one.
            if let locked = s.preparedValue, locked != m.value { return }
            s.proposal = m.value
            if !s.sentPrepare.contains(m.round) {
                s.sentPrepare.insert(m.round)
                let p = ConsensusMessage(kind: .prepare, instance: id, round: m.round, value: m.value)
                out.broadcast.append(p)
                accept(p, from: me, &s, &out)
            }
        case .prepare:
            s.prepares[m.round, default: [:]][from] = m.value
            let votes = (s.prepares[m.round] ?? [:]).values.filter { $0 == m.value }.count
            if votes >= quorum, m.round >= s.preparedRound, isValid(m.value) {
                s.preparedRound = m.round
                s.preparedValue = m.value
                if !s.sentCommit.contains(m.round), m.round == s.round {
                    s.sentCommit.insert(m.round)
                    let c = ConsensusMessage(kind: .commit, instance: id, round: m.round, value: m.value)
                    out.broadcast.append(c)
                    accept(c, from: me, &s, &out)
                }
            }
        case .commit:
            s.commits[m.round, default: [:]][from] = m.value
            let votes = (s.commits[m.round] ?? [:]).values.filter { $0 == m.value }.count
            if votes >= quorum, isValid(m.value) {
                s.decided = m.value
                out.decided.append((id, m.value))
            }
        case .roundChange:
            guard m.round > 1 else { return }
            s.roundChanges[m.round, default: [:]][from] = (m.preparedRound, m.preparedValue)
            // f + 1 members want a later round: join them (someone honest timed out).
            let later = s.roundChanges.filter { $0.key > s.round && $0.value.count >= f + 1 }.map(\.key).min()
            if let r = later { moveTo(r, id, &s, &out) }
            maybeLead(id, &s, &out)
        case .decided:
            // A decision is only taken from f + 1 members (at least one honest).
            s.commits[UInt32.max, default: [:]][from] = m.value
            let votes = (s.commits[UInt32.max] ?? [:]).values.filter { $0 == m.value }.count
            if votes >= f + 1, isValid(m.value) {
                s.decided = m.value
                out.decided.append((id, m.value))
            }
        }
    }

    func moveTo(_ round: UInt32, _ id: InstanceID, _ s: inout Instance, _ out: inout ConsensusOutput) {
        guard round > s.round else { return }
        s.round = round
        s.deadline = now.addingTimeInterval(timeout(round))
        let rc = ConsensusMessage(kind: .roundChange, instance: id, round: round, value: [],
                                  preparedRound: s.preparedRound, preparedValue: s.preparedValue ?? [])
        out.broadcast.append(rc)
        s.roundChanges[round, default: [:]][me] = (s.preparedRound, s.preparedValue ?? [])
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
    public func forget(_ instance: InstanceID) { decided[instance] = nil }
}

extension Hex {
    static func encodeShort(_ bytes: [UInt8]) -> Substring { Hex.encode(bytes).prefix(12) }
}
