import Primitives

/// One member as every other member sees it: identity key, where to reach it, and its relay.
public struct PeerDescriptor: Sendable, Equatable {
    /// The member index (non-zero, unique in the roster).
    public var index: UInt16
    /// The member's long-term Ed25519 identity key; a connection is authenticated against it.
    public var signingKey: SigningPublicKey
    /// `host:port` where the member accepts connections, or `nil` when it cannot accept any
    /// (behind NAT): it then dials the others (or only its relay).
    public var address: String?
    /// A member that forwards frames for this one when it cannot accept connections. The
    /// forwarded frames stay end-to-end encrypted between the two endpoints.
    public var relay: UInt16?

    /// Describes a member.
    /// - Parameters:
    ///   - index: The member index.
    ///   - signingKey: Its Ed25519 identity key.
    ///   - address: `host:port` it listens on, or `nil`.
    ///   - relay: The member relaying for it, or `nil`.
    public init(index: UInt16, signingKey: SigningPublicKey, address: String? = nil, relay: UInt16? = nil) {
        self.index = index
        self.signingKey = signingKey
        self.address = address
        self.relay = relay
    }
}

/// Reconnection delays: `initial`, doubling up to `maximum`, each drawn uniformly from
/// `[(1 - jitter) · d, d]` so that members that lost a link together do not redial in lockstep.
public struct BackoffPolicy: Sendable, Equatable {
    /// First delay in seconds.
    public var initial: Double
    /// Largest delay in seconds.
    public var maximum: Double
    /// Fraction of each delay that is randomised, 0...1.
    public var jitter: Double

    /// - Parameters:
    ///   - initial: First delay in seconds (default 0.1).
    ///   - maximum: Cap in seconds (default 5).
    ///   - jitter: Randomised fraction (default 0.5).
    public init(initial: Double = 0.1, maximum: Double = 5, jitter: Double = 0.5) {
        self.initial = initial
        self.maximum = maximum
        self.jitter = jitter
    }

    /// The delay before retry number `attempt` (0-based), in seconds.
    func delay(attempt: Int) -> Double {
        let base = min(maximum, initial * Double(1 << min(attempt, 30)))
        return base * (1 - jitter * Double.random(in: 0...1))
    }
}

/// Everything a member needs to join the ring's network.
public struct TransportConfiguration: Sendable {
    /// 32 bytes naming the ceremony or pool; a remote with a different id is refused.
    public var networkID: [UInt8]
    /// This member's index; must appear in `peers` with this process's identity key.
    public var localIndex: UInt16
    /// `host:port` to bind, or `nil` to accept no connections. Port 0 picks a free port
    /// (see ``PeerNetwork/boundPort``).
    public var listenAddress: String?
    /// Every member, including this one.
    public var peers: [PeerDescriptor]
    /// Largest frame accepted or sent after authentication (default 16 MiB). An application
    /// payload may use up to `maxFrameBytes - 9 - 16` bytes (record header and tag).
    public var maxFrameBytes: Int
    /// Reconnection delays.
    public var backoff: BackoffPolicy
    /// Seconds a connection (or relayed session) may spend in the handshake.
    public var handshakeTimeout: Double
    /// Unacknowledged messages kept per peer before `send` throws ``TransportError/queueFull(peer:limit:)``.
    public var maxQueuedMessages: Int

    /// - Parameters:
    ///   - networkID: 32-byte ceremony or pool id.
    ///   - localIndex: This member's index.
    ///   - listenAddress: `host:port` to bind, or `nil`.
    ///   - peers: All members including this one.
    ///   - maxFrameBytes: Frame size limit (default 16 MiB).
    ///   - backoff: Reconnection delays (default 0.1 s doubling to 5 s).
    ///   - handshakeTimeout: Seconds (default 10).
    ///   - maxQueuedMessages: Per-peer queue bound (default 100 000).
    public init(networkID: [UInt8], localIndex: UInt16, listenAddress: String?, peers: [PeerDescriptor],
                maxFrameBytes: Int = 16 << 20, backoff: BackoffPolicy = BackoffPolicy(),
                handshakeTimeout: Double = 10, maxQueuedMessages: Int = 100_000) {
        self.networkID = networkID
        self.localIndex = localIndex
        self.listenAddress = listenAddress
        self.peers = peers
        self.maxFrameBytes = maxFrameBytes
        self.backoff = backoff
        self.handshakeTimeout = handshakeTimeout
        self.maxQueuedMessages = maxQueuedMessages
    }
}

/// A parsed `host:port` (IPv6 hosts in brackets: `[::1]:9000`).
struct HostPort: Sendable, Equatable {
    var host: String
    var port: Int

    init(_ text: String) throws(TransportError) {
        guard let colon = text.lastIndex(of: ":") else { throw .invalidAddress(text) }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw .invalidAddress(text)
        }
        self.host = host
        self.port = port
    }
}

/// How this member reaches another: who dials whom, and through which relay. Every member
/// computes the same answer from the same roster, so exactly one side dials.
enum Route: Equatable {
    /// Direct TCP; `dial` says whether this member is the one that connects.
    case direct(dial: Bool)
    /// End-to-end session carried inside frames through member `relay`; `initiate` says
    /// whether this member starts the handshake.
    case relayed(via: UInt16, initiate: Bool)
}

/// The validated roster: what `PeerNetwork` and the handshake consult.
package struct Roster: Sendable {
    let members: [UInt16: PeerDescriptor]
    let local: UInt16

    package init(configuration c: TransportConfiguration, localKey: SigningPublicKey) throws(TransportError) {
        guard c.networkID.count == 32 else {
            throw .invalidConfiguration("networkID must be 32 bytes, got \(c.networkID.count)")
        }
        guard c.maxFrameBytes >= 1024, c.maxFrameBytes <= Int(UInt32.max) else {
            throw .invalidConfiguration("maxFrameBytes must be in 1024...\(UInt32.max)")
        }
        guard c.handshakeTimeout > 0, c.backoff.initial > 0, c.backoff.maximum >= c.backoff.initial,
              (0...1).contains(c.backoff.jitter), c.maxQueuedMessages > 0 else {
            throw .invalidConfiguration("timeouts, backoff delays and queue bound must be positive (jitter in 0...1)")
        }
        var members: [UInt16: PeerDescriptor] = [:]
        var keys: Set<SigningPublicKey> = []
        for p in c.peers {
            guard p.index != 0 else { throw .invalidConfiguration("member index 0 is not allowed") }
            guard members[p.index] == nil else { throw .invalidConfiguration("member index \(p.index) listed twice") }
            guard keys.insert(p.signingKey).inserted else {
                throw .invalidConfiguration("member \(p.index) has the same identity key as another member")
            }
            if let a = p.address { _ = try HostPort(a) }
            members[p.index] = p
        }
        guard let me = members[c.localIndex] else {
            throw .invalidConfiguration("local index \(c.localIndex) is not in the peer list")
        }
        guard (me.address == nil) == (c.listenAddress == nil) else {
            throw .invalidConfiguration("member \(c.localIndex) has \(me.address == nil ? "no address" : "an address") in the peer list but \(c.listenAddress == nil ? "no" : "a") listen address; other members decide who dials from the peer list")
        }
        guard me.signingKey == localKey else {
            throw .invalidConfiguration("the identity key does not match member \(c.localIndex)'s key in the peer list")
        }
        for p in members.values {
            if let r = p.relay {
                guard r != p.index, let relay = members[r], relay.address != nil, relay.relay == nil else {
                    throw .invalidConfiguration("member \(p.index) names relay \(r), which must be another member with an address and no relay of its own")
                }
            }
        }
        // Two members behind different relays cannot reach each other (relays do not chain).
        let relayed = members.values.filter { $0.relay != nil }
        for a in relayed { for b in relayed where a.relay != b.relay && a.index < b.index {
            throw .invalidConfiguration("members \(a.index) and \(b.index) use different relays; relays do not forward to each other")
        } }
        if let l = c.listenAddress { _ = try HostPort(l) }
        self.members = members
        self.local = c.localIndex
    }

    /// Every member but this one, ascending.
    var others: [UInt16] { members.keys.filter { $0 != local }.sorted() }

    /// The member whose identity key is `key`, if any.
    func index(of key: SigningPublicKey) -> UInt16? {
        members.values.first { $0.signingKey == key }?.index
    }

    /// Connection policy. A member with a relay talks directly only to its relay. Otherwise
    /// a pair connects directly; the dialler is the one that cannot accept, or else the lower
    /// index, so both members agree and duplicate connections only arise from races.
    func route(to peer: UInt16) -> Route? { route(from: local, to: peer) }

    /// The route as member `from` sees it (a relay uses this to check it should forward).
    func route(from local: UInt16, to peer: UInt16) -> Route? {
        guard local != peer, let me = members[local], let them = members[peer] else { return nil }
        if let r = me.relay, r != peer { return .relayed(via: r, initiate: local < peer) }
        if let r = them.relay, r != local { return .relayed(via: r, initiate: local < peer) }
        if me.relay == peer { return .direct(dial: true) }
        if them.relay == local { return .direct(dial: false) }
        let iAccept = me.address != nil, theyAccept = them.address != nil
        switch (iAccept, theyAccept) {
        case (_, false): return iAccept ? .direct(dial: false) : nil  // neither can accept: unreachable
        case (false, true): return .direct(dial: true)
        case (true, true): return .direct(dial: local < peer)
        }
    }
}
