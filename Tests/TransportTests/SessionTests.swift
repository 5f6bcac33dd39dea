import Primitives
import Testing
import Transport

// The SIGMA-I handshake and record layer as a pure state machine, without sockets.

private func context(_ local: UInt16, key: UInt8? = nil, networkID: [UInt8] = testNetworkID) throws -> HandshakeContext {
    let peers = (1...3).map { member(UInt16($0), port: 9000 + $0) }
    var config = configuration(local: local, listen: 0, peers: peers, networkID: networkID)
    if let key {
        config.peers[Int(local) - 1].signingKey = publicKey(key)
        // In this process's own view, the member whose key it holds has some other key.
        if (1...3).contains(key), key != UInt8(local) { config.peers[Int(key) - 1].signingKey = publicKey(key + 10) }
    }
    let k = identity(key ?? UInt8(local))
    let roster = try Roster(configuration: config, localKey: k.publicKey)
    return HandshakeContext(networkID: networkID, roster: roster, incarnation: 7, identity: LocalIdentity(k))
}

/// Runs hello1 → hello2 → finish; returns both sessions (established unless a step threw).
private func handshake(_ i: SecureSession, _ r: SecureSession) throws(TransportError) {
    let hello1 = i.start()
    guard case .send(let hello2) = try r.receive(hello1).first else { Issue.record("no hello2"); return }
    let out = try i.receive(hello2)
    guard case .send(let finish) = out.first else { Issue.record("no finish"); return }
    #expect(out.last == .established)
    #expect(try r.receive(finish) == [.established])
}

@Test func sessionsAgreeAndCarryRecordsBothWays() throws {
    let i = SecureSession(initiatorTo: 2, context: try context(1))
    let r = SecureSession(responderWith: try context(2))
    try handshake(i, r)
    #expect(r.remoteIndex == 1)
    for n in 0..<3 {
        #expect(try r.receive(i.seal(bytes("to r \(n)"))) == [.record(bytes("to r \(n)"))])
        #expect(try i.receive(r.seal(bytes("to i \(n)"))) == [.record(bytes("to i \(n)"))])
    }
}

@Test func tamperedReplayedAndReflectedRecordsFail() throws {
    let i = SecureSession(initiatorTo: 2, context: try context(1))
    let r = SecureSession(responderWith: try context(2))
    try handshake(i, r)
    var c = i.seal(bytes("payload"))
    c[3] ^= 1
    #expect(throws: TransportError.decryptionFailed) { try r.receive(c) }

    let i2 = SecureSession(initiatorTo: 2, context: try context(1))
    let r2 = SecureSession(responderWith: try context(2))
    try handshake(i2, r2)
    let first = i2.seal(bytes("once"))
    _ = try r2.receive(first)
    #expect(throws: TransportError.decryptionFailed) { try r2.receive(first) }  // replay

    let i3 = SecureSession(initiatorTo: 2, context: try context(1))
    let r3 = SecureSession(responderWith: try context(2))
    try handshake(i3, r3)
    #expect(throws: TransportError.decryptionFailed) { try i3.receive(i3.seal(bytes("mirror"))) }  // reflection
}

@Test func responderRefusesWrongNetworkUnknownKeyAndStolenIndex() throws {
    let otherNet = SecureSession(initiatorTo: 2, context: try context(1, networkID: [UInt8](repeating: 1, count: 32)))
    #expect(throws: TransportError.networkIDMismatch) { try SecureSession(responderWith: try context(2)).receive(otherNet.start()) }

    // Member 1's slot, but a key that is in no roster (key 9).
    let stranger = SecureSession(initiatorTo: 2, context: try context(1, key: 9))
    #expect(throws: TransportError.unknownPeerKey(claimedIndex: 1)) { try handshake(stranger, SecureSession(responderWith: try context(2))) }

    // Member 3's real key claiming index 1.
    let thief = SecureSession(initiatorTo: 2, context: try context(1, key: 3))
    #expect(throws: TransportError.indexKeyMismatch(claimedIndex: 1, actualIndex: 3)) {
        try handshake(thief, SecureSession(responderWith: try context(2)))
    }
}

@Test func initiatorRefusesAnImpostorResponder() throws {
    // The responder holds member 3's key but the initiator dialled member 2.
    let i = SecureSession(initiatorTo: 3, context: try context(1))
    let r = SecureSession(responderWith: try context(3, key: 9))
    #expect(throws: TransportError.unknownPeerKey(claimedIndex: 3)) { try handshake(i, r) }
}

@Test func recordsRoundTrip() throws {
    for record: Record in [.data(seq: 5, payload: [1, 2, 3]), .ack(9), .relay(peer: 4, opensSession: true, inner: [7]), .unreachable(3)] {
        #expect(try Record(decoding: record.encoded()) == record)
    }
    #expect(throws: TransportError.self) { try Record(decoding: [0x7F]) }
}

@Test func configurationIsValidated() {
    func reason(_ config: TransportConfiguration, key: UInt8) -> String? {
        do { _ = try PeerNetwork(configuration: config, identity: identity(key)); return nil } catch {
            if case .invalidConfiguration(let why) = error { return why }
            return error.description
        }
    }
    let peers = [member(1, port: 1), member(2, port: 2)]
    #expect(reason(configuration(local: 3, listen: 1, peers: peers), key: 3)?.contains("not in the peer list") == true)
    #expect(reason(configuration(local: 1, listen: 1, peers: peers), key: 2)?.contains("identity key does not match") == true)
    #expect(reason(configuration(local: 1, listen: nil, peers: peers), key: 1)?.contains("listen address") == true)
    var bad = configuration(local: 1, listen: 1, peers: peers)
    bad.networkID = [1, 2]
    #expect(reason(bad, key: 1)?.contains("networkID must be 32 bytes") == true)
    let twice = [member(1, port: 1), member(2, key: 1, port: 2)]
    #expect(reason(configuration(local: 1, listen: 1, peers: twice), key: 1)?.contains("same identity key") == true)
    let badRelay = [member(1, port: 1), member(2, port: nil, relay: 3), member(3, port: nil)]
    #expect(reason(configuration(local: 1, listen: 1, peers: badRelay), key: 1)?.contains("relay 3") == true)
    let garbled = [member(1, port: 1), PeerDescriptor(index: 2, signingKey: publicKey(2), address: "nohost")]
    #expect(reason(configuration(local: 1, listen: 1, peers: garbled), key: 1) == TransportError.invalidAddress("nohost").description)
    #expect(reason(configuration(local: 1, listen: 1, peers: peers), key: 1) == nil)
}
