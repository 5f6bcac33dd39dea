import NIOCore
import NIOPosix
import Primitives

/// What happens on the network, in order, for the one consumer of ``PeerNetwork/events``.
public enum TransportEvent: Sendable, Equatable {
    /// An application message, delivered once per (sender, sequence number).
    case message(from: UInt16, payload: [UInt8])
    /// An authenticated link to the member is up (direct or relayed).
    case connected(UInt16)
    /// The link to the member went down; queued and unacknowledged messages are kept and
    /// re-sent when it comes back.
    case disconnected(UInt16, reason: TransportError)
    /// A connection attempt (inbound or outbound) failed authentication or broke the protocol
    /// before any application message was read. `remote` is `ip:port` or `relay via N`.
    case refused(remote: String, reason: TransportError)
}

/// Authenticated, encrypted links between the members of one ring.
///
/// Every member runs one `PeerNetwork`. It listens (when it has an address), dials the members
/// the connection policy assigns to it, reconnects with backoff, and gives every message
/// at-least-once delivery with receiver-side deduplication while both processes stay up: each
/// message carries a per-receiver sequence number, the receiver acknowledges it and drops
/// repeats, and the sender keeps it (bounded by `maxQueuedMessages`) until acknowledged,
/// re-sending after a reconnect. Members behind NAT reach others through a relay member that
/// forwards end-to-end encrypted sessions it cannot read. See `Handshake.swift` for the
/// cryptography.
///
/// Call ``start()`` once, consume ``events``, and call ``shutdown()`` when done (it stops the
/// event-loop thread).
public final class PeerNetwork: Sendable {
    private let core: Core
    private let group: MultiThreadedEventLoopGroup
    private let isShutDown = Locked(false)
    /// The event stream (single consumer). It finishes after ``shutdown()``.
    public let events: AsyncStream<TransportEvent>

    /// Validates the configuration and prepares the network; nothing is bound or dialled yet.
    /// - Parameters:
    ///   - configuration: Roster, addresses, network id and limits.
    ///   - identity: This member's Ed25519 identity key; it must match `localIndex` in the roster.
    /// - Throws: `TransportError.invalidConfiguration` or `.invalidAddress` naming the problem.
    public init(configuration: TransportConfiguration, identity: consuming SigningKey) throws(TransportError) {
        let roster = try Roster(configuration: configuration, localKey: identity.publicKey)
        let context = HandshakeContext(networkID: configuration.networkID, roster: roster,
                                       incarnation: UInt64.random(in: 1...UInt64.max),
                                       identity: LocalIdentity(identity))
        let (stream, continuation) = AsyncStream.makeStream(of: TransportEvent.self)
        events = stream
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        core = Core(configuration: configuration, context: context, loop: group.next(), events: continuation)
    }

    /// Binds the listening address (if any) and starts dialling.
    /// - Throws: `TransportError.bindFailed` naming the address, or `.notRunning` when called
    ///   twice or after ``shutdown()``.
    public func start() async throws(TransportError) {
        let core = self.core
        guard core.claimStart() else { throw .notRunning }
        if let listen = core.configuration.listenAddress {
            let hp = try HostPort(listen)
            let bootstrap = ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try core.installPipeline(on: channel, dialling: nil)
                    }
                }
            do {
                let server = try await bootstrap.bind(host: hp.host, port: hp.port).get()
                core.boundPort.withLock { $0 = server.localAddress?.port }
                try await core.loop.submit { core.serverChannel = server }.get()
            } catch {
                throw .bindFailed(address: listen, reason: String(describing: error))
            }
        }
        do {
            try await core.loop.submit { core.startDialling() }.get()
        } catch {
            throw .notRunning
        }
    }

    /// The TCP port actually bound (useful with port 0), or `nil` before ``start()`` or without
    /// a listening address.
    public var boundPort: Int? { core.boundPort.withLock { $0 } }

    /// Queues `payload` for `peer` and sends it now if the link is up.
    /// - Parameters:
    ///   - payload: At most `maxFrameBytes - 64` bytes.
    ///   - peer: Another member's index.
    /// - Throws: `.unknownPeer`, `.frameTooLarge`, `.queueFull`, or `.notRunning`.
    public func send(_ payload: [UInt8], to peer: UInt16) async throws(TransportError) {
        guard peer != core.roster.local, core.roster.members[peer] != nil else { throw .unknownPeer(peer) }
        try await submit { core in core.enqueue(payload, to: peer) }
    }

    /// Sends `payload` to every other member (each gets its own sequence number).
    /// - Throws: as ``send(_:to:)``; the first failure is thrown after all peers were tried.
    public func broadcast(_ payload: [UInt8]) async throws(TransportError) {
        try await submit { core in
            var first: TransportError?
            for peer in core.roster.others { if let e = core.enqueue(payload, to: peer), first == nil { first = e } }
            return first
        }
    }

    /// Whether an authenticated link to `peer` is up right now.
    public func isConnected(_ peer: UInt16) -> Bool { core.connected.withLock { $0.contains(peer) } }

    /// The members with an authenticated link up right now.
    public var connectedPeers: Set<UInt16> { core.connected.withLock { $0 } }

    /// Closes every connection, stops the event loop and finishes ``events``. Messages still
    /// queued are dropped. Idempotent.
    public func shutdown() async {
        guard isShutDown.withLock({ s in defer { s = true }; return !s }) else { return }
        let core = self.core
        let server: (any Channel)? = try? await core.loop.submit { core.stop() }.get()
        if let server { try? await server.close().get() }
        try? await group.shutdownGracefully()
        core.events.finish()
    }

    deinit {
        // A network dropped without `shutdown()` still releases its thread.
        if !isShutDown.withLock({ $0 }) { group.shutdownGracefully { _ in } }
    }

    /// Messages sent to `peer` and not yet acknowledged (tests wait on this).
    package func unacknowledgedCount(to peer: UInt16) async -> Int {
        let core = self.core
        return (try? await core.loop.submit { core.peers[peer]?.unacked.count ?? 0 }.get()) ?? 0
    }

    /// Called with (source, destination, inner bytes) for every frame this member forwards as a
    /// relay, so tests can check the relay sees only ciphertext.
    package func setRelayTap(_ tap: @escaping @Sendable (UInt16, UInt16, [UInt8]) -> Void) {
        core.relayTap.withLock { $0 = tap }
    }

    private func submit(_ body: @escaping @Sendable (Core) -> TransportError?) async throws(TransportError) {
        let core = self.core
        let result: TransportError?
        do {
            result = try await core.loop.submit { body(core) }.get()
        } catch {
            throw .notRunning
        }
        if let result { throw result }
    }
}

/// Per-member state kept by `Core`.
final class PeerState {
    let index: UInt16
    let route: Route?
    /// The authenticated link in use.
    var link: Link?
    /// A relayed handshake in progress.
    var pendingRelayed: RelayedSession?
    /// Next sequence number to assign to a message for this member.
    var nextSeq: UInt64 = 1
    /// Sent or queued, not yet acknowledged, in sequence order.
    var unacked: [(seq: UInt64, payload: [UInt8])] = []
    /// Highest sequence number delivered from this member's current incarnation.
    var lastDelivered: UInt64 = 0
    var deliveredIncarnation: UInt64 = 0
    /// Outbound TCP connection attempt in flight.
    var connecting = false
    var attempt = 0
    var retry: Scheduled<Void>?

    init(index: UInt16, route: Route?) {
        self.index = index
        self.route = route
    }
}

/// The network's state machine. Every method runs on `loop` (all channels share it), so no
/// locks are needed except for the few values callers read synchronously.
final class Core: @unchecked Sendable {
    let configuration: TransportConfiguration
    let roster: Roster
    let handshakeContext: HandshakeContext
    let loop: any EventLoop
    let events: AsyncStream<TransportEvent>.Continuation
    let connected = Locked<Set<UInt16>>([])
    let boundPort = Locked<Int?>(nil)
    let relayTap = Locked<(@Sendable (UInt16, UInt16, [UInt8]) -> Void)?>(nil)
    private let started = Locked(false)

    var peers: [UInt16: PeerState] = [:]
    var serverChannel: (any Channel)?
    private var channels: [ObjectIdentifier: any Channel] = [:]
    private var stopped = false

    init(configuration: TransportConfiguration, context: HandshakeContext, loop: any EventLoop,
         events: AsyncStream<TransportEvent>.Continuation) {
        self.configuration = configuration
        roster = context.roster
        handshakeContext = context
        self.loop = loop
        self.events = events
        for i in roster.others { peers[i] = PeerState(index: i, route: roster.route(to: i)) }
    }

    func claimStart() -> Bool { started.withLock { s in defer { s = true }; return !s } }

    private func emit(_ event: TransportEvent) {
        if !stopped { events.yield(event) }
    }

    // MARK: Connections

    func installPipeline(on channel: any Channel, dialling peer: UInt16?) throws {
        let limit = FrameLimit(Handshake.maxUnauthenticatedFrame)
        try channel.pipeline.syncOperations.addHandlers([
            ByteToMessageHandler(FrameDecoder(limit: limit)),
            ConnectionHandler(core: self, dialling: peer, frameLimit: limit),
        ])
    }

    func startDialling() {
        for i in roster.others { connect(i) }
    }

    /// Starts whatever this member is responsible for to reach `index`, if not already up.
    private func connect(_ index: UInt16) {
        guard !stopped, let p = peers[index], p.link == nil else { return }
        switch p.route {
        case .direct(dial: true)?:
            guard !p.connecting, let address = roster.members[index]?.address, let hp = try? HostPort(address) else { return }
            p.connecting = true
            let bootstrap = ClientBootstrap(group: loop)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connectTimeout(.nanoseconds(Int64(configuration.handshakeTimeout * 1e9)))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try self.installPipeline(on: channel, dialling: index) }
                }
            bootstrap.connect(host: hp.host, port: hp.port).whenFailure { _ in
                self.loop.assertInEventLoop()
                self.peers[index]?.connecting = false
                self.scheduleRetry(index)
            }
        case .relayed(let relay, initiate: true)?:
            guard p.pendingRelayed == nil, peers[relay]?.link != nil else { return }
            let session = RelayedSession(core: self, peer: index, relay: relay, initiate: true)
            p.pendingRelayed = session
            session.start()
        default:
            return  // the other side connects to us
        }
    }

    private func scheduleRetry(_ index: UInt16) {
        guard !stopped, let p = peers[index], p.link == nil, p.retry == nil else { return }
        switch p.route {
        case .direct(dial: true)?, .relayed(_, initiate: true)?: break
        default: return
        }
        let delay = configuration.backoff.delay(attempt: p.attempt)
        p.attempt += 1
        p.retry = loop.scheduleTask(in: .nanoseconds(Int64(delay * 1e9))) {
            self.peers[index]?.retry = nil
            self.connect(index)
        }
    }

    func channelOpened(_ channel: any Channel) {
        if stopped { channel.close(promise: nil); return }
        channels[ObjectIdentifier(channel)] = channel
    }

    func connectionClosed(_ handler: ConnectionHandler, channel: any Channel, reason: TransportError) {
        channels[ObjectIdentifier(channel)] = nil
        if handler.established {
            linkClosed(handler, reason: reason)
        } else if reason != .connectionClosed || handler.dialled != nil {
            emit(.refused(remote: handler.remoteDescription, reason: reason))
        }
        if let d = handler.dialled, let p = peers[d] {
            p.connecting = false
            scheduleRetry(d)
        }
    }

    /// A link finished its handshake: adopt it, or keep the existing one by the duplicate rule.
    func linkEstablished(_ link: Link) {
        guard !stopped, let p = peers[link.peer] else { link.close(reason: .connectionClosed); return }
        if let relayed = link as? RelayedSession, p.pendingRelayed === relayed { p.pendingRelayed = nil }
        if let existing = p.link {
            // Deterministic choice: the connection opened by the lower index wins; when both
            // were opened by the same side, the newer wins (the older is probably half-dead).
            let lowerInitiates = roster.local < link.peer
            let keepNew = existing.initiatedLocally == link.initiatedLocally || link.initiatedLocally == lowerInitiates
            guard keepNew else { link.close(reason: .duplicateConnection); return }
            p.link = link
            existing.close(reason: .duplicateConnection)
        } else {
            p.link = link
            connected.withLock { _ = $0.insert(link.peer) }
            emit(.connected(link.peer))
        }
        p.attempt = 0
        p.retry?.cancel(); p.retry = nil
        if link.remoteIncarnation != p.deliveredIncarnation {
            p.deliveredIncarnation = link.remoteIncarnation
            p.lastDelivered = 0
        }
        for m in p.unacked { link.send(.data(seq: m.seq, payload: m.payload)) }
        // A link to a relay lets the sessions that go through it start.
        if link is ConnectionHandler {
            for q in peers.values where q.route == .relayed(via: link.peer, initiate: true) { connect(q.index) }
        }
    }

    private func linkClosed(_ link: Link, reason: TransportError) {
        guard let p = peers[link.peer], p.link === link else { return }
        p.link = nil
        connected.withLock { _ = $0.remove(link.peer) }
        emit(.disconnected(link.peer, reason: reason))
        if link is ConnectionHandler {
            // As a relay, tell the members whose sessions with this one go through us.
            for q in peers.values where q.link is ConnectionHandler {
                if case .relayed(via: roster.local, _)? = roster.route(from: q.index, to: link.peer) {
                    q.link?.send(.unreachable(link.peer))
                }
            }
            for q in peers.values {
                if case .relayed(via: link.peer, _)? = q.route {
                    q.pendingRelayed?.close(reason: .connectionClosed)
                    q.link?.close(reason: .connectionClosed)
                }
            }
        }
        scheduleRetry(link.peer)
    }

    func relayedSessionClosed(_ session: RelayedSession, reason: TransportError) {
        let p = peers[session.peer]
        if session.established {
            linkClosed(session, reason: reason)
        } else {
            if p?.pendingRelayed === session { p?.pendingRelayed = nil }
            if reason != .connectionClosed && reason != .duplicateConnection {
                emit(.refused(remote: "member \(session.peer) via relay \(session.relay)", reason: reason))
            }
            scheduleRetry(session.peer)
        }
    }

    // MARK: Records

    func received(_ record: Record, over link: Link) {
        guard !stopped, let p = peers[link.peer] else { return }
        switch record {
        case let .data(seq, payload):
            guard p.link === link else { return }
            if seq > p.lastDelivered {
                p.lastDelivered = seq
                emit(.message(from: link.peer, payload: payload))
            }
            link.send(.ack(p.lastDelivered))
        case .ack(let seq):
            guard p.link === link else { return }
            let done = p.unacked.prefix { $0.seq <= seq }.count
            p.unacked.removeFirst(done)
        case let .relay(other, opens, inner):
            relayRecord(from: link, other: other, opensSession: opens, inner: inner)
        case .unreachable(let other):
            if let q = peers[other], case .relayed(via: link.peer, _)? = q.route {
                q.pendingRelayed?.close(reason: .connectionClosed)
                (q.link as? RelayedSession)?.close(reason: .connectionClosed)
            }
        }
    }

    /// A `.relay` record: either we are the relay (forward) or the endpoint (feed the session).
    private func relayRecord(from link: Link, other: UInt16, opensSession: Bool, inner: [UInt8]) {
        guard link is ConnectionHandler, let q = peers[other] else { return }
        if case .relayed(via: link.peer, _)? = q.route {
            // We are the endpoint; `other` is the source.
            if opensSession {
                q.pendingRelayed?.close(reason: .duplicateConnection)
                let session = RelayedSession(core: self, peer: other, relay: link.peer, initiate: false)
                q.pendingRelayed = session
                session.receive(inner)
            } else if let s = q.pendingRelayed {
                s.receive(inner)
            } else if let s = q.link as? RelayedSession {
                s.receive(inner)
            }
            return
        }
        // We are the relay: forward only for pairs whose route names us.
        guard case .relayed(via: roster.local, _)? = roster.route(from: link.peer, to: other) else { return }
        guard let target = q.link as? ConnectionHandler else {
            link.send(.unreachable(other))
            return
        }
        relayTap.withLock { $0 }?(link.peer, other, inner)
        target.send(.relay(peer: link.peer, opensSession: opensSession, inner: inner))
    }

    func sendThroughRelay(_ relay: UInt16, to peer: UInt16, opensSession: Bool, inner: [UInt8]) {
        peers[relay]?.link?.send(.relay(peer: peer, opensSession: opensSession, inner: inner))
    }

    // MARK: API

    func enqueue(_ payload: [UInt8], to peer: UInt16) -> TransportError? {
        guard !stopped else { return .notRunning }
        guard let p = peers[peer] else { return .unknownPeer(peer) }
        let limit = configuration.maxFrameBytes - Record.overhead
        guard payload.count <= limit else { return .frameTooLarge(length: payload.count, limit: limit) }
        guard p.unacked.count < configuration.maxQueuedMessages else {
            return .queueFull(peer: peer, limit: configuration.maxQueuedMessages)
        }
        let seq = p.nextSeq
        p.nextSeq += 1
        p.unacked.append((seq, payload))
        p.link?.send(.data(seq: seq, payload: payload))
        return nil
    }

    /// Stops timers and closes every connection; returns the server channel for the caller to close.
    func stop() -> (any Channel)? {
        stopped = true
        for p in peers.values {
            p.retry?.cancel(); p.retry = nil
            p.pendingRelayed?.close(reason: .connectionClosed)
            p.link?.close(reason: .connectionClosed)
        }
        for c in channels.values { c.close(promise: nil) }
        connected.withLock { $0.removeAll() }
        let s = serverChannel
        serverChannel = nil
        return s
    }
}
