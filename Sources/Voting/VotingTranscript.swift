import BLS12381
import Foundation
import Primitives
import Threshold

/// Everything needed to check a vote from the record alone: the election (question, threshold,
/// members, ballot key), the ballots, every mix, the decryption shares and the tally.
public struct VotingTranscript: Sendable {
    /// Version 2 writes the mixes' outputs and shuffle-proof commitments as 96-byte uncompressed
    /// points (no square root to decode them); version 1, still read, wrote them compressed.
    public static let version = 2
    /// The versions `init(json:)` reads.
    public static let readableVersions: ClosedRange<Int> = 1...2

    public let election: Election
    public let ballots: [Ballot]
    public let mixes: [Mix]
    public let decryptions: [DecryptionShare]
    public let tally: Tally

    public init(election: Election, ballots: [Ballot], mixes: [Mix], decryptions: [DecryptionShare], tally: Tally) {
        self.election = election
        self.ballots = ballots
        self.mixes = mixes
        self.decryptions = decryptions
        self.tally = tally
    }

    /// Checks everything in order and returns the tally:
    /// 1. the members' ballot public shares interpolate to the ballot key (checked when decoding);
    /// 2. `ballots[i]`: eligible voter, one ballot per member, no repeated ciphertext, signature,
    ///    proof of knowledge bound to the voter and question, proof that it encrypts an option;
    /// 3. `mixes[k]`: at least t, distinct eligible mixers, signature, output count, shuffle proof
    ///    from the previous list (the ballots' ciphertexts for k = 0);
    /// 4. `decryptions[i]`: at least t, distinct eligible members, signature, one partial per final
    ///    ciphertext, Chaum–Pedersen proof; every final ciphertext decrypts to an option;
    /// 5. `tally` equals the count of the decrypted options.
    /// - Throws: `VotingError.verificationFailed(path, problem)` for the first failing check.
    public func verify() throws(VotingError) -> Tally {
        guard !ballots.isEmpty else { throw .verificationFailed(path: "ballots", .tooFew(needed: 1, actual: 0)) }
        try election.verifyBallots(ballots)
        let final = try election.verifyMixes(mixes, ballots: ballots)
        let plaintexts = try election.decrypt(final, shares: decryptions)
        let computed = election.tally(plaintexts)
        guard computed == tally else { throw .verificationFailed(path: "tally", .tallyMismatch) }
        return computed
    }
}

// MARK: - JSON

/// The JSON form: points as 48-byte compressed hex, except the mixes' outputs and shuffle-proof
/// commitments, which version 2 writes as 96-byte uncompressed hex (version 1: compressed);
/// scalars as 32-byte big-endian hex, signatures and identity keys as hex, member indices as
/// integers. The field names `ballots`,
/// `mixes[k].outputs`, `mixes[k].proof`, `decryptions` and `tally` are an interface.
struct TranscriptWire: Codable {
    struct Question: Codable { var id: String; var text: String; var options: [String] }
    struct Member: Codable { var index: Int; var identityKey: String; var ballotPublicShare: String }
    struct CiphertextWire: Codable { var a: String; var b: String }
    struct Schnorr: Codable { var challenge: String; var response: String }
    struct Disjunctive: Codable { var challenges: [String]; var responses: [String] }
    struct BallotWire: Codable {
        var voter: Int; var ciphertext: CiphertextWire; var knowledgeProof: Schnorr; var rangeProof: Disjunctive; var signature: String
    }
    struct Proof: Codable {
        var permutationCommitments: [String]; var chainCommitments: [String]
        var t1: String; var t2: String; var t3: String; var t4A: String; var t4B: String; var tHat: [String]
        var challenge: String; var s1: String; var s2: String; var s3: String; var s4: String; var sHat: [String]; var sPrime: [String]
    }
    struct MixWire: Codable { var mixer: Int; var outputs: [CiphertextWire]; var proof: Proof; var signature: String }
    struct Decryption: Codable { var member: Int; var partials: [String]; var proof: Schnorr; var signature: String }

    var version: Int
    var question: Question
    var threshold: Int
    var members: [Member]
    var ballotPublicKey: String
    var ballots: [BallotWire]
    var mixes: [MixWire]
    var decryptions: [Decryption]
    var tally: [String: Int]
}

extension VotingTranscript {
    /// Pretty-printed JSON with sorted keys (snake_case field names).
    public func jsonData() -> Data {
        func hex(_ b: [UInt8]) -> String { Hex.encode(b) }
        func p(_ x: G1Affine) -> String { hex(x.compressed()) }
        // A verifier decodes every mix's 5N + 5 points; uncompressed, each costs an on-curve check
        // instead of a square root (≈ 0.3 M instructions): a third of checking a shuffle.
        func u(_ x: G1Affine) -> String { hex(x.uncompressed()) }
        func s(_ x: Fr) -> String { hex(x.bigEndianBytes) }
        func ct(_ c: Ciphertext) -> TranscriptWire.CiphertextWire { .init(a: p(c.a), b: p(c.b)) }
        func mixed(_ c: Ciphertext) -> TranscriptWire.CiphertextWire { .init(a: u(c.a), b: u(c.b)) }
        let e = election
        let wire = TranscriptWire(
            version: Self.version,
            question: .init(id: e.question.id, text: e.question.text, options: e.question.options),
            threshold: e.threshold,
            members: e.members.map { .init(index: Int($0.index.value), identityKey: hex($0.identityKey.bytes), ballotPublicShare: p($0.ballotPublicShare)) },
            ballotPublicKey: p(e.ballotPublicKey),
            ballots: ballots.map { b in
                .init(voter: Int(b.voter.value), ciphertext: ct(b.ciphertext),
                      knowledgeProof: .init(challenge: s(b.knowledgeProof.challenge), response: s(b.knowledgeProof.response)),
                      rangeProof: .init(challenges: b.rangeProof.challenges.map(s), responses: b.rangeProof.responses.map(s)),
                      signature: hex(b.signature))
            },
            mixes: mixes.map { m in
                let q = m.proof
                return .init(mixer: Int(m.mixer.value), outputs: m.outputs.map(mixed), proof: .init(
                    permutationCommitments: q.permutationCommitments.map(u), chainCommitments: q.chainCommitments.map(u),
                    t1: u(q.t1), t2: u(q.t2), t3: u(q.t3), t4A: u(q.t4A), t4B: u(q.t4B), tHat: q.tHat.map(u),
                    challenge: s(q.challenge), s1: s(q.s1), s2: s(q.s2), s3: s(q.s3), s4: s(q.s4),
                    sHat: q.sHat.map(s), sPrime: q.sPrime.map(s)), signature: hex(m.signature))
            },
            decryptions: decryptions.map { d in
                .init(member: Int(d.member.value), partials: d.partials.map(p),
                      proof: .init(challenge: s(d.proof.challenge), response: s(d.proof.response)), signature: hex(d.signature))
            },
            tally: tally.byOption)
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try! encoder.encode(wire)  // strings and integers only: cannot fail
    }

    /// Parses and validates a JSON transcript: every point is decoded with the full checks
    /// (canonical encoding, on the curve, in the subgroup), except the mixes' outputs and proof
    /// commitments (canonical, on the curve; `verify()` subgroup-checks the final outputs and the
    /// proofs clear the cofactor), every scalar must be below r, and
    /// the election's public shares must interpolate to the ballot key. Proofs are not checked
    /// here: call `verify()`.
    /// - Throws: `VotingError.malformedTranscript` when the JSON does not have the expected
    ///   shape; `.invalidEncoding(path, …)` for a field that does not decode;
    ///   `.invalidConfiguration` / `.verificationFailed("members", …)` for a bad election.
    public init(json data: Data) throws(VotingError) {
        let wire: TranscriptWire
        do {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            wire = try decoder.decode(TranscriptWire.self, from: data)
        } catch let error as DecodingError {
            throw .malformedTranscript(Self.describe(error))
        } catch {
            throw .malformedTranscript("not valid JSON")
        }
        guard Self.readableVersions.contains(wire.version) else {
            throw .malformedTranscript("version \(wire.version) is not supported (expected \(Self.readableVersions.lowerBound)…\(Self.readableVersions.upperBound))")
        }
        var d = FieldDecoder(proofPointSize: wire.version >= 2 ? 2 * G1Curve.compressedSize : G1Curve.compressedSize)
        let question = try BallotQuestion(id: wire.question.id, text: wire.question.text, options: wire.question.options)
        var members = [VotingMember]()
        for (i, m) in wire.members.enumerated() {
            let path = "members[\(i)]"
            members.append(VotingMember(
                index: try d.member(m.index, path + ".index"),
                identityKey: try d.identityKey(m.identityKey, path + ".identity_key"),
                ballotPublicShare: try d.publicKey(m.ballotPublicShare, path + ".ballot_public_share")))
        }
        let election = try Election(question: question, threshold: wire.threshold, members: members,
                                    ballotPublicKey: try d.publicKey(wire.ballotPublicKey, "ballot_public_key"))
        func ct(_ c: TranscriptWire.CiphertextWire, _ path: String) throws(VotingError) -> Ciphertext {
            Ciphertext(a: try d.point(c.a, path + ".a"), b: try d.point(c.b, path + ".b"))
        }
        var ballots = [Ballot]()
        for (i, b) in wire.ballots.enumerated() {
            let path = "ballots[\(i)]"
            ballots.append(Ballot(
                voter: try d.member(b.voter, path + ".voter"),
                ciphertext: try ct(b.ciphertext, path + ".ciphertext"),
                knowledgeProof: SchnorrProof(challenge: try d.scalar(b.knowledgeProof.challenge, path + ".knowledge_proof.challenge"),
                                             response: try d.scalar(b.knowledgeProof.response, path + ".knowledge_proof.response")),
                rangeProof: DisjunctiveProof(challenges: try d.scalars(b.rangeProof.challenges, path + ".range_proof.challenges"),
                                             responses: try d.scalars(b.rangeProof.responses, path + ".range_proof.responses")),
                signature: try d.bytes(b.signature, path + ".signature")))
        }
        var mixes = [Mix]()
        for (k, m) in wire.mixes.enumerated() {
            let path = "mixes[\(k)]", pp = "mixes[\(k)].proof"
            // Outputs on the curve only: `verify()` subgroup-checks the final list, and blames
            // the first mix that left G1 (`Election.verifyMixes`).
            var outputs = [Ciphertext]()
            for (j, c) in m.outputs.enumerated() {
                let cp = path + ".outputs[\(j)]"
                outputs.append(Ciphertext(a: try d.proofPoint(c.a, cp + ".a"), b: try d.proofPoint(c.b, cp + ".b")))
            }
            let q = m.proof
            let proof = ShuffleProof(
                permutationCommitments: try d.proofPoints(q.permutationCommitments, pp + ".permutation_commitments"),
                chainCommitments: try d.proofPoints(q.chainCommitments, pp + ".chain_commitments"),
                t1: try d.proofPoint(q.t1, pp + ".t1"), t2: try d.proofPoint(q.t2, pp + ".t2"), t3: try d.proofPoint(q.t3, pp + ".t3"),
                t4A: try d.proofPoint(q.t4A, pp + ".t4_a"), t4B: try d.proofPoint(q.t4B, pp + ".t4_b"),
                tHat: try d.proofPoints(q.tHat, pp + ".t_hat"),
                challenge: try d.scalar(q.challenge, pp + ".challenge"),
                s1: try d.scalar(q.s1, pp + ".s1"), s2: try d.scalar(q.s2, pp + ".s2"),
                s3: try d.scalar(q.s3, pp + ".s3"), s4: try d.scalar(q.s4, pp + ".s4"),
                sHat: try d.scalars(q.sHat, pp + ".s_hat"), sPrime: try d.scalars(q.sPrime, pp + ".s_prime"))
            mixes.append(Mix(mixer: try d.member(m.mixer, path + ".mixer"), outputs: outputs, proof: proof,
                             signature: try d.bytes(m.signature, path + ".signature")))
        }
        var decryptions = [DecryptionShare]()
        for (i, s) in wire.decryptions.enumerated() {
            let path = "decryptions[\(i)]"
            decryptions.append(DecryptionShare(
                member: try d.member(s.member, path + ".member"),
                partials: try d.points(s.partials, path + ".partials"),
                proof: DecryptionProof(challenge: try d.scalar(s.proof.challenge, path + ".proof.challenge"),
                                       response: try d.scalar(s.proof.response, path + ".proof.response")),
                signature: try d.bytes(s.signature, path + ".signature")))
        }
        guard Set(wire.tally.keys) == Set(question.options) else {
            throw .verificationFailed(path: "tally", .other("options do not match the question's"))
        }
        self.init(election: election, ballots: ballots, mixes: mixes, decryptions: decryptions,
                  tally: Tally(options: question.options, counts: question.options.map { wire.tally[$0]! }))
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ c: DecodingError.Context) -> String {
            let p = c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined()
            return p.hasPrefix(".") ? String(p.dropFirst()) : p
        }
        switch error {
        case .keyNotFound(let key, let c): return "\(path(c).isEmpty ? "" : path(c) + ": ")missing field \"\(key.stringValue)\""
        case .typeMismatch(_, let c), .valueNotFound(_, let c): return "\(path(c)): wrong type"
        case .dataCorrupted(let c): return c.codingPath.isEmpty ? "not valid JSON" : "\(path(c)): \(c.debugDescription)"
        @unknown default: return "not valid JSON"
        }
    }
}

/// Decodes transcript fields with full validation; every error names its path.
struct FieldDecoder {
    /// Decoded points by encoding: a transcript repeats points (each mix's outputs are the next
    /// mix's inputs), and the subgroup check is the expensive part of decoding.
    private var cache = [String: G1Affine]()
    /// Shuffle-proof commitments, decoded on the curve only (see `proofPoint`).
    private var onCurve = [String: G1Affine]()
    /// The length of a mix output's or proof commitment's encoding: 96 (uncompressed) from
    /// version 2, 48 (compressed) in version 1.
    let proofPointSize: Int

    init(proofPointSize: Int = G1Curve.compressedSize) { self.proofPointSize = proofPointSize }

    func bytes(_ text: String, _ path: String) throws(VotingError) -> [UInt8] {
        guard let b = Hex.decode(text) else { throw .invalidEncoding(path: path, .notHex) }
        return b
    }

    mutating func point(_ text: String, _ path: String) throws(VotingError) -> G1Affine {
        if let p = cache[text] { return p }
        let b = try bytes(text, path)
        guard b.count == G1Curve.compressedSize else { throw .invalidEncoding(path: path, .wrongLength(expected: G1Curve.compressedSize, actual: b.count)) }
        do {
            let p = try G1Affine(decoding: b, subgroupCheck: .check)
            cache[text] = p
            return p
        } catch {
            throw .invalidEncoding(path: path, .point(error))
        }
    }

    /// A shuffle proof's own commitment or a mix output: on the curve, *not* subgroup-checked.
    /// The verifier multiplies its combined equation by the cofactor (`Shuffle.verify`), which
    /// removes any small-order part, so such a part can neither help nor hurt the proof; the
    /// final outputs are subgroup-checked once by `Election.verifyMixes`. Ballots, keys and
    /// partial decryptions are always checked with `point`.
    mutating func proofPoint(_ text: String, _ path: String) throws(VotingError) -> G1Affine {
        if let p = cache[text] ?? onCurve[text] { return p }
        let b = try bytes(text, path)
        guard b.count == proofPointSize else { throw .invalidEncoding(path: path, .wrongLength(expected: proofPointSize, actual: b.count)) }
        do {
            let p = try G1Affine(decoding: b, subgroupCheck: .skip)
            onCurve[text] = p
            return p
        } catch {
            throw .invalidEncoding(path: path, .point(error))
        }
    }

    mutating func proofPoints(_ texts: [String], _ path: String) throws(VotingError) -> [G1Affine] {
        var out = [G1Affine]()
        out.reserveCapacity(texts.count)
        for (i, t) in texts.enumerated() { out.append(try proofPoint(t, path + "[\(i)]")) }
        return out
    }

    mutating func points(_ texts: [String], _ path: String) throws(VotingError) -> [G1Affine] {
        var out = [G1Affine]()
        out.reserveCapacity(texts.count)
        for (i, t) in texts.enumerated() { out.append(try point(t, path + "[\(i)]")) }
        return out
    }

    mutating func publicKey(_ text: String, _ path: String) throws(VotingError) -> G1Affine {
        let p = try point(text, path)
        guard !p.isInfinity else { throw .invalidEncoding(path: path, .identity) }
        return p
    }

    func scalar(_ text: String, _ path: String) throws(VotingError) -> Fr {
        let b = try bytes(text, path)
        guard b.count == 32 else { throw .invalidEncoding(path: path, .wrongLength(expected: 32, actual: b.count)) }
        guard let s = Fr(bigEndian: b) else { throw .invalidEncoding(path: path, .scalarNotCanonical) }
        return s
    }

    func scalars(_ texts: [String], _ path: String) throws(VotingError) -> [Fr] {
        var out = [Fr]()
        for (i, t) in texts.enumerated() { out.append(try scalar(t, path + "[\(i)]")) }
        return out
    }

    func member(_ value: Int, _ path: String) throws(VotingError) -> MemberIndex {
        do { return try MemberIndex(value) } catch { throw .invalidEncoding(path: path, .invalidMemberIndex(value)) }
    }

    func identityKey(_ text: String, _ path: String) throws(VotingError) -> SigningPublicKey {
        let b = try bytes(text, path)
        do { return try SigningPublicKey(bytes: b) } catch {
            throw .invalidEncoding(path: path, .wrongLength(expected: SigningPublicKey.byteCount, actual: b.count))
        }
    }
}
