import NIOCore

/// The frame limit a connection enforces; raised from the pre-authentication limit to
/// `maxFrameBytes` once the handshake succeeds. Confined to the connection's event loop.
final class FrameLimit {
    var value: Int
    init(_ value: Int) { self.value = value }
}

/// Splits the TCP byte stream into frames: a 4-byte big-endian length, then that many bytes.
/// A declared length above the limit throws ``TransportError/frameTooLarge(length:limit:)``
/// before any of the body is buffered.
struct FrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer
    let limit: FrameLimit

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return .needMoreData }
        guard Int(length) <= limit.value else {
            throw TransportError.frameTooLarge(length: Int(length), limit: limit.value)
        }
        guard buffer.readableBytes >= 4 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        context.fireChannelRead(wrapInboundOut(buffer.readSlice(length: Int(length))!))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }
}

/// Prefixes `body` with its 4-byte big-endian length.
func encodeFrame(_ body: [UInt8], allocator: ByteBufferAllocator) -> ByteBuffer {
    var buffer = allocator.buffer(capacity: 4 + body.count)
    buffer.writeInteger(UInt32(body.count))
    buffer.writeBytes(body)
    return buffer
}

/// The plaintext of an encrypted frame once a session is established.
package enum Record: Equatable {
    /// An application message with its sender-assigned sequence number (per receiver, from 1).
    case data(seq: UInt64, payload: [UInt8])
    /// Every message up to and including `seq` was delivered.
    case ack(UInt64)
    /// A relayed session frame. Sent to the relay, `peer` is the destination; delivered by the
    /// relay, it is the source. `opensSession` marks a handshake start (the receiver drops any
    /// older session with that peer). `inner` is the end-to-end session's frame, opaque to the relay.
    case relay(peer: UInt16, opensSession: Bool, inner: [UInt8])
    /// From a relay: `peer` is not connected to it now.
    case unreachable(UInt16)

    /// Bytes an application payload may not exceed below `maxFrameBytes`: the record header,
    /// the relay header and two authentication tags, rounded up.
    static let overhead = 64

    package func encoded() -> [UInt8] {
        var out: [UInt8] = []
        switch self {
        case let .data(seq, payload):
            out.reserveCapacity(9 + payload.count)
            out.append(1); out.appendBigEndian(seq); out += payload
        case .ack(let seq):
            out.append(2); out.appendBigEndian(seq)
        case let .relay(peer, opens, inner):
            out.reserveCapacity(4 + inner.count)
            out.append(0x10); out.appendBigEndian(peer); out.append(opens ? 1 : 0); out += inner
        case .unreachable(let peer):
            out.append(0x11); out.appendBigEndian(peer)
        }
        return out
    }

    package init(decoding b: [UInt8]) throws(TransportError) {
        guard let tag = b.first else { throw .malformedMessage("empty record") }
        switch tag {
        case 1 where b.count >= 9: self = .data(seq: b.readBigEndianUInt64(at: 1), payload: Array(b[9...]))
        case 2 where b.count == 9: self = .ack(b.readBigEndianUInt64(at: 1))
        case 0x10 where b.count >= 4 && b[3] <= 1:
            self = .relay(peer: b.readBigEndianUInt16(at: 1), opensSession: b[3] == 1, inner: Array(b[4...]))
        case 0x11 where b.count == 3: self = .unreachable(b.readBigEndianUInt16(at: 1))
        default: throw .malformedMessage("unknown or truncated record (tag \(tag), \(b.count) bytes)")
        }
    }
}
