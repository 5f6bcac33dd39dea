import Foundation
import Primitives
import Transport

/// The ceremony link over the authenticated, encrypted TCP transport (Sources/Transport).
public final class NetworkLink: CeremonyLink {
    let network: PeerNetwork
    public let events: AsyncStream<LinkEvent>
    private let pump: Task<Void, Never>

    init(network: PeerNetwork) {
        self.network = network
        let (stream, continuation) = AsyncStream<LinkEvent>.makeStream()
        events = stream
        let source = network.events
        pump = Task {
            for await event in source {
                switch event {
                case let .message(from, payload): continuation.yield(.message(from: Int(from), payload: payload))
                case .connected(let p): continuation.yield(.connected(Int(p)))
                case let .disconnected(p, reason): continuation.yield(.disconnected(Int(p), reason: reason.description))
                case let .refused(remote, reason): continuation.yield(.refused(remote: remote, reason: reason.description))
                }
            }
            continuation.finish()
        }
    }

    /// Binds this member's address (or `listen`), starts dialling, and returns the link.
    public static let make: LinkFactory = { setup, key throws(CeremonyError) in
        let names = Dictionary(uniqueKeysWithValues: setup.members.map { ($0.name, $0.index) })
        let peers = setup.members.map { m in
            PeerDescriptor(index: UInt16(m.index), signingKey: m.record.signingKey,
                           address: m.record.address.isEmpty ? nil : m.record.address,
                           relay: m.record.relay.isEmpty ? nil : names[m.record.relay].map { UInt16($0) })
        }
        let mine = setup.members.first { $0.index == setup.me }!
        let listen = setup.listen ?? (mine.record.address.isEmpty ? nil : mine.record.address)
        let configuration = TransportConfiguration(networkID: setup.networkID, localIndex: UInt16(setup.me),
                                                   listenAddress: listen, peers: peers)
        let network: PeerNetwork
        do {
            network = try PeerNetwork(configuration: configuration, identity: key)
            try await network.start()
        } catch let error as TransportError { throw .transport(error.description) } catch { throw .transport("\(error)") }
        return NetworkLink(network: network)
    }

    public func send(_ payload: [UInt8], to peer: Int) async {
        try? await network.send(payload, to: UInt16(peer))
    }

    public func broadcast(_ payload: [UInt8]) async {
        try? await network.broadcast(payload)
    }

    public func shutdown() async {
        await network.shutdown()
        pump.cancel()
    }
}
