#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#endif
import Primitives
import Testing
import Transport

/// Deterministic identity for member `i` (seed = 32 bytes of `i`).
func identity(_ i: UInt8) -> SigningKey {
    try! SigningKey(seed: SecureBytes(copying: [UInt8](repeating: i, count: 32)))
}

func publicKey(_ i: UInt8) -> SigningPublicKey { identity(i).publicKey }

let testNetworkID = [UInt8](repeating: 0xA5, count: 32)

/// A roster entry; `port == nil` means no address.
func member(_ i: UInt16, key: UInt8? = nil, port: Int?, relay: UInt16? = nil) -> PeerDescriptor {
    PeerDescriptor(index: i, signingKey: publicKey(key ?? UInt8(i)), address: port.map { "127.0.0.1:\($0)" }, relay: relay)
}

func configuration(local: UInt16, listen: Int?, peers: [PeerDescriptor], networkID: [UInt8] = testNetworkID,
                   maxFrameBytes: Int = 16 << 20) -> TransportConfiguration {
    TransportConfiguration(networkID: networkID, localIndex: local, listenAddress: listen.map { "127.0.0.1:\($0)" },
                           peers: peers, maxFrameBytes: maxFrameBytes,
                           backoff: BackoffPolicy(initial: 0.05, maximum: 0.5, jitter: 0.5), handshakeTimeout: 3)
}

/// Everything a network emitted, collected in the background.
actor EventLog {
    private(set) var events: [TransportEvent] = []
    func append(_ e: TransportEvent) { events.append(e) }

    func messages(from peer: UInt16) -> [[UInt8]] {
        events.compactMap { if case let .message(f, p) = $0, f == peer { p } else { nil } }
    }
    var allMessages: [[UInt8]] { events.compactMap { if case let .message(_, p) = $0 { p } else { nil } } }
    var refusals: [TransportError] { events.compactMap { if case let .refused(_, r) = $0 { r } else { nil } } }
    var disconnectReasons: [TransportError] {
        events.compactMap { if case let .disconnected(_, r) = $0 { r } else { nil } }
    }
}

func record(_ network: PeerNetwork) -> EventLog {
    let log = EventLog()
    Task { for await e in network.events { await log.append(e) } }
    return log
}

/// Polls `condition` every 20 ms until it holds or `seconds` pass.
func eventually(_ seconds: Double = 5, _ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return await condition()
}

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

/// A blocking TCP client on POSIX sockets, for injecting hand-made frames. Reads time out
/// after two seconds so a test cannot hang.
final class RawConnection {
    private let fd: Int32

    init(port: Int) throws {
        #if canImport(Glibc)
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { close(fd); throw RawError.connect }
    }

    deinit { close(fd) }

    enum RawError: Error { case connect, closed }

    func write(_ data: [UInt8]) {
        var offset = 0
        while offset < data.count {
            let n = data[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            offset += n
        }
    }

    func writeFrame(_ body: [UInt8]) {
        let n = UInt32(body.count)
        write([UInt8(n >> 24), UInt8(truncatingIfNeeded: n >> 16), UInt8(truncatingIfNeeded: n >> 8), UInt8(truncatingIfNeeded: n)] + body)
    }

    private func read(_ count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let n = out[offset...].withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw RawError.closed }
            offset += n
        }
        return out
    }

    func readFrame() throws -> [UInt8] {
        let h = try read(4)
        let n = Int(h[0]) << 24 | Int(h[1]) << 16 | Int(h[2]) << 8 | Int(h[3])
        return try read(n)
    }

    /// True when the remote closed the connection within the read timeout.
    func isClosedByRemote() -> Bool {
        var b: UInt8 = 0
        return recv(fd, &b, 1, 0) == 0
    }
}
