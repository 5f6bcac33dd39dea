import BLS12381
import Primitives
import Threshold

/// An exponential-ElGamal ciphertext in G1 under the ballot key Y: (a, b) = ([r]G, [m]G + [r]Y).
public struct Ciphertext: Sendable, Equatable, Hashable {
    public let a: G1Affine
    public let b: G1Affine

    public init(a: G1Affine, b: G1Affine) {
        self.a = a
        self.b = b
    }

    public static func == (l: Ciphertext, r: Ciphertext) -> Bool { l.a == r.a && l.b == r.b }
    public func hash(into h: inout Hasher) { h.combine(a.compressed()); h.combine(b.compressed()) }
}

/// The question put to the pool.
public struct BallotQuestion: Sendable, Equatable {
    /// A unique identifier chosen by the pool (it separates the proofs of different questions).
    public let id: String
    public let text: String
    /// The options, in order; option k is encrypted as [k]G.
    public let options: [String]

    /// - Throws: `VotingError.invalidConfiguration` for an empty id, fewer than 2 or more than
    ///   `maximumOptions` options, or repeated or empty option names.
    public init(id: String, text: String, options: [String]) throws(VotingError) {
        guard !id.isEmpty else { throw .invalidConfiguration("question id: must not be empty") }
        guard options.count >= 2, options.count <= Self.maximumOptions else {
            throw .invalidConfiguration("options: need 2…\(Self.maximumOptions), got \(options.count)")
        }
        guard !options.contains(where: \.isEmpty) else { throw .invalidConfiguration("options: an option name is empty") }
        guard Set(options).count == options.count else { throw .invalidConfiguration("options: names must be distinct") }
        self.id = id
        self.text = text
        self.options = options
    }

    /// The disjunctive proof grows with the number of options.
    public static let maximumOptions = 64
}

/// An eligible member: its index (the evaluation point of its ballot-key share), Ed25519
/// identity key and ballot public share Y_i = [x_i]G1.
public struct VotingMember: Sendable, Equatable {
    public let index: MemberIndex
    public let identityKey: SigningPublicKey
    public let ballotPublicShare: G1Affine

    public init(index: MemberIndex, identityKey: SigningPublicKey, ballotPublicShare: G1Affine) {
        self.index = index
        self.identityKey = identityKey
        self.ballotPublicShare = ballotPublicShare
    }
}

/// Everything fixed before voting starts: the question, the threshold, the eligible members and
/// the ballot public key. Its `context` (a SHA-256 digest of all of it) is bound into every
/// proof and signature, so nothing produced for one question or pool verifies for another.
public struct Election: Sendable {
    public let question: BallotQuestion
    public let threshold: Int
    /// Sorted by index.
    public let members: [VotingMember]
    /// Y = [x]G1, the group key of the members' shares.
    public let ballotPublicKey: G1Affine
    /// SHA-256 of the canonical encoding of the question, threshold, members and key.
    public let context: [UInt8]
    /// [k]Y without doublings, for encryption and re-encryption.
    package let publicKeyTable: FixedBaseTable
    private let memberPositions: [MemberIndex: Int]

    /// - Throws: `VotingError.invalidConfiguration` for a threshold outside 1…n, duplicate
    ///   members, an identity ballot key or share, or public shares that are not the evaluations of
    ///   one polynomial of degree t − 1 whose value at 0 is the ballot key.
    public init(question: BallotQuestion, threshold: Int, members: [VotingMember], ballotPublicKey: G1Affine) throws(VotingError) {
        guard threshold >= 1, threshold <= members.count else {
            throw .invalidConfiguration("threshold \(threshold) of \(members.count) members: need 1 ≤ t ≤ n")
        }
        let sorted = members.sorted { $0.index < $1.index }
        var positions = [MemberIndex: Int]()
        for (k, m) in sorted.enumerated() {
            guard positions.updateValue(k, forKey: m.index) == nil else {
                throw .invalidConfiguration("members: member \(m.index) appears more than once")
            }
            guard !m.ballotPublicShare.isInfinity else {
                throw .invalidConfiguration("members: member \(m.index) has the identity as ballot public share")
            }
        }
        guard !ballotPublicKey.isInfinity else { throw .invalidConfiguration("ballot public key: the identity is not a key") }
        guard Election.sharesAreConsistent(sorted, threshold: threshold, key: ballotPublicKey) else {
            throw .verificationFailed(path: "members", .inconsistentPublicShares)
        }
        self.question = question
        self.threshold = threshold
        self.members = sorted
        self.ballotPublicKey = ballotPublicKey
        self.memberPositions = positions
        self.publicKeyTable = FixedBaseTable(ballotPublicKey)

        var t = ProofTranscript(domain: "vring-vote-context-v1")
        t.append("question-id", Array(question.id.utf8))
        t.append("question-text", Array(question.text.utf8))
        t.append("options", u64: UInt64(question.options.count))
        for o in question.options { t.append("option", Array(o.utf8)) }
        t.append("threshold", u64: UInt64(threshold))
        t.append("members", u64: UInt64(sorted.count))
        for m in sorted {
            t.append("member-index", u64: UInt64(m.index.value))
            t.append("member-identity", m.identityKey.bytes)
            t.append("member-ballot-share", point: m.ballotPublicShare)
        }
        t.append("ballot-public-key", point: ballotPublicKey)
        context = t.digest()
    }

    /// The member with this index, if eligible.
    public func member(_ index: MemberIndex) -> VotingMember? {
        memberPositions[index].map { members[$0] }
    }

    /// Checks Y_j = Σ_{i ≤ t} λ_i(j) Y_i for every j beyond the first t, and Y = Σ λ_i(0) Y_i,
    /// as one random linear combination (one MSM of n + 1 points). Public data: variable time.
    private static func sharesAreConsistent(_ members: [VotingMember], threshold t: Int, key: G1Affine) -> Bool {
        let base = Array(members.prefix(t))
        let xs = base.map(\.index.scalar)
        var coefficients = [Fr](repeating: .zero, count: t)
        var points: [G1Affine] = [key]
        var scalars: [Fr] = [-.one]
        for (i, l) in lagrangeCoefficients(xs, at: .zero).enumerated() { coefficients[i] = l }
        for m in members.dropFirst(t) {
            let rho = batchWeight()
            points.append(m.ballotPublicShare)
            scalars.append(-rho)
            for (i, l) in lagrangeCoefficients(xs, at: m.index.scalar).enumerated() { coefficients[i] = coefficients[i] + rho * l }
        }
        points.append(contentsOf: base.map(\.ballotPublicShare))
        scalars.append(contentsOf: coefficients)
        return multiScalarMultiplyVartime(points: points, scalars: scalars).isInfinity
    }

    /// [m]G for each option m, keyed by compressed encoding, to decode small plaintexts.
    package var optionTable: [[UInt8]: Int] {
        var table = [[UInt8]: Int]()
        var p = G1Projective.infinity
        let g = G1Projective(G1Affine.generator)
        for k in question.options.indices {
            table[p.affine.compressed()] = k
            p = p + g
        }
        return table
    }
}
