import BLS12381
import Ceremony
import DKG
import Foundation
import Logging
import Primitives
import SlashingProtection
import Staking
import Threshold

// `vring node run`: one member's long-running signing node.
//
// A validator client asks any member's node to sign (Web3Signer API, HTTPAPI.swift). That node
// computes the signing root itself from the request, broadcasts the request to the other nodes
// and proposes it to the pool's consensus for the duty (validator key + kind + slot or target
// epoch). When a value is decided, every node recomputes its signing root, asks its own
// slashing-protection database (the record is durable before anything leaves the node), and
// broadcasts a partial signature. The requesting node verifies partials against the lock's
// public shares (invalid ones counted per member), combines t valid ones, verifies the result
// under the validator key and answers. A request whose data lost the agreement to another
// value is refused (412), as is anything the slashing database refuses.
//
// Epoch fencing: messages carry the lock's epoch and session; a node of another epoch is not
// heard, and a node whose lock.json changed on disk (a reshare) stops signing until restarted.

/// Why the node answered a request with an error status.
public struct NodeRefusal: Error, Sendable {
    public let status: Int
    public let message: String
}

/// What the node needs to start.
public struct NodeConfiguration: Sendable {
    public var lockPath: String
    public var identityPath: String
    public var dataDir: String
    public var passwordFile: String
    /// Overrides the listen address of this member's record for the member-to-member link.
    public var listen: String?
    /// How long a request waits for agreement and partial signatures.
    public var dutyTimeout: TimeInterval = 4
    /// QBFT's first round deadline (doubles each round).
    public var roundTimeout: TimeInterval = 1
    /// Test hook (`VRING_TEST_BYZANTINE=equivocate` in the CLI): this node lies. Every request it
    /// relays, and every PROPOSE, PREPARE and COMMIT it sends, carries conflicting data (another
    /// block root) for even-numbered members, properly signed. Used to show that honest nodes
    /// never sign two conflicting messages; never set in production.
    public var byzantine = false

    public init(lockPath: String, identityPath: String, dataDir: String, passwordFile: String, listen: String? = nil) {
        self.lockPath = lockPath; self.identityPath = identityPath; self.dataDir = dataDir; self.passwordFile = passwordFile; self.listen = listen
    }
}

/// The node's state; every input goes through this actor.
public actor SigningNode {
    public let lock: PoolLock
    let me: PoolMember
    let lockPath: String
    let session: [UInt8]
    let shares: [Int: SecretKeyBox]
    let groupKeys: [PublicKey]
    let publicShares: [[Int: PublicKey]]
    let context: SigningContext
    let database: SlashingDatabase
    let consensus: any DutyConsensus
    /// Kept only for the Byzantine test hook (which signs its lies).
    let consensusAuth: Ed25519ConsensusAuthenticator?
    let link: any CeremonyLink
    let metrics: NodeMetrics
    let configuration: NodeConfiguration
    let logger: Logger
    /// Slashing-database writes, one at a time, off the cooperative pool.
    let databaseQueue = DispatchQueue(label: "vring.node.slashing")
    var pump: Task<Void, Never>?
    var ticker: Task<Void, Never>?

    struct Duty {
        var validator: Int
        var value: [UInt8]?
        var requested: [UInt8]?
        var root: [UInt8]?
        var partials: [Int: Signature] = [:]
        /// Partials as received, not yet decoded: decompression and the subgroup check cost about
        /// as much as a signature, and only the node a client waits on ever combines.
        var encoded: [Int: [UInt8]] = [:]
        var invalid: Set<Int> = []
        var signed = false
        var signature: Signature?
        var refusal: NodeRefusal?
        var waiters: [CheckedContinuation<Result<Signature, NodeRefusal>, Never>] = []
        var started = Date()
    }
    var duties: [InstanceID: Duty] = [:]

    /// Loads the lock, identity, shares (checked against the lock's public shares) and the
    /// slashing database, and connects to the other members.
    public static func start(_ c: NodeConfiguration, metrics: NodeMetrics, logger: Logger = Logger(label: "vring.node"),
                             link makeLink: LinkFactory = NetworkLink.make) async throws(CeremonyError) -> SigningNode {
        let lock = try PoolLock.load(c.lockPath)
        let identity = try IdentityDirectory.load(c.identityPath)
        let me = try lock.member(for: identity)
        let password = try FileIO.readPassword(c.passwordFile)
        guard let network = Network.named(lock.network) else { throw .invalidLock("unknown network \(lock.network)") }
        var shares: [Int: SecretKeyBox] = [:]
        for k in 0..<lock.validators.count {
            let share = try PoolCeremony.loadShareForNode(lock: lock, member: me, dataDir: c.dataDir, password: password, validator: k)
            shares[k] = SecretKeyBox(share)
        }
        let database: SlashingDatabase
        do { database = try SlashingDatabase(path: "\(c.dataDir)/slashing-protection.sqlite", genesisValidatorsRoot: network.genesisValidatorsRoot) } catch {
            throw .file(path: "\(c.dataDir)/slashing-protection.sqlite", problem: "\(error)")
        }
        let lockHash = Hex.decode(lock.lockHash)!
        let session = PoolCeremony.nodeSession(lockHash)
        let members = lock.members.map(\.index)
        let context = SigningContext(network: network)
        let validity = ValidityCache { value in Self.parseValue(value, lock: lock, context: context) != nil }
        let isValid: ([UInt8]) -> Bool = { validity.check($0) }
        let consensus: any DutyConsensus
        var consensusAuth: Ed25519ConsensusAuthenticator?
        switch lock.consensus {
        case "quorum":
            guard 2 * lock.threshold > lock.members.count else {
                throw .invalidLock("consensus \"quorum\" needs t > n/2 (t = \(lock.threshold), n = \(lock.members.count))")
            }
            consensus = QuorumOverlap(isValid: isValid)
        default:
            var memberKeys: [Int: SigningPublicKey] = [:]
            for m in lock.members { memberKeys[m.index] = m.record.signingKey }
            let auth = Ed25519ConsensusAuthenticator(domain: Array("vring/node/qbft/v1".utf8) + session + be32(UInt32(lock.epoch >> 32)) + be32(UInt32(lock.epoch & 0xffff_ffff)),
                                                     key: try identity.signingKeyCopy(), keys: memberKeys)
            consensus = QBFT(members: members, me: me.index, roundTimeout: c.roundTimeout, authenticator: auth, isValid: isValid)
            if c.byzantine { consensusAuth = auth }
        }
        let link = try await makeLink(LinkSetup(networkID: PoolCeremony.nodeNetworkID(lockHash), me: me.index, members: lock.members, listen: c.listen),
                                      try identity.signingKeyCopy())
        var publicShares: [[Int: PublicKey]] = []
        for k in 0..<lock.validators.count {
            var row: [Int: PublicKey] = [:]
            for m in lock.members { row[m.index] = try lock.publicShare(validator: k, member: m.index) }
            publicShares.append(row)
        }
        let node = SigningNode(lock: lock, me: me, lockPath: c.lockPath, session: session,
                               shares: shares, groupKeys: try (0..<lock.validators.count).map { (k) throws(CeremonyError) in try lock.groupKey(k) },
                               publicShares: publicShares, context: context, database: database, consensus: consensus, consensusAuth: consensusAuth,
                               link: link, metrics: metrics, configuration: c, logger: logger)
        await node.run()
        logger.info("node up", metadata: ["member": "\(me.index)", "name": "\(me.record.name)", "validators": "\(lock.validators.count)",
                                          "threshold": "\(lock.threshold)", "members": "\(lock.members.count)", "epoch": "\(lock.epoch)",
                                          "consensus": "\(lock.consensus)", "pool": "\(lock.name)"])
        return node
    }

    init(lock: PoolLock, me: PoolMember, lockPath: String, session: [UInt8],
         shares: [Int: SecretKeyBox], groupKeys: [PublicKey], publicShares: [[Int: PublicKey]], context: SigningContext,
         database: SlashingDatabase, consensus: any DutyConsensus, consensusAuth: Ed25519ConsensusAuthenticator?, link: any CeremonyLink,
         metrics: NodeMetrics, configuration: NodeConfiguration, logger: Logger) {
        self.lock = lock; self.me = me; self.lockPath = lockPath; self.session = session
        self.shares = shares; self.groupKeys = groupKeys; self.publicShares = publicShares
        self.context = context; self.database = database; self.consensus = consensus; self.consensusAuth = consensusAuth
        self.link = link; self.metrics = metrics
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "member"] = "\(me.index)"
        self.logger = logger
    }

    func run() {
        let events = link.events
        let logger = self.logger
        pump = Task { [weak self] in
            for await event in events {
                guard let self else { return }
                switch event {
                case let .message(from, payload): await self.handle(payload, from: from)
                case let .connected(peer): logger.info("peer connected", metadata: ["peer": "\(peer)"])
                case let .disconnected(peer, reason): logger.warning("peer disconnected", metadata: ["peer": "\(peer)", "reason": "\(reason)"])
                case let .refused(remote, reason): logger.warning("connection refused", metadata: ["remote": "\(remote)", "reason": "\(reason)"])
                }
            }
        }
        ticker = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: 50_000_000)
                await self?.tick()
            }
        }
    }

    public func shutdown() async {
        pump?.cancel(); ticker?.cancel()
        await link.shutdown()
        for (id, var d) in duties {
            for w in d.waiters { w.resume(returning: .failure(NodeRefusal(status: 503, message: "the node is shutting down"))) }
            d.waiters = []
            duties[id] = d
        }
    }

    // MARK: - Validator client side

    /// The pool's validator keys, 0x-prefixed hex.
    public var publicKeys: [String] { lock.validators.map(\.publicKey) }

    /// Signs a Web3Signer request for validator `pubkey` with the pool.
    public func sign(pubkey: String, body: [UInt8]) async -> Result<Signature, NodeRefusal> {
        let started = ContinuousClock.now
        let result = await signInner(pubkey: pubkey, body: body)
        let elapsed = ContinuousClock.now - started
        metrics.dutyLatency.record(elapsed)
        let ms = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
        var meta: Logger.Metadata = ["validator": "\(pubkey.prefix(18))", "latency_ms": "\((ms * 10).rounded() / 10)"]
        if let kind = Self.requestKind(body) { meta["type"] = "\(kind)" }
        switch result {
        case .success: logger.info("signed", metadata: meta)
        case .failure(let refusal):
            metrics.refusals.increment()
            meta["status"] = "\(refusal.status)"; meta["reason"] = "\(refusal.message)"
            logger.warning("refused", metadata: meta)
        }
        return result
    }

    func signInner(pubkey: String, body: [UInt8]) async -> Result<Signature, NodeRefusal> {
        let key = pubkey.lowercased().hasPrefix("0x") ? pubkey.lowercased() : "0x" + pubkey.lowercased()
        guard let validator = lock.validators.firstIndex(where: { $0.publicKey == key }) else {
            return .failure(NodeRefusal(status: 404, message: "validator \(pubkey) is not one of this pool's keys"))
        }
        guard stillCurrent() else {
            return .failure(NodeRefusal(status: 503, message: "lock.json changed on disk (a reshare?): this node's shares are of epoch \(lock.epoch); restart the node"))
        }
        let request: SigningRequest
        do { request = try SigningRequest(json: Data(body), context: context) } catch {
            return .failure(NodeRefusal(status: 400, message: error.description))
        }
        var value = be32(UInt32(validator))
        value += body
        let id = Self.instance(validator: validator, request: request, groupKey: groupKeys[validator])
        var duty = duties[id] ?? Duty(validator: validator)
        duty.requested = value
        duties[id] = duty
        if configuration.byzantine {
            await equivocate(value) { frame(.dutyRequest, id.bytes + $0) }
        } else {
            await link.broadcast(frame(.dutyRequest, id.bytes + value))
        }
        await apply(consensus.propose(id, value: value, now: Date()))
        if var pending = duties[id], pending.value == value, pending.signature == nil {
            tryCombine(&pending)  // decided before this client asked: the partials may all be here
            duties[id] = pending
        }
        if let done = duties[id], let s = done.signature, done.value == value { return .success(s) }
        if let done = duties[id], let agreed = done.value, agreed != value {
            return .failure(NodeRefusal(status: 412, message: "the pool already agreed on different data for this duty (a double vote or double proposal); it signs only that"))
        }
        if let r = duties[id]?.refusal { return .failure(r) }
        let timeout = configuration.dutyTimeout
        let result: Result<Signature, NodeRefusal> = await withCheckedContinuation { c in
            duties[id, default: Duty(validator: validator)].waiters.append(c)
            Task { [weak self] in
                try? await Task.sleep(nanoseconds: UInt64(timeout * 1e9))
                await self?.expire(id)
            }
        }
        return result
    }

    func expire(_ id: InstanceID) {
        guard var d = duties[id], !d.waiters.isEmpty else { return }
        let have = d.partials.count + d.encoded.count
        let r = NodeRefusal(status: 503, message: d.value == nil ? "no agreement on the duty in time (consensus)"
                                                                 : "only \(have) valid partial signatures of the \(lock.threshold) needed in time")
        for w in d.waiters { w.resume(returning: .failure(r)) }
        d.waiters = []
        duties[id] = d
    }

    // MARK: - Member side

    func handle(_ payload: [UInt8], from: Int) async {
        // The link reports the authenticated sender (see `frame`).
        guard payload.count >= 2 + 32, payload[0] == Self.frameVersion, let kind = EnvelopeKind(rawValue: payload[1]),
              lock.members.contains(where: { $0.index == from }) else { return }
        let sender = from
        let id = InstanceID(Array(payload[2..<34]))
        let rest = Array(payload[34...])
        switch kind {
        case .dutyRequest:
            guard Self.parseValue(rest, lock: lock, context: context) != nil else { return }
            await apply(consensus.propose(id, value: rest, now: Date()))
        case .consensus:
            guard let m = ConsensusMessage(decoding: rest), m.instance == id else { return }
            metrics.consensusMessages.increment()
            await apply(consensus.receive(m, from: sender, now: Date()))
        case .dutyPartial:
            guard rest.count == 96 else { return }
            receivePartial(id, encoded: rest, from: sender)
        default: return
        }
    }

    func tick() async {
        await apply(consensus.tick(now: Date()))
    }

    func apply(_ out: ConsensusOutput) async {
        for m in out.broadcast where m.kind == .roundChange { metrics.roundChanges.increment() }
        for m in out.broadcast {
            if let auth = consensusAuth, configuration.byzantine, [.propose, .prepare, .commit].contains(m.kind) {
                await equivocate(m.value) { v in
                    let lie = v == m.value ? m : ConsensusMessage.signed(kind: m.kind, instance: m.instance, round: m.round, value: v,
                                                                         justification: m.justification, by: auth, signer: me.index)
                    return frame(.consensus, m.instance.bytes + lie.encoded)
                }
                continue
            }
            await link.broadcast(frame(.consensus, m.instance.bytes + m.encoded))
        }
        for (to, m) in out.direct {
            await link.send(frame(.consensus, m.instance.bytes + m.encoded), to: to)
        }
        for (id, value) in out.decided { await decided(id, value) }
    }

    /// A value was decided: slashing check, partial signature, broadcast.
    func decided(_ id: InstanceID, _ value: [UInt8]) async {
        metrics.decisions.increment()
        metrics.decidedRound.record(Double(consensus.round(id)))
        guard let (validator, request) = Self.parseValue(value, lock: lock, context: context) else { return }
        logger.debug("duty decided", metadata: ["duty": "\(id)", "type": "\(request.kind.rawValue)", "validator_index": "\(validator)"])
        var d = duties[id] ?? Duty(validator: validator)
        d.value = value
        d.root = request.signingRoot
        if let requested = d.requested, requested != value {
            d.refusal = NodeRefusal(status: 412, message: "the pool agreed on different data for this duty; it signs only that")
            for w in d.waiters { w.resume(returning: .failure(d.refusal!)) }
            d.waiters = []
        }
        guard !d.signed else { duties[id] = d; return }
        // Claimed before the write: no second record or partial for this duty while it is in flight.
        d.signed = true
        duties[id] = d
        // The durable write (SQLite, synchronous=FULL: an fsync) runs on this node's own serial
        // queue, not on a thread of Swift's cooperative pool, which other duties need meanwhile.
        let database = self.database
        let pubkey = groupKeys[validator].compressed
        let recorded: Result<Void, any Error> = await withCheckedContinuation { c in
            databaseQueue.async {
                do { _ = try database.checkAndRecord(request, pubkey: pubkey); c.resume(returning: .success(())) } catch {
                    c.resume(returning: .failure(error))
                }
            }
        }
        if case .failure(let error) = recorded {
            logger.warning("slashing protection refused a decided duty", metadata: ["duty": "\(id)", "type": "\(request.kind.rawValue)", "reason": "\(error)"])
            var d = duties[id] ?? Duty(validator: validator)
            d.refusal = NodeRefusal(status: 412, message: "slashing protection: \(error)")
            for w in d.waiters { w.resume(returning: .failure(d.refusal!)) }
            d.waiters = []
            duties[id] = d
            return
        }
        let partial = shares[validator]!.sign(request.signingRoot)
        receivePartial(id, partial, from: me.index)
        await link.broadcast(frame(.dutyPartial, id.bytes + partial.compressed))
        metrics.partialsSent.increment()
    }

    func receivePartial(_ id: InstanceID, _ sig: Signature, from: Int) {
        var d = duties[id] ?? Duty(validator: 0)
        defer { duties[id] = d }
        guard d.partials[from] == nil, d.encoded[from] == nil, !d.invalid.contains(from) else { return }
        d.partials[from] = sig
        tryCombine(&d)
    }

    func receivePartial(_ id: InstanceID, encoded: [UInt8], from: Int) {
        var d = duties[id] ?? Duty(validator: 0)
        defer { duties[id] = d }
        guard d.partials[from] == nil, d.encoded[from] == nil, !d.invalid.contains(from) else { return }
        d.encoded[from] = encoded
        metrics.partialReceived(from: from)
        tryCombine(&d)
    }

    /// Combines once t partials and the decided root are in — only on a node a validator client
    /// is waiting on; the others just hold the partials (in case a client asks them later).
    func tryCombine(_ d: inout Duty) {
        guard d.signature == nil, let root = d.root, !d.waiters.isEmpty || d.requested != nil else { return }
        guard d.partials.count + d.encoded.count >= lock.threshold else { return }
        for (m, bytes) in d.encoded {
            if let sig = try? Signature(bytes: bytes) { d.partials[m] = sig } else {
                d.invalid.insert(m)
                metrics.invalidPartial(from: m)
                logger.warning("invalid partial signatures", metadata: ["from": "[\(m)]", "problem": "does not decode as a point of G2"])
            }
        }
        d.encoded = [:]
        guard d.partials.count >= lock.threshold else { return }
        let validator = d.validator
        let partials = d.partials.map { PartialSignature(index: try! MemberIndex($0.key), signature: $0.value) }
        var shares: [MemberIndex: PublicKey] = [:]
        for (m, k) in publicShares[validator] { shares[try! MemberIndex(m)] = k }
        // One batched check of every partial (per-partial checks only when it fails), invalid
        // ones named and dropped, t valid ones combined and the result verified.
        let result: ThresholdSignature.RobustResult
        do {
            result = try ThresholdSignature.combineRobust(partials, threshold: lock.threshold, groupPublicKey: groupKeys[validator],
                                                          publicShares: shares, message: root)
        } catch {
            if case .notEnoughValidPartials(_, _, let invalid) = error {
                for m in invalid { d.partials[Int(m.value)] = nil; d.invalid.insert(Int(m.value)); metrics.invalidPartial(from: Int(m.value)) }
                if !invalid.isEmpty { logger.warning("invalid partial signatures", metadata: ["from": "\(invalid.map { Int($0.value) }.sorted())"]) }
            }
            return
        }
        for m in result.invalid { d.partials[Int(m.value)] = nil; d.invalid.insert(Int(m.value)); metrics.invalidPartial(from: Int(m.value)) }
        if !result.invalid.isEmpty { logger.warning("invalid partial signatures", metadata: ["from": "\(result.invalid.map { Int($0.value) }.sorted())"]) }
        d.signature = result.signature
        if d.requested == nil || d.requested == d.value {
            for w in d.waiters { w.resume(returning: .success(result.signature)) }
            d.waiters = []
        }
    }

    // MARK: - Helpers

    /// Byzantine test hook: odd-numbered members get `value`, even-numbered ones a conflicting
    /// value (the last 32-byte root in the request changed).
    func equivocate(_ value: [UInt8], _ wrap: ([UInt8]) -> [UInt8]) async {
        let text = String(decoding: value.dropFirst(4), as: UTF8.self)
        var lie = value
        if let r = text.range(of: #""0x[0-9a-fA-F]{64}""#, options: [.regularExpression, .backwards]) {
            let at = text.index(r.lowerBound, offsetBy: 3)
            let flipped = text[at] == "f" ? "e" : "f"
            lie = Array(value.prefix(4)) + Array(text.replacingCharacters(in: at...at, with: flipped).utf8)
        }
        for m in lock.members where m.index != me.index {
            await link.send(wrap(m.index % 2 == 0 ? lie : value), to: m.index)
        }
    }

    static let frameVersion: UInt8 = 1

    /// A node-to-node message: version, kind, then the body (duty instance first). It carries no
    /// signature of its own: the member transport authenticates every frame (a SIGMA-I handshake
    /// with the members' Ed25519 identity keys, then ChaCha20-Poly1305 per direction, end to end
    /// through relays) on a network id derived from this lock's hash, so the sender the link
    /// reports is authentic and bound to this pool and epoch. What must convince third parties
    /// is signed separately: consensus statements (Ed25519, for certificates) and partial
    /// signatures (BLS, checked against public shares). One Ed25519 verification per message
    /// was about a quarter of the CPU of a duty.
    func frame(_ kind: EnvelopeKind, _ body: [UInt8]) -> [UInt8] {
        [Self.frameVersion, kind.rawValue] + body
    }

    /// The request's `type` field, for logs (nil when it is not JSON).
    static func requestKind(_ body: [UInt8]) -> String? {
        (try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])?["type"] as? String
    }

    func stillCurrent() -> Bool {
        guard let current = try? FileIO.readJSON(PoolLock.self, from: lockPath) else { return false }
        return current.lockHash == lock.lockHash
    }

    /// (validator index, parsed request) from a consensus value, or nil when it is not valid.
    static func parseValue(_ value: [UInt8], lock: PoolLock, context: SigningContext) -> (Int, SigningRequest)? {
        guard value.count > 4 else { return nil }
        let v = Int(value[0]) << 24 | Int(value[1]) << 16 | Int(value[2]) << 8 | Int(value[3])
        guard v < lock.validators.count, let r = try? SigningRequest(json: Data(value[4...]), context: context) else { return nil }
        return (v, r)
    }

    /// The duty a request belongs to: slashable kinds by slot or target epoch (so two different
    /// blocks for one slot are one instance), others by their signing root.
    static func instance(validator: Int, request: SigningRequest, groupKey: PublicKey) -> InstanceID {
        var t = [UInt8]("vring/duty/v1".utf8) + groupKey.compressed + Array(request.kind.rawValue.utf8)
        switch request.slashingCheck {
        case .block(let slot): t += [1] + be32(UInt32(slot >> 32)) + be32(UInt32(slot & 0xffff_ffff))
        case .attestation(_, let target): t += [2] + be32(UInt32(target >> 32)) + be32(UInt32(target & 0xffff_ffff))
        case .none: t += [3] + request.signingRoot
        }
        return InstanceID(SHA256.hash(t))
    }
}

/// A share held for the node's lifetime (secure memory, never printed).
final class SecretKeyBox: @unchecked Sendable {
    private let share: SecretShare
    init(_ share: consuming SecretShare) { self.share = share }
    func sign(_ root: [UInt8]) -> Signature { ThresholdSignature.partialSign(share: share, message: root).signature }
}

/// Remembers which consensus values parsed (every consensus message repeats the value; parsing
/// the JSON and recomputing its SSZ root once per distinct value is enough).
final class ValidityCache: @unchecked Sendable {
    private let lock = NSLock()
    private var known: [[UInt8]: Bool] = [:]
    private let parse: ([UInt8]) -> Bool
    init(_ parse: @escaping ([UInt8]) -> Bool) { self.parse = parse }
    func check(_ value: [UInt8]) -> Bool {
        let digest = SHA256.hash(value)
        if let v = lock.withLock({ known[digest] }) { return v }
        let v = parse(value)
        lock.withLock {
            if known.count > 10_000 { known.removeAll() }
            known[digest] = v
        }
        return v
    }
}
