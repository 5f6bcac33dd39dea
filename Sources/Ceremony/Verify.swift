import BLS12381
import DKG
import Foundation
import Primitives

// `vring pool verify-members`: the verification ceremony of the original proposal. Each member
//  - proves it holds its identity key (the authenticated transport and signed envelopes),
//  - answers a fresh BLS signing challenge from every other member within the definition's
//    deadline (hash-to-curve and a G2 signature with a throwaway key: the expensive half of a
//    signing duty), so slow hardware is found before the pool depends on it,
//  - reports its vring version,
//  - measures round-trip latency to every other member (median of three pings).
// Every member then broadcasts its signed observations; each writes verification-report.json
// with all of them and a verdict per member: passed when every observer that reported saw a
// correct, timely answer. The exit status is 0 when every member passed, 1 otherwise.

/// One member's observation of another.
public struct Observation: Codable, Sendable, Equatable {
    public let index: Int
    public var answered: Bool
    public var challengeMilliseconds: Double?
    public var signatureValid: Bool
    public var version: String?
    public var roundTripMilliseconds: Double?
    enum CodingKeys: String, CodingKey {
        case index, answered, version
        case challengeMilliseconds = "challenge_ms", signatureValid = "signature_valid", roundTripMilliseconds = "rtt_ms"
    }
}

/// A member's signed observations, as broadcast.
public struct ObserverReport: Codable, Sendable, Equatable {
    public let reporter: Int
    public let version: String
    public let observations: [Observation]
    /// Ed25519 by the reporter over the canonical JSON of the fields above.
    public var signature: String
}

/// The verdict on one member.
public struct MemberVerdict: Codable, Sendable, Equatable {
    public let index: Int
    public let name: String
    public let passed: Bool
    public let reasons: [String]
    public let version: String?
    public let challengeMilliseconds: Double?
    enum CodingKeys: String, CodingKey { case index, name, passed, reasons, version, challengeMilliseconds = "challenge_ms" }
}

/// verification-report.json.
public struct VerificationReport: Codable, Sendable {
    public let definitionHash: String
    public let createdAt: String
    public let challengeDeadlineMilliseconds: Int
    public let writtenBy: Int
    public let passed: Bool
    public let members: [MemberVerdict]
    public let reports: [ObserverReport]
    public var signature: String

    enum CodingKeys: String, CodingKey {
        case definitionHash = "definition_hash", createdAt = "created_at", challengeDeadlineMilliseconds = "challenge_deadline_ms"
        case writtenBy = "written_by", passed, members, reports, signature
    }

    static func signedBytes(_ r: VerificationReport) -> [UInt8] {
        var u = r; u.signature = ""
        return SHA256.hash(Array("vring/verification-report/v1\0".utf8) + FileIO.jsonBytes(u, pretty: false))
    }

    /// Refuses unless `path` holds a passed report for this definition, signed by a member.
    static func requirePassed(at path: String, definition: PoolDefinition) throws(CeremonyError) {
        guard FileIO.exists(path) else {
            throw .notApproved("the definition requires a passed verification: run `vring pool verify-members` first (no \(path))")
        }
        let report = try FileIO.readJSON(VerificationReport.self, from: path)
        guard report.definitionHash == definition.definitionHash else { throw .notApproved("\(path) is for another definition") }
        guard let writer = definition.members.first(where: { $0.index == report.writtenBy }),
              let sig = Hex.decode(report.signature),
              writer.record.signingKey.isValidSignature(sig, for: signedBytes(report)) else {
            throw .notApproved("\(path): the report's signature does not verify")
        }
        guard report.passed else {
            let failed = report.members.filter { !$0.passed }.map { "member \($0.index) (\($0.name)): \($0.reasons.joined(separator: "; "))" }
            throw .notApproved("the verification did not pass: \(failed.joined(separator: ", "))")
        }
    }
}

/// The version string members report.
public let vringVersion = "0.5.0"

extension PoolCeremony {
    /// Runs the verification ceremony and writes `<dataDir>/verification-report.json`.
    public static func verifyMembers(definitionPath: String, identityPath: String, dataDir: String, listen: String? = nil,
                                     log: @escaping ProgressLog, link makeLink: LinkFactory) async throws(CeremonyError) -> VerificationReport {
        let definition = try PoolDefinition.load(definitionPath)
        try definition.requireAllApprovals()
        let identity = try IdentityDirectory.load(identityPath)
        let me = try definition.member(for: identity)
        try FileIO.makeDirectory(dataDir)
        let hash = Hex.decode(definition.definitionHash)!
        let session = Self.session("verify", hash)
        let link = try await makeLink(LinkSetup(networkID: Self.session("verify/network", hash), me: me.index,
                                                members: definition.members, listen: listen), try identity.signingKeyCopy())
        let driver = CeremonyDriver(session: session, epoch: 0, me: me.index, members: definition.members,
                                    signingKey: try identity.signingKeyCopy(), link: link, log: log)
        let others = definition.members.map(\.index).filter { $0 != me.index }
        let deadlineMs = Double(definition.timeouts.challengeMilliseconds)
        log("\(me.label): verifying \(others.count) member(s); challenge deadline \(Int(deadlineMs)) ms")

        var observations: [Int: Observation] = [:]
        for j in others { observations[j] = Observation(index: j, answered: false, challengeMilliseconds: nil, signatureValid: false, version: nil, roundTripMilliseconds: nil) }
        var challenges: [Int: (nonce: [UInt8], sent: Date)] = [:]
        var pings: [Int: [(nonce: [UInt8], sent: Date)]] = [:]
        var rtts: [Int: [Double]] = [:]
        let started = Date()
        let measureUntil = started.addingTimeInterval(TimeInterval(definition.timeouts.connectSeconds))
        func challengeMessage(_ nonce: [UInt8], from: Int, to: Int) -> [UInt8] {
            var t = Transcript(domain: "vring/verify-challenge/v1")
            t.append("session", session); t.append("nonce", nonce); t.append("from", u64: UInt64(from)); t.append("to", u64: UInt64(to))
            return t.digest()
        }
        func done() -> Bool { others.allSatisfy { observations[$0]!.answered && (rtts[$0]?.count ?? 0) >= 3 } }
        var backlog = driver.backlog(.challenge)
        while !done(), Date() < measureUntil {
            let next: CeremonyDriver.Input?
            if !backlog.isEmpty { next = .envelope(backlog.removeFirst()) } else { next = await driver.next() }
            guard let input = next else { break }
            switch input {
            case .connected(let p):
                guard observations[p] != nil else { continue }
                let nonce = SystemRandom.bytes(32)
                challenges[p] = (nonce, Date())
                await driver.sendDirect(.challenge, nonce, to: p)
                for _ in 0..<3 {
                    let pn = SystemRandom.bytes(8)
                    pings[p, default: []].append((pn, Date()))
                    await driver.sendDirect(.ping, pn, to: p)
                }
            case .envelope(let e):
                let from = Int(e.sender)
                switch e.kind {
                case .challenge where e.body.count == 32:
                    // Answer with a throwaway BLS key: hash-to-G2 plus a signature, as in a duty.
                    let key = SecretKey.random()
                    let sig = key.sign(challengeMessage(e.body, from: from, to: me.index))
                    await driver.sendDirect(.challengeResponse, e.body + key.publicKey.compressed + sig.compressed + Array(vringVersion.utf8), to: from)
                case .challengeResponse where e.body.count >= 32 + 48 + 96:
                    guard let c = challenges[from], Array(e.body[0..<32]) == c.nonce, var o = observations[from], !o.answered else { continue }
                    let ms = Date().timeIntervalSince(c.sent) * 1000
                    o.answered = true
                    o.challengeMilliseconds = (ms * 10).rounded() / 10
                    if let pk = try? PublicKey(bytes: Array(e.body[32..<80])), let sig = try? Signature(bytes: Array(e.body[80..<176])) {
                        o.signatureValid = BLS.verify(publicKey: pk, message: challengeMessage(c.nonce, from: me.index, to: from), signature: sig)
                    }
                    o.version = String(decoding: e.body[176...], as: UTF8.self)
                    observations[from] = o
                case .ping where e.body.count == 8:
                    await driver.sendDirect(.pong, e.body, to: from)
                case .pong where e.body.count == 8:
                    if let k = pings[from]?.firstIndex(where: { $0.nonce == e.body }) {
                        rtts[from, default: []].append(Date().timeIntervalSince(pings[from]![k].sent) * 1000)
                        pings[from]!.remove(at: k)
                    }
                default: break
                }
            case .tick:
                let missing = others.filter { !observations[$0]!.answered }
                driver.progress(waitingFor: missing, what: "challenge answers", since: started)
            default: break
            }
        }
        for j in others {
            if let r = rtts[j], !r.isEmpty { observations[j]!.roundTripMilliseconds = (r.sorted()[r.count / 2] * 100).rounded() / 100 }
        }

        // Exchange signed observations.
        var mine = ObserverReport(reporter: me.index, version: vringVersion, observations: others.map { observations[$0]! }, signature: "")
        mine.signature = Hex.encode(driver.sign(SHA256.hash(FileIO.jsonBytes(mine, pretty: false))))
        _ = await driver.post(.verificationReport, FileIO.jsonBytes(mine, pretty: false))
        var reports: [Int: ObserverReport] = [me.index: mine]
        let reportDeadline = Date().addingTimeInterval(TimeInterval(definition.timeouts.phaseSeconds))
        let reachable = Set(others.filter { observations[$0]!.answered })
        var reportBacklog = driver.backlog(.verificationReport)
        while Date() < reportDeadline || !reportBacklog.isEmpty {
            if reachable.isSubset(of: reports.keys) { break }
            let next: CeremonyDriver.Input?
            if !reportBacklog.isEmpty { next = .envelope(reportBacklog.removeFirst()) } else { next = await driver.next() }
            guard let input = next else { break }
            if case .envelope(let e) = input {
                switch e.kind {
                case .verificationReport:
                    guard let r = try? JSONDecoder().decode(ObserverReport.self, from: Data(e.body)), r.reporter == Int(e.sender),
                          let sig = Hex.decode(r.signature), let m = driver.member(r.reporter) else { continue }
                    var unsigned = r; unsigned.signature = ""
                    guard m.record.signingKey.isValidSignature(sig, for: SHA256.hash(FileIO.jsonBytes(unsigned, pretty: false))) else { continue }
                    reports[r.reporter] = r
                case .challenge where e.body.count == 32:  // a late member still needs our answer
                    let key = SecretKey.random()
                    let from = Int(e.sender)
                    let sig = key.sign(challengeMessage(e.body, from: from, to: me.index))
                    await driver.sendDirect(.challengeResponse, e.body + key.publicKey.compressed + sig.compressed + Array(vringVersion.utf8), to: from)
                case .ping where e.body.count == 8:
                    await driver.sendDirect(.pong, e.body, to: Int(e.sender))
                default: break
                }
            }
        }

        // Verdicts: a member passes when every report that observed it saw a valid, timely answer.
        var verdicts: [MemberVerdict] = []
        for m in definition.members {
            var reasons: [String] = []
            var times: [Double] = []
            var version: String? = m.index == me.index ? vringVersion : nil
            let seen = reports.values.filter { $0.reporter != m.index }.compactMap { r in r.observations.first { $0.index == m.index }.map { (r.reporter, $0) } }
            if seen.isEmpty, m.index != me.index { reasons.append("no member received an answer from it") }
            for (reporter, o) in seen.sorted(by: { $0.0 < $1.0 }) {
                if !o.answered { reasons.append("did not answer member \(reporter)'s challenge"); continue }
                if !o.signatureValid { reasons.append("answered member \(reporter) with an invalid BLS signature") }
                if let ms = o.challengeMilliseconds {
                    times.append(ms)
                    if ms > deadlineMs { reasons.append("answered member \(reporter) in \(Int(ms)) ms, over the \(Int(deadlineMs)) ms deadline") }
                }
                if let v = o.version { version = v; if v.split(separator: ".").first != vringVersion.split(separator: ".").first { reasons.append("runs vring \(v), incompatible with \(vringVersion)") } }
            }
            if reports[m.index] == nil { reasons.append("sent no signed report") }
            let median = times.isEmpty ? nil : times.sorted()[times.count / 2]
            verdicts.append(MemberVerdict(index: m.index, name: m.name, passed: reasons.isEmpty, reasons: reasons, version: version, challengeMilliseconds: median))
        }
        var report = VerificationReport(
            definitionHash: definition.definitionHash, createdAt: ISO8601DateFormatter().string(from: Date()),
            challengeDeadlineMilliseconds: definition.timeouts.challengeMilliseconds, writtenBy: me.index,
            passed: verdicts.allSatisfy(\.passed), members: verdicts,
            reports: reports.keys.sorted().map { reports[$0]! }, signature: "")
        report.signature = Hex.encode(driver.sign(VerificationReport.signedBytes(report)))
        try FileIO.writeJSON(report, to: "\(dataDir)/\(PoolFiles.verificationReport)")
        await linger(driver: driver, expected: Set(reports.keys), phaseSeconds: 3)
        await driver.close()
        return report
    }
}
