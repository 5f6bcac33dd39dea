import BLS12381
import DKG
import Foundation
import Primitives

// The machinery every networked ceremony shares: a link to the other members, signed
// envelopes, an outbox re-sent whenever a peer (re)connects (so a restarted member catches
// up), relaying of first-seen messages to everyone (reliable broadcast among honest members
// over an incomplete or flaky mesh), deadlines, and progress lines naming who is awaited.

/// What the link to the other members reports.
public enum LinkEvent: Sendable {
    case message(from: Int, payload: [UInt8])
    case connected(Int)
    case disconnected(Int, reason: String)
    /// An incoming connection refused before any message was read (unknown key, wrong pool).
    case refused(remote: String, reason: String)
}

/// A connection to the other members of one ceremony (the real one is `NetworkLink`, over
/// Transport; tests can substitute an in-process one).
public protocol CeremonyLink: Sendable {
    func send(_ payload: [UInt8], to peer: Int) async
    func broadcast(_ payload: [UInt8]) async
    var events: AsyncStream<LinkEvent> { get }
    func shutdown() async
}

/// Progress and diagnostics for people (stderr in the CLI).
public typealias ProgressLog = @Sendable (String) -> Void

/// One member's side of a ceremony's message exchange. Used from a single task.
final class CeremonyDriver {
    enum Input {
        case envelope(Envelope)
        case connected(Int)
        case disconnected(Int, String)
        case tick
    }

    let session: [UInt8]
    let epoch: UInt64
    let me: Int
    let members: [PoolMember]
    let link: any CeremonyLink
    let log: ProgressLog
    private let signingKey: SigningKey
    private let keys: [UInt32: SigningPublicKey]
    private var outbox: [[UInt8]] = []
    private var seen: Set<[UInt8]> = []
    private var iterator: AsyncStream<Input>.Iterator
    private var pumps: [Task<Void, Never>] = []
    private(set) var connected: Set<Int> = []
    /// Every distinct message received, in arrival order: a phase first goes through those of its
    /// kind that arrived while an earlier phase was running (a faster member may be ahead).
    private(set) var received: [Envelope] = []
    func backlog(_ kind: EnvelopeKind) -> [Envelope] { received.filter { $0.kind == kind } }
    /// Messages rejected, by reason (reported at the end, never fatal by themselves).
    private(set) var rejected: [String] = []
    let startedAt = Date()

    init(session: [UInt8], epoch: UInt64, me: Int, members: [PoolMember], signingKey: consuming SigningKey,
         link: any CeremonyLink, log: @escaping ProgressLog) {
        self.session = session
        self.epoch = epoch
        self.me = me
        self.members = members
        self.signingKey = signingKey
        self.link = link
        self.log = log
        var keys: [UInt32: SigningPublicKey] = [:]
        for m in members { keys[UInt32(m.index)] = m.record.signingKey }
        self.keys = keys
        let (stream, continuation) = AsyncStream<Input>.makeStream()
        iterator = stream.makeAsyncIterator()
        let events = link.events
        let session = session, epoch = epoch
        pumps.append(Task {
            for await event in events {
                switch event {
                case let .message(from, payload):
                    do {
                        let e = try Envelope(decoding: payload, session: session, epoch: epoch, keys: keys)
                        continuation.yield(.envelope(e))
                    } catch {
                        log("refused a message from member \(from): \(error)")
                    }
                case .connected(let p): continuation.yield(.connected(p))
                case let .disconnected(p, why): continuation.yield(.disconnected(p, why))
                case let .refused(remote, why): log("refused a connection from \(remote): \(why)")
                }
            }
            continuation.finish()
        })
        pumps.append(Task {
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: 100_000_000)
                continuation.yield(.tick)
            }
        })
    }

    deinit { for p in pumps { p.cancel() } }

    func member(_ index: Int) -> PoolMember? { members.first { $0.index == index } }
    func label(_ index: Int) -> String { member(index)?.label ?? "member \(index)" }

    /// Signs and broadcasts a message, and keeps it for peers that connect later.
    func post(_ kind: EnvelopeKind, _ body: [UInt8]) async -> Envelope {
        let e = Envelope(kind: kind, session: session, epoch: epoch, sender: UInt32(me), body: body, key: signingKey)
        outbox.append(e.encoded)
        seen.insert(SHA256.hash(e.encoded))
        await link.broadcast(e.encoded)
        return e
    }

    /// Signs a message for one member only (not re-sent on reconnect).
    func sendDirect(_ kind: EnvelopeKind, _ body: [UInt8], to peer: Int) async {
        let e = Envelope(kind: kind, session: session, epoch: epoch, sender: UInt32(me), body: body, key: signingKey)
        await link.send(e.encoded, to: peer)
    }

    /// Signs with the identity key (lock signatures, reports).
    func sign(_ message: [UInt8]) -> [UInt8] { signingKey.sign(message) }

    /// The next input, relaying first-seen broadcast messages of other members to everyone.
    /// `relay` false for point-to-point kinds.
    func next() async -> Input? {
        while let input = await iterator.next() {
            switch input {
            case .envelope(let e):
                let digest = SHA256.hash(e.encoded)
                guard !seen.contains(digest) else { continue }  // a copy we already handled
                seen.insert(digest)
                received.append(e)
                if Int(e.sender) != me, Self.relayed.contains(e.kind) { await link.broadcast(e.encoded) }
                return input
            case .connected(let p):
                if !connected.contains(p) {
                    connected.insert(p)
                    log("connected to \(label(p))")
                }
                for m in outbox { await link.send(m, to: p) }
                return input
            case let .disconnected(p, why):
                if connected.remove(p) != nil { log("lost \(label(p)): \(why); it may reconnect") }
                return input
            case .tick:
                return input
            }
        }
        return nil
    }

    /// Kinds every member must see the same copy of, so every member forwards the first copy.
    static let relayed: Set<EnvelopeKind> = [.dkg, .partialSignatures, .lockSignature, .done, .reshareDealing, .reshareComplaints, .reshareConfirm, .verificationReport, .ballot, .mix, .decryptionShare, .repairPieces]

    /// Re-broadcasts the whole outbox (after replaying persisted state).
    func flushOutbox() async { for m in outbox { await link.broadcast(m) } }

    /// Records an already-sent message for re-sending (replayed from persisted state).
    func remember(_ envelope: Envelope) { outbox.append(envelope.encoded); seen.insert(SHA256.hash(envelope.encoded)) }

    func makeEnvelope(_ kind: EnvelopeKind, _ body: [UInt8]) -> Envelope {
        Envelope(kind: kind, session: session, epoch: epoch, sender: UInt32(me), body: body, key: signingKey)
    }

    /// Progress line at most every `interval` seconds: "waiting for member 3 (m3): commitments, 12 s".
    private var lastProgress = Date.distantPast
    func progress(waitingFor missing: [Int], what: String, since: Date, interval: TimeInterval = 5) {
        guard !missing.isEmpty, Date().timeIntervalSince(lastProgress) >= interval else { return }
        lastProgress = Date()
        let seconds = Int(Date().timeIntervalSince(since))
        log("waiting for \(missing.map(label).joined(separator: ", ")): \(what), \(seconds) s")
    }

    func close() async {
        for p in pumps { p.cancel() }
        await link.shutdown()
    }
}
