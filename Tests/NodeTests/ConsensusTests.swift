import Foundation
import Node
import Primitives
import Testing

/// Ed25519 authenticators for members 1...n (fixed seeds, so runs replay).
func authenticators(_ members: [Int]) -> [Int: Ed25519ConsensusAuthenticator] {
    func key(_ i: Int) -> SigningKey { try! SigningKey(seed: SecureBytes(copying: SHA256.hash(Array("qbft-test-\(i)".utf8)))) }
    var keys: [Int: SigningPublicKey] = [:]
    for i in members { keys[i] = key(i).publicKey }
    return Dictionary(uniqueKeysWithValues: members.map { ($0, Ed25519ConsensusAuthenticator(domain: Array("test".utf8), key: key($0), keys: keys)) })
}

/// A small deterministic generator for schedules.
struct Schedule: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Drives QBFT members over an in-memory network: drops and reordering before a
/// "global stabilisation time", silent members, and Byzantine members that rewrite what they
/// send per recipient (signing it properly with their own keys).
struct QBFTNetwork {
    var nodes: [Int: QBFT]
    let auths: [Int: Ed25519ConsensusAuthenticator]
    var decided: [Int: [UInt8]] = [:]
    var silent: Set<Int> = []
    var byzantine: Set<Int> = []
    var queue: [(from: Int, to: Int, message: ConsensusMessage)] = []
    var late: [(from: Int, to: Int, message: ConsensusMessage)] = []
    var now = Date(timeIntervalSince1970: 1_000)
    var rng = Schedule(state: 1)
    /// Before this time, messages are delivered in random order and some are dropped.
    var stabilisation = Date(timeIntervalSince1970: 1_000)
    var dropRate = 0.0
    /// Messages the test removes on purpose (from, to, message).
    var cut: (Int, Int, ConsensusMessage) -> Bool = { _, _, _ in false }
    let instance = InstanceID([UInt8](repeating: 7, count: 32))

    init(members: [Int], isValid: @escaping ([UInt8]) -> Bool = { !$0.isEmpty }) {
        let auths = authenticators(members)
        self.auths = auths
        nodes = Dictionary(uniqueKeysWithValues: members.map { ($0, QBFT(members: members, me: $0, roundTimeout: 1, authenticator: auths[$0]!, isValid: isValid)) })
    }

    var honest: [Int] { nodes.keys.filter { !silent.contains($0) && !byzantine.contains($0) }.sorted() }

    /// What a Byzantine member sends `to` instead of `m`: another value, signed.
    mutating func rewrite(_ m: ConsensusMessage, from: Int, to: Int) -> ConsensusMessage {
        let other: [UInt8] = [0xB0 + UInt8(to % 2)]  // different recipients get different values
        let auth = auths[from]!
        switch m.kind {
        case .propose, .prepare, .commit:
            return .signed(kind: m.kind, instance: m.instance, round: m.round, value: other, justification: m.justification, by: auth, signer: from)
        case .roundChange:
            // Claims to have prepared another value, without a certificate for it.
            return .signed(kind: .roundChange, instance: m.instance, round: m.round, value: [], preparedRound: m.round - 1,
                           preparedValue: other, justification: m.justification, by: auth, signer: from)
        case .decided:
            return m
        }
    }

    mutating func deliver(_ out: ConsensusOutput, from: Int) {
        for (_, v) in out.decided { decided[from] = v }
        guard !silent.contains(from) else { return }
        for m in out.broadcast {
            for to in nodes.keys.sorted() where to != from {
                let sent = byzantine.contains(from) && Double(rng.next() % 1000) / 1000 < 0.7 ? rewrite(m, from: from, to: to) : m
                queue.append((from, to, sent))
            }
        }
        // Decisions for members that are behind arrive late, so that they have to get there
        // through the rounds (where a wrong justification rule would split the decision).
        for (to, m) in out.direct { late.append((from, to, m)) }
    }

    mutating func propose(_ member: Int, _ value: [UInt8]) {
        let out = nodes[member]!.propose(instance, value: value, now: now)
        deliver(out, from: member)
    }

    /// Runs until every honest member decided, advancing time by 100 ms per step when nothing is
    /// queued. Returns the number of steps.
    @discardableResult
    mutating func run(maxSteps: Int = 20_000) -> Int {
        var steps = 0
        while steps < maxSteps, !honest.allSatisfy({ decided[$0] != nil }) {
            steps += 1
            let unstable = now < stabilisation
            if queue.isEmpty || (unstable && rng.next() % 8 == 0) {
                now = now.addingTimeInterval(0.1)
                if !unstable, now.timeIntervalSince(stabilisation) > 30 { queue += late; late = [] }
                for (i, n) in nodes.sorted(by: { $0.key < $1.key }) { deliver(n.tick(now: now), from: i) }
                if queue.isEmpty { continue }
            }
            let pick = unstable ? Int(rng.next() % UInt64(queue.count)) : 0
            let (from, to, m) = queue.remove(at: pick)
            if silent.contains(to) || cut(from, to, m) { continue }
            if unstable, Double(rng.next() % 1000) / 1000 < dropRate { continue }
            // Round-trip through the wire format, as the node does.
            guard let decoded = ConsensusMessage(decoding: m.encoded) else { Issue.record("a message did not decode"); continue }
            deliver(nodes[to]!.receive(decoded, from: from, now: now), from: to)
        }
        return steps
    }
}

@Suite struct ConsensusTests {
    @Test func allHonestMembersDecideTheLeadersValue() {
        var net = QBFTNetwork(members: [1, 2, 3, 4])
        for i in 1...4 { net.propose(i, [UInt8(i)]) }
        net.run()
        #expect(net.decided.count == 4)
        #expect(Set(net.decided.values).count == 1, "one value decided")
        let leader = net.nodes[1]!.leader(net.instance, round: 1)
        #expect(net.decided[1] == [UInt8(leader)], "the round-1 leader's input")
    }

    @Test func aSilentLeaderIsReplacedByARoundChange() {
        var net = QBFTNetwork(members: [1, 2, 3, 4])
        let leader = net.nodes[1]!.leader(net.instance, round: 1)
        net.silent = [leader]
        for i in 1...4 where i != leader { net.propose(i, [UInt8(i)]) }
        net.run()
        #expect(net.honest.allSatisfy { net.decided[$0] != nil }, "the others decide after the round change")
        #expect(Set(net.honest.map { net.decided[$0]! }).count == 1)
        #expect(net.decided[net.honest[0]] != [UInt8(leader)])
    }

    @Test func onlyTheLeaderCanPropose() {
        let members = [1, 2, 3, 4]
        let auths = authenticators(members)
        let q = QBFT(members: members, me: 1, roundTimeout: 1, authenticator: auths[1]!, isValid: { !$0.isEmpty })
        let id = InstanceID([UInt8](repeating: 1, count: 32))
        let leader = q.leader(id, round: 1)
        let impostor = members.first { $0 != leader && $0 != 1 }!
        let m = ConsensusMessage.signed(kind: .propose, instance: id, round: 1, value: [9], by: auths[impostor]!, signer: impostor)
        let out = q.receive(m, from: impostor, now: Date())
        #expect(out.broadcast.isEmpty, "a proposal from a non-leader is ignored")
        #expect(q.decision(id) == nil)
    }

    @Test func aProposalForALaterRoundNeedsAQuorumOfRoundChanges() {
        let members = [1, 2, 3, 4]
        let auths = authenticators(members)
        let id = InstanceID([UInt8](repeating: 1, count: 32))
        let q = QBFT(members: members, me: 1, roundTimeout: 1, authenticator: auths[1]!, isValid: { !$0.isEmpty })
        let leader2 = q.leader(id, round: 2)
        let receiver = members.first { $0 != leader2 }!
        let r = QBFT(members: members, me: receiver, roundTimeout: 1, authenticator: auths[receiver]!, isValid: { !$0.isEmpty })
        // No justification at all.
        let bare = ConsensusMessage.signed(kind: .propose, instance: id, round: 2, value: [5], by: auths[leader2]!, signer: leader2)
        #expect(r.receive(bare, from: leader2, now: Date()).broadcast.isEmpty, "an unjustified round-2 proposal is ignored")
        // Round changes from only two members (quorum is 3).
        let changes = members.prefix(2).map {
            ConsensusMessage.signed(kind: .roundChange, instance: id, round: 2, value: [], by: auths[$0]!, signer: $0).statement(signer: $0)
        }
        let short = ConsensusMessage.signed(kind: .propose, instance: id, round: 2, value: [5], justification: changes, by: auths[leader2]!, signer: leader2)
        #expect(r.receive(short, from: leader2, now: Date()).broadcast.isEmpty, "two round changes do not justify a proposal")
        // A forged third round change (signed by the wrong key).
        let forgedSigner = members[2]
        let forgedMessage = ConsensusMessage.signed(kind: .roundChange, instance: id, round: 2, value: [], by: auths[members[0]]!, signer: members[0])
        let forged = SignedStatementFactory.relabel(forgedMessage.statement(signer: members[0]), as: forgedSigner)
        let withForgery = ConsensusMessage.signed(kind: .propose, instance: id, round: 2, value: [5], justification: changes + [forged], by: auths[leader2]!, signer: leader2)
        #expect(r.receive(withForgery, from: leader2, now: Date()).broadcast.isEmpty, "a forged round change does not count")
        // Three genuine ones do.
        let third = ConsensusMessage.signed(kind: .roundChange, instance: id, round: 2, value: [], by: auths[forgedSigner]!, signer: forgedSigner).statement(signer: forgedSigner)
        let good = ConsensusMessage.signed(kind: .propose, instance: id, round: 2, value: [5], justification: changes + [third], by: auths[leader2]!, signer: leader2)
        let out = r.receive(good, from: leader2, now: Date())
        #expect(out.broadcast.map(\.kind) == [.prepare], "a justified proposal is prepared")
    }

    @Test func aJustifiedProposalMustCarryTheHighestPreparedValue() {
        let members = [1, 2, 3, 4]
        let auths = authenticators(members)
        let id = InstanceID([UInt8](repeating: 2, count: 32))
        let probe = QBFT(members: members, me: 1, roundTimeout: 1, authenticator: auths[1]!, isValid: { !$0.isEmpty })
        let leader3 = probe.leader(id, round: 3)
        let receiver = members.first { $0 != leader3 }!
        let r = QBFT(members: members, me: receiver, roundTimeout: 1, authenticator: auths[receiver]!, isValid: { !$0.isEmpty })
        // Value [7] was prepared in round 2 by a quorum (certificate of three PREPAREs).
        let certificate = members.prefix(3).map {
            ConsensusMessage.signed(kind: .prepare, instance: id, round: 2, value: [7], by: auths[$0]!, signer: $0).statement(signer: $0)
        }
        let changes = members.prefix(3).map { m -> SignedStatement in
            let prepared = m == members[0]
            return ConsensusMessage.signed(kind: .roundChange, instance: id, round: 3, value: [], preparedRound: prepared ? 2 : 0,
                                           preparedValue: prepared ? [7] : [], by: auths[m]!, signer: m).statement(signer: m)
        }
        let other = ConsensusMessage.signed(kind: .propose, instance: id, round: 3, value: [8], justification: changes, by: auths[leader3]!, signer: leader3)
        #expect(r.receive(other, from: leader3, now: Date()).broadcast.isEmpty, "another value than the highest prepared one is refused")
        let uncertified = ConsensusMessage.signed(kind: .propose, instance: id, round: 3, value: [7], justification: changes, by: auths[leader3]!, signer: leader3)
        #expect(r.receive(uncertified, from: leader3, now: Date()).broadcast.isEmpty, "the prepared value needs its certificate")
        let right = ConsensusMessage.signed(kind: .propose, instance: id, round: 3, value: [7], justification: changes + certificate, by: auths[leader3]!, signer: leader3)
        #expect(r.receive(right, from: leader3, now: Date()).broadcast.map(\.kind) == [.prepare])
    }

    @Test func aRoundChangeClaimingAnUncertifiedValueIsIgnored() {
        let members = [1, 2, 3, 4]
        let auths = authenticators(members)
        let id = InstanceID([UInt8](repeating: 3, count: 32))
        let q = QBFT(members: members, me: 1, roundTimeout: 1, authenticator: auths[1]!, isValid: { !$0.isEmpty })
        let leader2 = q.leader(id, round: 2)
        let node = QBFT(members: members, me: leader2, roundTimeout: 1, authenticator: auths[leader2]!, isValid: { !$0.isEmpty })
        _ = node.propose(id, value: [1], now: Date(timeIntervalSince1970: 0))
        let others = members.filter { $0 != leader2 }
        // One member claims round-1 preparation of [0xEE] with no certificate; two are honest.
        let liar = others[0]
        let lie = ConsensusMessage.signed(kind: .roundChange, instance: id, round: 2, value: [], preparedRound: 1, preparedValue: [0xEE], by: auths[liar]!, signer: liar)
        var proposals: [ConsensusMessage] = []
        proposals += node.receive(lie, from: liar, now: Date(timeIntervalSince1970: 0)).broadcast.filter { $0.kind == .propose }
        for m in others.dropFirst() {
            let rc = ConsensusMessage.signed(kind: .roundChange, instance: id, round: 2, value: [], by: auths[m]!, signer: m)
            proposals += node.receive(rc, from: m, now: Date(timeIntervalSince1970: 0)).broadcast.filter { $0.kind == .propose }
        }
        // The leader's own round change makes the third; the lie is not counted.
        proposals += node.tick(now: Date(timeIntervalSince1970: 5)).broadcast.filter { $0.kind == .propose }
        #expect(proposals.count == 1)
        #expect(proposals.first?.value == [1], "the leader proposes its own input, not the uncertified claim")
    }

    @Test func aDecisionNeedsACommitCertificate() {
        let members = [1, 2, 3, 4]
        let auths = authenticators(members)
        let id = InstanceID([UInt8](repeating: 4, count: 32))
        let q = QBFT(members: members, me: 4, roundTimeout: 1, authenticator: auths[4]!, isValid: { !$0.isEmpty })
        let commits = [1, 2, 3].map { ConsensusMessage.signed(kind: .commit, instance: id, round: 1, value: [9], by: auths[$0]!, signer: $0).statement(signer: $0) }
        let two = ConsensusMessage.signed(kind: .decided, instance: id, round: 1, value: [9], justification: Array(commits.prefix(2)), by: auths[1]!, signer: 1)
        _ = q.receive(two, from: 1, now: Date())
        #expect(q.decision(id) == nil, "two commits are not a quorum")
        let wrongValue = ConsensusMessage.signed(kind: .decided, instance: id, round: 1, value: [8], justification: commits, by: auths[1]!, signer: 1)
        _ = q.receive(wrongValue, from: 1, now: Date())
        #expect(q.decision(id) == nil, "commits for another value prove nothing")
        let good = ConsensusMessage.signed(kind: .decided, instance: id, round: 1, value: [9], justification: commits, by: auths[1]!, signer: 1)
        _ = q.receive(good, from: 1, now: Date())
        #expect(q.decision(id) == [9])
    }

    @Test func anEquivocatingLeaderCannotGetTwoValuesDecided() {
        // 7 members, f = 2: the leader sends value A to half the members and B to the others.
        var net = QBFTNetwork(members: Array(1...7))
        let leader = net.nodes[1]!.leader(net.instance, round: 1)
        net.silent = [leader]
        let others = (1...7).filter { $0 != leader }
        for (k, to) in others.enumerated() {
            let v: [UInt8] = k % 2 == 0 ? [0xA] : [0xB]
            net.queue.append((leader, to, .signed(kind: .propose, instance: net.instance, round: 1, value: v, by: net.auths[leader]!, signer: leader)))
        }
        for i in others { net.propose(i, [UInt8(i)]) }
        net.run()
        let values = Set(others.compactMap { net.decided[$0] })
        #expect(values.count <= 1, "never two different decisions")
        #expect(others.allSatisfy { net.decided[$0] != nil }, "and the honest members still decide")
    }

    /// The classic safety case: one member decides in round 1 and then goes silent; the others
    /// had prepared the value, and the next leader must carry it forward (it would be free to
    /// propose its own input without the justification rule).
    @Test func aValueDecidedByOneMemberIsCarriedIntoLaterRounds() {
        var net = QBFTNetwork(members: [1, 2, 3, 4])
        let leader = net.nodes[1]!.leader(net.instance, round: 1)
        let lucky = [1, 2, 3, 4].first { $0 != leader }!
        // Round-1 commits reach only `lucky`; once it decided it goes silent.
        net.cut = { _, to, m in m.kind == .commit && m.round == 1 && to != lucky }
        for i in 1...4 { net.propose(i, [UInt8(i)]) }
        while net.decided[lucky] == nil, !net.queue.isEmpty {
            let (from, to, m) = net.queue.removeFirst()
            if net.cut(from, to, m) { continue }
            net.deliver(net.nodes[to]!.receive(m, from: from, now: net.now), from: to)
        }
        #expect(net.decided[lucky] == [UInt8(leader)], "decided in round 1")
        #expect(net.decided.count == 1)
        net.silent = [lucky]
        net.queue = []
        net.run()
        for m in net.honest { #expect(net.decided[m] == [UInt8(leader)], "member \(m) decides the same value in a later round") }
    }

    /// f Byzantine members that rewrite most of what they send (different values to different
    /// members, fake prepared claims), with reordering and drops before stabilisation: the
    /// honest members always agree and always decide.
    @Test(arguments: [(4, 1), (7, 2), (10, 3)])
    func byzantineMembersAndAnUnstableNetwork(n: Int, f: Int) {
        for seed in 1...60 {
            var net = QBFTNetwork(members: Array(1...n))
            net.rng = Schedule(state: UInt64(seed * 7919 + n))
            net.byzantine = Set((1...n).shuffled(using: &net.rng).prefix(f))
            net.stabilisation = net.now.addingTimeInterval(Double(seed % 4) * 5)
            net.dropRate = [0.1, 0.3, 0.5][seed % 3]
            for i in 1...n { net.propose(i, [UInt8(i)]) }
            let steps = net.run(maxSteps: 200_000)
            let honest = net.honest
            #expect(honest.allSatisfy { net.decided[$0] != nil }, "seed \(seed): every honest member decides (\(steps) steps)")
            let values = Set(honest.compactMap { net.decided[$0] })
            #expect(values.count == 1, "seed \(seed): one value")
            #expect(values.allSatisfy { $0.count == 1 && $0[0] >= 1 && Int($0[0]) <= n || $0.first! >= 0xB0 }, "seed \(seed)")
        }
    }

    @Test func messagesRoundTrip() {
        let auths = authenticators([1, 2])
        let id = InstanceID([UInt8](repeating: 3, count: 32))
        let cert = [ConsensusMessage.signed(kind: .prepare, instance: id, round: 4, value: [9, 9, 9], by: auths[2]!, signer: 2).statement(signer: 2)]
        let m = ConsensusMessage.signed(kind: .roundChange, instance: id, round: 5, value: [], preparedRound: 4, preparedValue: [9, 9, 9],
                                        justification: cert, by: auths[1]!, signer: 1)
        #expect(ConsensusMessage(decoding: m.encoded) == m)
        #expect(ConsensusMessage(decoding: m.encoded + [0]) == nil)
        #expect(ConsensusMessage(decoding: Array(m.encoded.dropLast())) == nil)
        #expect(m.statement(signer: 1) == ConsensusMessage(decoding: m.encoded)!.statement(signer: 1))
    }
}

/// Builds statements a Byzantine member might send (a signature moved to another signer).
enum SignedStatementFactory {
    static func relabel(_ s: SignedStatement, as signer: Int) -> SignedStatement {
        let message = ConsensusMessage(kind: s.kind, instance: s.instance, round: s.round, value: [], signature: s.signature)
        return message.statement(signer: signer)
    }
}
