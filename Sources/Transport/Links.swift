import NIOCore

/// An authenticated path to one member: a direct TCP connection or a session through a relay.
/// Confined to the network's event loop.
protocol Link: AnyObject {
    /// The authenticated remote member.
    var peer: UInt16 { get }
    /// Whether this member started the handshake.
    var initiatedLocally: Bool { get }
    /// The remote process's incarnation number (changes when it restarts).
    var remoteIncarnation: UInt64 { get }
    /// Encrypts and sends one record.
    func send(_ record: Record)
    /// Closes the path; `Core` is told through the usual close notification.
    func close(reason: TransportError)
}

/// The pipeline end of a TCP connection: runs the handshake, then seals and opens records.
final class ConnectionHandler: ChannelInboundHandler, Link {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let core: Core
    private let session: SecureSession
    private let frameLimit: FrameLimit
    /// The member we dialled, for outbound connections.
    let dialled: UInt16?
    private var context: ChannelHandlerContext?
    private var timeout: Scheduled<Void>?
    private var closeReason: TransportError?
    private(set) var remoteDescription = "unknown"
    private(set) var established = false

    init(core: Core, dialling peer: UInt16?, frameLimit: FrameLimit) {
        self.core = core
        dialled = peer
        self.frameLimit = frameLimit
        session = peer.map { SecureSession(initiatorTo: $0, context: core.handshakeContext) }
            ?? SecureSession(responderWith: core.handshakeContext)
    }

    var peer: UInt16 { session.remoteIndex! }
    var initiatedLocally: Bool { dialled != nil }
    var remoteIncarnation: UInt64 { session.remoteIncarnation }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelActive(context: ChannelHandlerContext) {
        if let a = context.remoteAddress {
            remoteDescription = a.ipAddress.map { "\($0):\(a.port ?? 0)" } ?? a.description
        }
        core.channelOpened(context.channel)
        let seconds = core.configuration.handshakeTimeout
        timeout = context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(Int64(seconds * 1e9))) {
            self.fail(.handshakeTimeout(seconds: seconds))
        }
        if dialled != nil { write(session.start()) }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard closeReason == nil else { return }
        var buffer = unwrapInboundIn(data)
        let frame = buffer.readBytes(length: buffer.readableBytes) ?? []
        do {
            for output in try session.receive(frame) {
                switch output {
                case .send(let bytes): write(bytes)
                case .established:
                    established = true
                    timeout?.cancel()
                    frameLimit.value = core.configuration.maxFrameBytes
                    core.linkEstablished(self)
                case .record(let plaintext):
                    core.received(try Record(decoding: plaintext), over: self)
                }
                if closeReason != nil { return }
            }
        } catch {
            fail(error)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        fail(error as? TransportError ?? .io(String(describing: error)))
    }

    func channelInactive(context: ChannelHandlerContext) {
        timeout?.cancel()
        core.connectionClosed(self, channel: context.channel, reason: closeReason ?? .connectionClosed)
        context.fireChannelInactive()
    }

    func send(_ record: Record) {
        guard established, closeReason == nil else { return }
        write(session.seal(record.encoded()))
    }

    func close(reason: TransportError) { fail(reason) }

    private func fail(_ reason: TransportError) {
        guard closeReason == nil else { return }
        closeReason = reason
        context?.close(promise: nil)
    }

    private func write(_ body: [UInt8]) {
        guard let context else { return }
        context.writeAndFlush(wrapOutboundOut(encodeFrame(body, allocator: context.channel.allocator)), promise: nil)
    }
}

/// An end-to-end session with `peer` whose frames travel inside `.relay` records through
/// member `relay`. The relay forwards only ciphertext; the endpoints authenticate each other
/// with the same handshake as a direct connection.
final class RelayedSession: Link {
    private let core: Core
    let session: SecureSession
    let relay: UInt16
    private var timeout: Scheduled<Void>?
    private(set) var closed = false

    init(core: Core, peer: UInt16, relay: UInt16, initiate: Bool) {
        self.core = core
        self.relay = relay
        expectedPeer = peer
        session = initiate ? SecureSession(initiatorTo: peer, context: core.handshakeContext)
            : SecureSession(responderWith: core.handshakeContext)
        let seconds = core.configuration.handshakeTimeout
        timeout = core.loop.assumeIsolated().scheduleTask(in: .nanoseconds(Int64(seconds * 1e9))) { [weak self] in
            self?.close(reason: .handshakeTimeout(seconds: seconds))
        }
    }

    private let expectedPeer: UInt16
    var peer: UInt16 { expectedPeer }
    var initiatedLocally: Bool { session.role == .initiator }
    var remoteIncarnation: UInt64 { session.remoteIncarnation }
    var established: Bool { session.isEstablished }

    /// Sends hello1 (initiator only).
    func start() { core.sendThroughRelay(relay, to: peer, opensSession: true, inner: session.start()) }

    /// Feeds one inner frame from the relay.
    func receive(_ inner: [UInt8]) {
        guard !closed else { return }
        do {
            for output in try session.receive(inner) {
                switch output {
                case .send(let bytes): core.sendThroughRelay(relay, to: peer, opensSession: false, inner: bytes)
                case .established:
                    guard session.remoteIndex == peer else { throw TransportError.unexpectedPeer(expected: peer, actual: session.remoteIndex!) }
                    timeout?.cancel()
                    core.linkEstablished(self)
                case .record(let plaintext):
                    let record = try Record(decoding: plaintext)
                    if case .relay = record { throw TransportError.malformedMessage("relay record inside a relayed session") }
                    core.received(record, over: self)
                }
                if closed { return }
            }
        } catch {
            close(reason: error as? TransportError ?? .io(String(describing: error)))
        }
    }

    func send(_ record: Record) {
        guard established, !closed else { return }
        core.sendThroughRelay(relay, to: peer, opensSession: false, inner: session.seal(record.encoded()))
    }

    func close(reason: TransportError) {
        guard !closed else { return }
        closed = true
        timeout?.cancel()
        core.relayedSessionClosed(self, reason: reason)
    }
}
