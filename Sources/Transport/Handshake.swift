import CSodium
import Primitives

// The authenticated key exchange that opens every link, direct or relayed.
//
// Design: SIGMA-I (Krawczyk, "SIGMA: the 'SIGn-and-MAc' approach to authenticated
// Diffie-Hellman", CRYPTO 2003) over libsodium, with Ed25519 identity signatures; the same
// shape as Noise XX but with signatures instead of static DH, because the roster lists Ed25519
// identity keys, not X25519 keys, and converting Ed25519 keys to X25519 would couple the two.
//
//   1. I → R  hello1 = 0x01 ‖ version ‖ networkID ‖ I's index ‖ R's index ‖ I's incarnation ‖ eI
//   2. R → I  hello2 = 0x02 ‖ version ‖ networkID ‖ R's index ‖ R's incarnation ‖ eR
//                      ‖ AEAD_{k_R→I, n=0}(pk_R ‖ Sig_R("vring/transport/v1/responder" ‖ h))
//   3. I → R  finish = 0x03 ‖ AEAD_{k_I→R, n=0}(pk_I ‖ Sig_I("vring/transport/v1/initiator" ‖ h))
//
// `h` is BLAKE2b-256 over a label and the length-prefixed hello1 and the clear part of hello2,
// so each signature covers both ephemeral keys, the network id, both indices, both
// incarnations and (through the label) the signer's role: a signature cannot be replayed into
// another session, reflected back to its signer, or moved to another ceremony. The traffic
// keys are BLAKE2b-256 keyed with the `crypto_kx` session keys (X25519 of the two ephemerals;
// the initiator is the kx client) over a direction label and `h`. Forward secrecy comes from
// the ephemerals, which live in secure memory and die with the session; cross-connection replay
// is impossible because every connection has fresh keys.
//
// Each side refuses *before* reading any application record: the responder checks version,
// network id and claimed index on hello1, and the initiator's key (in the roster, belonging to
// the claimed index) and signature on finish; the initiator does the same for the responder on
// hello2. A roster key under the wrong index is reported as such, an unknown key as unknown.
//
// After the handshake every frame is ChaCha20-Poly1305-IETF (`crypto_aead_chacha20poly1305_ietf`)
// with a per-direction 64-bit counter nonce starting at 1 (0 was used for the handshake box).
// The receiver only ever tries the next counter, so a replayed, dropped, reordered or altered
// frame fails authentication and closes the link. We chose counter-nonce AEAD over
// `crypto_secretstream` because it needs no extra header message and the same code serves the
// relayed sessions, whose records are carried inside other records.
//
// The session is a pure state machine (bytes in, bytes out, no sockets or clocks), so tests
// drive it directly and the TCP handler and the relay path share it.

/// Constants of the handshake.
package enum Handshake {
    /// Wire protocol version; bumped on any incompatible change.
    static let version: UInt8 = 1
    static let hello1Tag: UInt8 = 1
    static let hello2Tag: UInt8 = 2
    static let finishTag: UInt8 = 3
    /// 1 + 1 + 32 + 2 + 2 + 8 + 32.
    static let hello1Count = 78
    /// Clear part of hello2: 1 + 1 + 32 + 2 + 8 + 32.
    static let hello2ClearCount = 76
    /// Identity public key and signature, sealed.
    static let authBoxCount = 32 + 64 + 16
    /// Largest frame accepted before the remote is authenticated.
    package static let maxUnauthenticatedFrame = 1024

    static let transcriptLabel = Array("vring/transport/v1/transcript".utf8)
    static let responderLabel = Array("vring/transport/v1/responder".utf8)
    static let initiatorLabel = Array("vring/transport/v1/initiator".utf8)
    static let i2rLabel = Array("vring/transport/v1/key/i2r".utf8)
    static let r2iLabel = Array("vring/transport/v1/key/r2i".utf8)
}

/// This member's identity key, shared by every session (a class so that the non-copyable key
/// has one owner and sessions can borrow it).
package final class LocalIdentity: Sendable {
    let key: SigningKey
    package init(_ key: consuming SigningKey) { self.key = key }
}

/// What every session needs to know about this member and the roster.
package struct HandshakeContext: Sendable {
    let networkID: [UInt8]
    let roster: Roster
    /// Random per process: lets a receiver tell a restarted sender (whose sequence numbers
    /// start again at 1) from a reconnecting one.
    let incarnation: UInt64
    let identity: LocalIdentity

    package init(networkID: [UInt8], roster: Roster, incarnation: UInt64, identity: LocalIdentity) {
        self.networkID = networkID
        self.roster = roster
        self.incarnation = incarnation
        self.identity = identity
    }
}

/// One direction of an established session: a ChaCha20-Poly1305 key and its nonce counter.
final class CipherState {
    static let tagCount = Int(crypto_aead_chacha20poly1305_IETF_ABYTES)
    private var key: SecureBytes
    private var counter: UInt64 = 0

    init(key: consuming SecureBytes) { self.key = key }

    private func nonce() -> [UInt8] {
        var n = [UInt8](repeating: 0, count: 12)
        for i in 0..<8 { n[4 + i] = UInt8(truncatingIfNeeded: counter >> (8 * UInt64(i))) }
        return n
    }

    /// Encrypts under the next nonce.
    func seal(_ plaintext: [UInt8]) -> [UInt8] {
        precondition(counter < UInt64.max, "transport: nonce counter exhausted")
        var out = [UInt8](repeating: 0, count: plaintext.count + Self.tagCount)
        let n = nonce()
        var written: UInt64 = 0
        key.withUnsafeBytes { k in
            _ = crypto_aead_chacha20poly1305_ietf_encrypt(
                &out, &written, plaintext, UInt64(plaintext.count), nil, 0, nil, n,
                k.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        counter += 1
        return out
    }

    /// Decrypts with the next expected nonce.
    /// - Throws: `TransportError.decryptionFailed` when authentication fails.
    func open(_ ciphertext: ArraySlice<UInt8>) throws(TransportError) -> [UInt8] {
        guard ciphertext.count >= Self.tagCount, counter < UInt64.max else { throw .decryptionFailed }
        var out = [UInt8](repeating: 0, count: ciphertext.count - Self.tagCount)
        let n = nonce()
        var written: UInt64 = 0
        let c = Array(ciphertext)
        let rc = key.withUnsafeBytes { k in
            crypto_aead_chacha20poly1305_ietf_decrypt(
                &out, &written, nil, c, UInt64(c.count), nil, 0, n,
                k.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        guard rc == 0 else { throw .decryptionFailed }
        counter += 1
        return out
    }
}

/// What a session asks its carrier to do after receiving a frame.
package enum SessionOutput: Equatable {
    /// Send this frame to the remote.
    case send([UInt8])
    /// The remote is authenticated; application records may flow.
    case established
    /// A decrypted application record.
    case record([UInt8])
}

/// A SIGMA-I session over any ordered frame carrier (a TCP connection or a relay path).
package final class SecureSession {
    enum Role { case initiator, responder }
    private enum State { case start, awaitingHello1, awaitingHello2, awaitingFinish, established, failed }

    let role: Role
    private let context: HandshakeContext
    private var state: State
    /// The authenticated (after `.established`) or claimed (during the handshake) remote index.
    package private(set) var remoteIndex: UInt16?
    /// The remote's incarnation number, from its hello.
    private(set) var remoteIncarnation: UInt64 = 0
    private let ephemeralSecret: SecureBytes
    private let ephemeralPublic: [UInt8]
    private var hello1: [UInt8] = []
    private var transcriptHash: [UInt8] = []
    private var sendCipher: CipherState?
    private var receiveCipher: CipherState?

    /// A session that dials `remote`.
    package init(initiatorTo remote: UInt16, context: HandshakeContext) {
        role = .initiator
        self.context = context
        state = .start
        remoteIndex = remote
        var pub: [UInt8] = []
        ephemeralSecret = Self.ephemeralKeyPair(publicKey: &pub)
        ephemeralPublic = pub
    }

    /// A session that answers whoever sends hello1.
    package init(responderWith context: HandshakeContext) {
        role = .responder
        self.context = context
        state = .awaitingHello1
        var pub: [UInt8] = []
        ephemeralSecret = Self.ephemeralKeyPair(publicKey: &pub)
        ephemeralPublic = pub
    }

    package var isEstablished: Bool { state == .established }

    private static func ephemeralKeyPair(publicKey pub: inout [UInt8]) -> SecureBytes {
        Sodium.ensureInitialized()
        var secret = SecureBytes(count: Int(crypto_kx_SECRETKEYBYTES))
        pub = [UInt8](repeating: 0, count: Int(crypto_kx_PUBLICKEYBYTES))
        secret.withUnsafeMutableBytes { s in
            _ = crypto_kx_keypair(&pub, s.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        return secret
    }

    /// The initiator's first frame.
    package func start() -> [UInt8] {
        precondition(role == .initiator && state == .start)
        var m: [UInt8] = [Handshake.hello1Tag, Handshake.version]
        m += context.networkID
        m.appendBigEndian(context.roster.local)
        m.appendBigEndian(remoteIndex!)
        m.appendBigEndian(context.incarnation)
        m += ephemeralPublic
        hello1 = m
        state = .awaitingHello2
        return m
    }

    /// Encrypts an application record (only once established).
    package func seal(_ record: [UInt8]) -> [UInt8] {
        precondition(state == .established, "transport: sealing before the handshake finished")
        return sendCipher!.seal(record)
    }

    /// Feeds one frame from the remote.
    /// - Throws: a `TransportError` naming the refusal reason; the session is then dead and the
    ///   carrier must be closed.
    package func receive(_ frame: [UInt8]) throws(TransportError) -> [SessionOutput] {
        do throws(TransportError) {
            switch state {
            case .established: return [.record(try receiveCipher!.open(frame[...]))]
            case .awaitingHello1: return try receiveHello1(frame)
            case .awaitingHello2: return try receiveHello2(frame)
            case .awaitingFinish: return try receiveFinish(frame)
            case .start, .failed: throw TransportError.malformedMessage("frame in a session that is not running")
            }
        } catch {
            state = .failed
            throw error
        }
    }

    // MARK: Responder

    private func receiveHello1(_ m: [UInt8]) throws(TransportError) -> [SessionOutput] {
        guard m.count == Handshake.hello1Count, m[0] == Handshake.hello1Tag else {
            throw .malformedMessage("expected a \(Handshake.hello1Count)-byte hello")
        }
        guard m[1] == Handshake.version else { throw .unsupportedVersion(m[1]) }
        guard Array(m[2..<34]) == context.networkID else { throw .networkIDMismatch }
        let claimed = m.readBigEndianUInt16(at: 34)
        let addressee = m.readBigEndianUInt16(at: 36)
        guard addressee == context.roster.local else {
            throw .malformedMessage("hello addressed to member \(addressee), this is member \(context.roster.local)")
        }
        guard claimed != context.roster.local, context.roster.members[claimed] != nil else { throw .unknownIndex(claimed) }
        remoteIndex = claimed
        remoteIncarnation = m.readBigEndianUInt64(at: 38)
        let remoteEphemeral = Array(m[46..<78])
        hello1 = m

        var clear: [UInt8] = [Handshake.hello2Tag, Handshake.version]
        clear += context.networkID
        clear.appendBigEndian(context.roster.local)
        clear.appendBigEndian(context.incarnation)
        clear += ephemeralPublic
        try deriveKeys(remoteEphemeral: remoteEphemeral, hello2Clear: clear)
        let signature = context.identity.key.sign(Handshake.responderLabel + transcriptHash)
        let box = sendCipher!.seal(context.identity.key.publicKey.bytes + signature)
        state = .awaitingFinish
        return [.send(clear + box)]
    }

    private func receiveFinish(_ m: [UInt8]) throws(TransportError) -> [SessionOutput] {
        guard m.count == 1 + Handshake.authBoxCount, m[0] == Handshake.finishTag else {
            throw .malformedMessage("expected a handshake finish")
        }
        try verifyAuthBox(m[1...], claimed: remoteIndex!, label: Handshake.initiatorLabel)
        state = .established
        return [.established]
    }

    // MARK: Initiator

    private func receiveHello2(_ m: [UInt8]) throws(TransportError) -> [SessionOutput] {
        guard m.count == Handshake.hello2ClearCount + Handshake.authBoxCount, m[0] == Handshake.hello2Tag else {
            throw .malformedMessage("expected a handshake reply")
        }
        guard m[1] == Handshake.version else { throw .unsupportedVersion(m[1]) }
        guard Array(m[2..<34]) == context.networkID else { throw .networkIDMismatch }
        let answered = m.readBigEndianUInt16(at: 34)
        guard answered == remoteIndex! else { throw .unexpectedPeer(expected: remoteIndex!, actual: answered) }
        remoteIncarnation = m.readBigEndianUInt64(at: 36)
        let remoteEphemeral = Array(m[44..<76])
        try deriveKeys(remoteEphemeral: remoteEphemeral, hello2Clear: Array(m[..<Handshake.hello2ClearCount]))
        try verifyAuthBox(m[Handshake.hello2ClearCount...], claimed: answered, label: Handshake.responderLabel)
        let signature = context.identity.key.sign(Handshake.initiatorLabel + transcriptHash)
        let box = sendCipher!.seal(context.identity.key.publicKey.bytes + signature)
        state = .established
        return [.send([Handshake.finishTag] + box), .established]
    }

    // MARK: Shared

    /// Opens the remote's identity box and checks key, index and transcript signature.
    private func verifyAuthBox(_ box: ArraySlice<UInt8>, claimed: UInt16, label: [UInt8]) throws(TransportError) {
        let auth = try receiveCipher!.open(box)
        let key = try! SigningPublicKey(bytes: Array(auth[0..<32]))
        guard let owner = context.roster.index(of: key), owner != context.roster.local else {
            throw .unknownPeerKey(claimedIndex: claimed)
        }
        guard owner == claimed else { throw .indexKeyMismatch(claimedIndex: claimed, actualIndex: owner) }
        guard key.isValidSignature(Array(auth[32..<96]), for: label + transcriptHash) else {
            throw .badHandshakeSignature(claimed)
        }
    }

    /// X25519 through `crypto_kx`, then traffic keys bound to the transcript hash.
    private func deriveKeys(remoteEphemeral: [UInt8], hello2Clear: [UInt8]) throws(TransportError) {
        var transcript = Handshake.transcriptLabel
        transcript.appendBigEndian(UInt32(hello1.count)); transcript += hello1
        transcript.appendBigEndian(UInt32(hello2Clear.count)); transcript += hello2Clear
        transcriptHash = blake2b(transcript, key: nil)

        let n = Int(crypto_kx_SESSIONKEYBYTES)
        var rx = SecureBytes(count: n), tx = SecureBytes(count: n)
        let rc: Int32 = ephemeralSecret.withUnsafeBytes { sk in
            rx.withUnsafeMutableBytes { r in
                tx.withUnsafeMutableBytes { t in
                    let r = r.baseAddress!.assumingMemoryBound(to: UInt8.self)
                    let t = t.baseAddress!.assumingMemoryBound(to: UInt8.self)
                    let s = sk.baseAddress!.assumingMemoryBound(to: UInt8.self)
                    return role == .initiator
                        ? crypto_kx_client_session_keys(r, t, ephemeralPublic, s, remoteEphemeral)
                        : crypto_kx_server_session_keys(r, t, ephemeralPublic, s, remoteEphemeral)
                }
            }
        }
        guard rc == 0 else { throw .malformedMessage("unusable ephemeral key") }
        // For the initiator tx is I→R; for the responder tx is R→I.
        let (sendLabel, receiveLabel) = role == .initiator
            ? (Handshake.i2rLabel, Handshake.r2iLabel) : (Handshake.r2iLabel, Handshake.i2rLabel)
        sendCipher = CipherState(key: Self.trafficKey(tx, label: sendLabel, transcriptHash: transcriptHash))
        receiveCipher = CipherState(key: Self.trafficKey(rx, label: receiveLabel, transcriptHash: transcriptHash))
    }

    private static func trafficKey(_ kxKey: borrowing SecureBytes, label: [UInt8], transcriptHash: [UInt8]) -> SecureBytes {
        var out = SecureBytes(count: 32)
        let message = label + transcriptHash
        kxKey.withUnsafeBytes { k in
            out.withUnsafeMutableBytes { o in
                _ = crypto_generichash(o.baseAddress!.assumingMemoryBound(to: UInt8.self), 32,
                                       message, UInt64(message.count),
                                       k.baseAddress!.assumingMemoryBound(to: UInt8.self), k.count)
            }
        }
        return out
    }
}

/// BLAKE2b-256 of public data.
func blake2b(_ message: [UInt8], key: [UInt8]?) -> [UInt8] {
    Sodium.ensureInitialized()
    var out = [UInt8](repeating: 0, count: 32)
    _ = crypto_generichash(&out, 32, message, UInt64(message.count), key, key?.count ?? 0)
    return out
}

extension Array where Element == UInt8 {
    mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        for i in stride(from: T.bitWidth / 8 - 1, through: 0, by: -1) {
            append(UInt8(truncatingIfNeeded: value >> (8 * i)))
        }
    }
}

extension Collection where Element == UInt8, Index == Int {
    func readBigEndianUInt16(at offset: Int) -> UInt16 {
        UInt16(self[startIndex + offset]) << 8 | UInt16(self[startIndex + offset + 1])
    }
    func readBigEndianUInt64(at offset: Int) -> UInt64 {
        var v: UInt64 = 0
        for i in 0..<8 { v = v << 8 | UInt64(self[startIndex + offset + i]) }
        return v
    }
}
