/// Why the transport refused a peer, dropped a connection or rejected a call.
///
/// Messages name addresses, member indices and sizes, never key material or payload bytes.
public enum TransportError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The configuration is unusable; the message says which field and why.
    case invalidConfiguration(String)
    /// An address was not `host:port` with a port in 0...65535.
    case invalidAddress(String)
    /// Binding the listening socket failed.
    case bindFailed(address: String, reason: String)
    /// `start()` was called twice, or a call came after `shutdown()`.
    case notRunning
    /// The index is not another member of the roster.
    case unknownPeer(UInt16)
    /// The outbound queue for `peer` already holds `limit` unacknowledged messages.
    case queueFull(peer: UInt16, limit: Int)
    /// A frame's declared length exceeds the limit in force (the pre-authentication limit
    /// during the handshake, `maxFrameBytes` afterwards).
    case frameTooLarge(length: Int, limit: Int)
    /// The remote speaks another protocol version.
    case unsupportedVersion(UInt8)
    /// The remote is configured for another ceremony or pool (`networkID` differs).
    case networkIDMismatch
    /// The remote claimed a member index that is not in the roster (or is our own).
    case unknownIndex(UInt16)
    /// The remote's identity key is not in the roster.
    case unknownPeerKey(claimedIndex: UInt16)
    /// The remote's identity key belongs to member `actualIndex`, but it claimed `claimedIndex`.
    case indexKeyMismatch(claimedIndex: UInt16, actualIndex: UInt16)
    /// The remote answered as a member other than the one we dialled.
    case unexpectedPeer(expected: UInt16, actual: UInt16)
    /// The remote's signature over the handshake transcript does not verify.
    case badHandshakeSignature(UInt16)
    /// A handshake or frame message was malformed; the string says which part.
    case malformedMessage(String)
    /// An encrypted frame failed authentication (altered, replayed, reordered or truncated).
    case decryptionFailed
    /// The handshake did not finish within the configured timeout.
    case handshakeTimeout(seconds: Double)
    /// The remote closed the TCP connection, or the relay link carrying the session went away.
    case connectionClosed
    /// A newer or preferred connection to the same member replaced this one.
    case duplicateConnection
    /// An operating-system level I/O error (the message is the system's).
    case io(String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let why): "invalid transport configuration: \(why)"
        case .invalidAddress(let a): "invalid address '\(a)': expected HOST:PORT"
        case let .bindFailed(address, reason): "cannot listen on \(address): \(reason)"
        case .notRunning: "the peer network is not running (start() not called, called twice, or already shut down)"
        case .unknownPeer(let i): "member \(i) is not another member of the roster"
        case let .queueFull(peer, limit): "outbound queue for member \(peer) is full (\(limit) unacknowledged messages); is it reachable?"
        case let .frameTooLarge(length, limit): "frame of \(length) bytes exceeds the \(limit)-byte limit"
        case .unsupportedVersion(let v): "remote speaks transport protocol version \(v); this build speaks \(Handshake.version)"
        case .networkIDMismatch: "remote uses a different network id (another ceremony or pool configuration)"
        case .unknownIndex(let i): "remote claimed member index \(i), which is not another member of the roster"
        case .unknownPeerKey(let i): "remote claimed member index \(i) but its identity key is not in the roster"
        case let .indexKeyMismatch(claimed, actual):
            "remote claimed member index \(claimed) but its identity key is member \(actual)'s"
        case let .unexpectedPeer(expected, actual): "dialled member \(expected) but member \(actual) answered"
        case .badHandshakeSignature(let i): "handshake signature of member \(i) does not verify"
        case .malformedMessage(let what): "malformed message: \(what)"
        case .decryptionFailed: "an encrypted frame failed authentication (altered, replayed or reordered)"
        case .handshakeTimeout(let s): "handshake did not complete within \(s) s"
        case .connectionClosed: "connection closed"
        case .duplicateConnection: "replaced by another connection to the same member"
        case .io(let message): "I/O error: \(message)"
        }
    }
}
