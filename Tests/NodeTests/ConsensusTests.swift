import Foundation
import Node
import Testing

/// Drives QBFT members over an in-memory network with drops, a silent leader and a lying
/// (equivocating) leader.
struct QBFTNetwork {
    var nodes: [Int: QBFT]
    var decided: [Int: [UInt8]] = [:]
    var silent: Set<Int> = []
    var queue: [(from: Int, to: Int, message: ConsensusMessage)] = []
    var now = Date(timeIntervalSince1970: 1_000)
    let instance = InstanceID([UInt8](repeating: 7, count: 32))

    init(members: [Int]) {
        nodes = Dictionary(uniqueKeysWithValues: members.map { ($0, QBFT(members: members, me: $0, roundTimeout: 1, isValid: { !$0.isEmpty })) })
    }

    mutating func deliver(_ out: ConsensusOutput, from: Int) {
        for (_, v) in out.decided { decided[from] = v }
        guard !silent.contains(from) else { return }
        for m in out.broadcast { for to in nodes.keys where to != from { queue.append((from, to, m)) } }
    }

    mutating func propose(_ member: Int, _ value: [UInt8]) {
        let out = nodes[member]!.propose(instance, value: value, now: now)
        deliver(out, from: member)
    }

    /// Runs until quiet, advancing time by 100 ms per step when nothing is queued.
    mutating func run(maxSteps: Int = 2000) {
        var steps = 0
        while steps < maxSteps, decided.count < nodes.count - silent.count {
            steps += 1
            if queue.isEmpty {
                now = now.addingTimeInterval(0.1)
                for (i, n) in nodes { deliver(n.tick(now: now), from: i) }
                continue
            }
            let (from, to, m) = queue.removeFirst()
            if silent.contains(to) { continue }
            deliver(nodes[to]!.receive(m, from: from, now: now), from: to)
        }
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
        let honest = Set([1, 2, 3, 4]).subtracting([leader])
        #expect(honest.allSatisfy { net.decided[$0] != nil }, "the others decide after the round change")
        #expect(Set(honest.map { net.decided[$0]! }).count == 1)
    }

    @Test func onlyTheLeaderCanPropose() {
        let members = [1, 2, 3, 4]
        let q = QBFT(members: members, me: 1, roundTimeout: 1, isValid: { !$0.isEmpty })
        let id = InstanceID([UInt8](repeating: 1, count: 32))
        let leader = q.leader(id, round: 1)
        let impostor = members.first { $0 != leader && $0 != 1 }!
        let out = q.receive(ConsensusMessage(kind: .propose, instance: id, round: 1, value: [9]), from: impostor, now: Date())
        #expect(out.broadcast.isEmpty, "a proposal from a non-leader is ignored")
        #expect(q.decision(id) == nil)
    }

    @Test func anEquivocatingLeaderCannotGetTwoValuesDecided() {
        // 7 members, f = 2: the leader sends value A to half the members and B to the others.
        var net = QBFTNetwork(members: Array(1...7))
        let leader = net.nodes[1]!.leader(net.instance, round: 1)
        net.silent = [leader]
        let others = (1...7).filter { $0 != leader }
        for (k, to) in others.enumerated() {
            let v: [UInt8] = k % 2 == 0 ? [0xA] : [0xB]
            net.queue.append((leader, to, ConsensusMessage(kind: .propose, instance: net.instance, round: 1, value: v)))
        }
        for i in others { net.propose(i, [UInt8(i)]) }
        net.run()
        let values = Set(others.compactMap { net.decided[$0] })
        #expect(values.count <= 1, "never two different decisions")
        #expect(others.allSatisfy { net.decided[$0] != nil }, "and the honest members still decide")
    }

    @Test func messagesRoundTrip() {
        let m = ConsensusMessage(kind: .roundChange, instance: InstanceID([UInt8](repeating: 3, count: 32)), round: 5, value: [1, 2],
                                 preparedRound: 4, preparedValue: [9, 9, 9])
        #expect(ConsensusMessage(decoding: m.encoded) == m)
        #expect(ConsensusMessage(decoding: m.encoded + [0]) == nil)
        #expect(ConsensusMessage(decoding: Array(m.encoded.dropLast())) == nil)
    }
}
