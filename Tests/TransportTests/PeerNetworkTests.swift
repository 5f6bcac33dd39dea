import Primitives
import Testing
import Transport

// End-to-end tests over 127.0.0.1 with ephemeral ports. Members start from the highest index
// down, since the lower index dials the higher one and needs its port.

/// A running member with its event log.
struct Node {
    let index: UInt16
    let network: PeerNetwork
    let log: EventLog
    var port: Int? { network.boundPort }
}

func startNode(_ config: TransportConfiguration, key: UInt8? = nil) async throws -> Node {
    let network = try PeerNetwork(configuration: config, identity: identity(key ?? UInt8(config.localIndex)))
    let log = record(network)
    try await network.start()
    return Node(index: config.localIndex, network: network, log: log)
}

/// Starts `count` listening members; each knows the real ports of the higher ones.
func startRing(_ count: UInt16, absent: [PeerDescriptor] = []) async throws -> [Node] {
    var ports: [UInt16: Int] = [:]
    var nodes: [Node] = []
    for i in stride(from: count, through: 1, by: -1) {
        let peers = (1...count).map { j in member(j, port: ports[j] ?? 1) } + absent  // lower members: placeholder
        let node = try await startNode(configuration(local: i, listen: 0, peers: peers))
        ports[i] = node.port
        nodes.insert(node, at: 0)
    }
    return nodes
}

func shutdownAll(_ nodes: [Node]) async { for n in nodes { await n.network.shutdown() } }

@Test(.timeLimit(.minutes(1))) func fourMembersExchangeAndBroadcast() async throws {
    let nodes = try await startRing(4)
    #expect(await eventually { nodes.allSatisfy { $0.network.connectedPeers.count == 3 } })
    try await nodes[0].network.send(bytes("1→3"), to: 3)
    try await nodes[2].network.send(bytes("3→1"), to: 1)
    for n in nodes { try await n.network.broadcast(bytes("hello from \(n.index)")) }
    #expect(await eventually { await nodes[2].log.messages(from: 1) == [bytes("1→3"), bytes("hello from 1")] })
    #expect(await eventually { await nodes[0].log.messages(from: 3) == [bytes("3→1"), bytes("hello from 3")] })
    for n in nodes {
        #expect(await eventually { await n.log.allMessages.count == (n.index == 1 || n.index == 3 ? 4 : 3) })
        for m in nodes where m.index != n.index {
            #expect(await n.log.messages(from: m.index).contains(bytes("hello from \(m.index)")))
        }
    }
    await expectThrows(.unknownPeer(1)) { () async throws(TransportError) in try await nodes[0].network.send([1], to: 1) }
    await expectThrows(.unknownPeer(9)) { () async throws(TransportError) in try await nodes[0].network.send([1], to: 9) }
    await shutdownAll(nodes)
}

func expectThrows(_ expected: TransportError, _ body: () async throws(TransportError) -> Void) async {
    do { try await body(); Issue.record("expected \(expected)") } catch { #expect(error == expected) }
}

@Test(.timeLimit(.minutes(1))) func unknownKeyIsRefused() async throws {
    let nodes = try await startRing(2, absent: [member(3, port: nil)])
    // Someone with key 9 claims member 3's slot (member 3's real key is key 3) and dials everyone.
    let roster = [member(1, port: nodes[0].port), member(2, port: nodes[1].port)]
    let impostor = try await startNode(configuration(local: 3, listen: nil, peers: roster + [member(3, key: 9, port: nil)]), key: 9)
    try await impostor.network.broadcast(bytes("let me in"))
    for n in nodes {
        #expect(await eventually { await n.log.refusals.contains(.unknownPeerKey(claimedIndex: 3)) })
        #expect(await n.log.allMessages.isEmpty)
        #expect(!n.network.isConnected(3))
    }
    await impostor.network.shutdown()
    await shutdownAll(nodes)
}

@Test(.timeLimit(.minutes(1))) func memberClaimingAnotherIndexIsRefused() async throws {
    // Member 1 listens; a process holding member 3's real key claims index 2.
    let one = try await startNode(configuration(local: 1, listen: 0, peers: (1...3).map { member($0, port: 1) }))
    let thiefView = [member(1, port: one.port), member(2, key: 3, port: nil), member(3, key: 13, port: nil)]
    let thief = try await startNode(configuration(local: 2, listen: nil, peers: thiefView), key: 3)
    try await thief.network.send(bytes("i am 2"), to: 1)
    #expect(await eventually { await one.log.refusals.contains(.indexKeyMismatch(claimedIndex: 2, actualIndex: 3)) })
    #expect(await one.log.allMessages.isEmpty)
    #expect(one.network.connectedPeers.isEmpty)
    await thief.network.shutdown()
    await one.network.shutdown()
}

@Test(.timeLimit(.minutes(1))) func wrongNetworkIDIsRefused() async throws {
    let two = try await startNode(configuration(local: 2, listen: 0, peers: [member(1, port: nil), member(2, port: 1)]))
    let other = [UInt8](repeating: 0x5A, count: 32)
    let one = try await startNode(configuration(local: 1, listen: nil, peers: [member(1, port: nil), member(2, port: two.port)], networkID: other))
    try await one.network.send(bytes("wrong pool"), to: 2)
    #expect(await eventually { await two.log.refusals.contains(.networkIDMismatch) })
    #expect(await two.log.allMessages.isEmpty)
    #expect(!two.network.isConnected(1))
    await one.network.shutdown()
    await two.network.shutdown()
}

@Test(.timeLimit(.minutes(1))) func oversizeFramesCloseTheConnection() async throws {
    let two = try await startNode(configuration(local: 2, listen: 0, peers: [member(1, port: nil), member(2, port: 1)], maxFrameBytes: 4096))
    // Before authentication the limit is 1 KiB whatever maxFrameBytes says.
    let raw = try RawConnection(port: two.port!)
    raw.write([0x00, 0x10, 0x00, 0x00])
    #expect(raw.isClosedByRemote())
    #expect(await eventually { await two.log.refusals.contains(.frameTooLarge(length: 0x10_0000, limit: 1024)) })

    // After authentication the configured limit applies, on receipt ...
    let (_, conn) = try rawHandshake(as: 1, to: two)
    #expect(await eventually { two.network.isConnected(1) })
    conn.write([0x00, 0x00, 0x10, 0x01])
    #expect(conn.isClosedByRemote())
    #expect(await eventually { await two.log.disconnectReasons.contains(.frameTooLarge(length: 4097, limit: 4096)) })
    // ... and on sending.
    await expectThrows(.frameTooLarge(length: 4096, limit: 4096 - 64)) { () async throws(TransportError) in
        try await two.network.send([UInt8](repeating: 0, count: 4096), to: 1)
    }
    await two.network.shutdown()
}

/// Completes a real handshake as member `index` over a raw socket (member 2 listens).
func rawHandshake(as index: UInt16, to node: Node) throws -> (SecureSession, RawConnection) {
    let peers = [member(1, port: nil), member(2, port: 1)]
    let config = configuration(local: index, listen: nil, peers: peers)
    let key = identity(UInt8(index))
    let roster = try Roster(configuration: config, localKey: key.publicKey)
    let session = SecureSession(initiatorTo: node.index, context: HandshakeContext(
        networkID: testNetworkID, roster: roster, incarnation: 1, identity: LocalIdentity(key)))
    let conn = try RawConnection(port: node.port!)
    conn.writeFrame(session.start())
    for output in try session.receive(try conn.readFrame()) {
        if case .send(let finish) = output { conn.writeFrame(finish) }
    }
    return (session, conn)
}

@Test(.timeLimit(.minutes(1))) func tamperedCiphertextClosesTheConnection() async throws {
    let two = try await startNode(configuration(local: 2, listen: 0, peers: [member(1, port: nil), member(2, port: 1)]))
    let (session, conn) = try rawHandshake(as: 1, to: two)
    conn.writeFrame(session.seal(Record.data(seq: 1, payload: bytes("genuine")).encoded()))
    #expect(await eventually { await two.log.messages(from: 1) == [bytes("genuine")] })
    var forged = session.seal(Record.data(seq: 2, payload: bytes("forged")).encoded())
    forged[5] ^= 0x80
    conn.writeFrame(forged)
    _ = try? conn.readFrame()  // the ack of message 1
    #expect(conn.isClosedByRemote())
    #expect(await eventually { await two.log.disconnectReasons.contains(.decryptionFailed) })
    #expect(await two.log.messages(from: 1) == [bytes("genuine")])
    await two.network.shutdown()
}

@Test(.timeLimit(.minutes(1))) func messagesWaitForAPeerThatIsNotUpYet() async throws {
    // Member 2 listens; member 1 dials it but starts later.
    let two = try await startNode(configuration(local: 2, listen: 0, peers: [member(1, port: nil), member(2, port: 1)]))
    for n in 0..<20 { try await two.network.send(bytes("early \(n)"), to: 1) }
    try await Task.sleep(for: .milliseconds(200))
    let one = try await startNode(configuration(local: 1, listen: nil, peers: [member(1, port: nil), member(2, port: two.port)]))
    let expected = (0..<20).map { bytes("early \($0)") }
    #expect(await eventually { await one.log.messages(from: 2) == expected })
    #expect(await eventually { await two.network.unacknowledgedCount(to: 1) == 0 })
    await one.network.shutdown()
    await two.network.shutdown()
}

@Test(.timeLimit(.minutes(1))) func restartedPeerGetsQueuedMessagesWithoutDuplicates() async throws {
    let peersFor = { (port2: Int?) in [member(1, port: nil), member(2, port: port2)] }
    let two = try await startNode(configuration(local: 2, listen: 0, peers: peersFor(1)))
    let port = two.port!
    let one = try await startNode(configuration(local: 1, listen: nil, peers: peersFor(port)))
    for n in 0..<5 { try await one.network.send(bytes("before \(n)"), to: 2) }
    #expect(await eventually { await two.log.messages(from: 1).count == 5 })
    #expect(await eventually { await one.network.unacknowledgedCount(to: 2) == 0 })

    await two.network.shutdown()
    #expect(await eventually { !one.network.isConnected(2) })
    for n in 0..<5 { try await one.network.send(bytes("while away \(n)"), to: 2) }

    let again = try await startNode(configuration(local: 2, listen: port, peers: peersFor(port)))
    let expected = (0..<5).map { bytes("while away \($0)") }
    #expect(await eventually { await again.log.messages(from: 1) == expected })
    try await one.network.send(bytes("after"), to: 2)
    #expect(await eventually { await again.log.messages(from: 1) == expected + [bytes("after")] })
    #expect(await eventually { await one.network.unacknowledgedCount(to: 2) == 0 })
    // Also the other direction after the restart.
    try await again.network.send(bytes("back"), to: 1)
    #expect(await eventually { await one.log.messages(from: 2) == [bytes("back")] })
    await one.network.shutdown()
    await again.network.shutdown()
}

@Test(.timeLimit(.minutes(1))) func replacedConnectionLosesAndDuplicatesNothing() async throws {
    // Member 2 drops its link to member 1 in favour of a newer one; member 1 reconnects, the
    // unacknowledged messages are re-sent and duplicates are dropped by the receiver.
    let two = try await startNode(configuration(local: 2, listen: 0, peers: [member(1, port: nil), member(2, port: 1)]))
    let one = try await startNode(configuration(local: 1, listen: nil, peers: [member(1, port: nil), member(2, port: two.port)]))
    #expect(await eventually { one.network.isConnected(2) })
    for n in 0..<200 { try await one.network.send(bytes("m\(n)"), to: 2) }
    // A second, preferred connection from member 1 replaces the first (same initiator, newer wins).
    _ = try rawHandshake(as: 1, to: two)
    #expect(await eventually { await one.log.disconnectReasons.count >= 1 })
    #expect(await eventually { one.network.isConnected(2) })
    let expected = (0..<200).map { bytes("m\($0)") }
    #expect(await eventually { await two.log.messages(from: 1).count >= 200 })
    try? await Task.sleep(for: .milliseconds(200))
    #expect(await two.log.messages(from: 1) == expected)
    await one.network.shutdown()
    await two.network.shutdown()
}

@Test(.timeLimit(.minutes(1))) func memberBehindNATReachesAnotherThroughARelay() async throws {
    // 2 is the relay; 3 has no address and names 2; 1 and 3 talk through 2.
    let taps = TapLog()
    let relayPeers = [member(1, port: 1), member(2, port: 1), member(3, port: nil, relay: 2)]
    let two = try await startNode(configuration(local: 2, listen: 0, peers: relayPeers))
    two.network.setRelayTap { from, to, inner in Task { await taps.append(from, to, inner) } }
    let peers = [member(1, port: 1), member(2, port: two.port), member(3, port: nil, relay: 2)]
    let one = try await startNode(configuration(local: 1, listen: 0, peers: peers))
    let three = try await startNode(configuration(local: 3, listen: nil, peers: peers))

    #expect(await eventually { one.network.isConnected(3) && three.network.isConnected(1) })
    let secretA = bytes("SECRET-PAYLOAD-FROM-ONE")
    let secretB = bytes("SECRET-PAYLOAD-FROM-THREE")
    try await one.network.send(secretA, to: 3)
    try await three.network.send(secretB, to: 1)
    try await three.network.send(bytes("to the relay itself"), to: 2)
    #expect(await eventually { await three.log.messages(from: 1) == [secretA] })
    #expect(await eventually { await one.log.messages(from: 3) == [secretB] })
    #expect(await eventually { await two.log.messages(from: 3) == [bytes("to the relay itself")] })
    #expect(await two.log.messages(from: 1).isEmpty)
    let relayMessages = await two.log.allMessages
    #expect(!relayMessages.contains(secretA) && !relayMessages.contains(secretB))
    let forwarded = await taps.frames
    #expect(forwarded.count >= 5)  // hello1, hello2, finish, two data, acks
    #expect(Set(forwarded.map { "\($0.from)→\($0.to)" }) == ["1→3", "3→1"])
    for f in forwarded {
        #expect(!contains(f.inner, secretA) && !contains(f.inner, secretB))
    }
    for n in [one, two, three] { await n.network.shutdown() }
}

actor TapLog {
    private(set) var frames: [(from: UInt16, to: UInt16, inner: [UInt8])] = []
    func append(_ from: UInt16, _ to: UInt16, _ inner: [UInt8]) { frames.append((from, to, inner)) }
}

func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard needle.count <= haystack.count else { return false }
    for start in 0...(haystack.count - needle.count) where haystack[start..<start + needle.count].elementsEqual(needle) { return true }
    return false
}

@Test(.timeLimit(.minutes(1))) func relayedMemberRejoinsAndGetsQueuedMessages() async throws {
    let peers = { (relayPort: Int) in [member(1, port: 1), member(2, port: relayPort), member(3, port: nil, relay: 2)] }
    let two = try await startNode(configuration(local: 2, listen: 0, peers: peers(1)))
    let one = try await startNode(configuration(local: 1, listen: 0, peers: peers(two.port!)))
    let three = try await startNode(configuration(local: 3, listen: nil, peers: peers(two.port!)))
    try await one.network.send(bytes("first"), to: 3)
    #expect(await eventually { await three.log.messages(from: 1) == [bytes("first")] })
    #expect(await eventually { await one.network.unacknowledgedCount(to: 3) == 0 })

    await three.network.shutdown()
    // The relay tells member 1 that 3 is gone; member 1 queues meanwhile.
    #expect(await eventually { !one.network.isConnected(3) })
    for n in 0..<3 { try await one.network.send(bytes("queued \(n)"), to: 3) }
    let back = try await startNode(configuration(local: 3, listen: nil, peers: peers(two.port!)))
    let expected = (0..<3).map { bytes("queued \($0)") }
    #expect(await eventually { await back.log.messages(from: 1) == expected })
    #expect(await two.log.allMessages.isEmpty)
    for n in [one, two, back] { await n.network.shutdown() }
}

@Test(.timeLimit(.minutes(1))) func localPortsSeesAListenerAndAvoidsTheEphemeralRange() async throws {
    let node = try await startNode(configuration(local: 1, listen: 0, peers: [member(1, port: 1)]))
    let port = try #require(node.port)
    #expect(!LocalPorts.canBind(port: port), "a member's listening port is taken")
    await node.network.shutdown()
    let base = try #require(LocalPorts.freeBase(span: 256))
    #expect(base >= 10_000 && base + 256 < 32_768)
    #expect((1...256).allSatisfy { LocalPorts.canBind(port: base + $0) })
}
