import BLS12381
import Primitives
import Threshold

/// The phases of a vote, in order. A member offline from a phase is absent from it and from
/// every later one.
public enum VotingPhase: String, CaseIterable, Sendable, Comparable, CustomStringConvertible {
    case vote, mix, decrypt

    public var description: String { rawValue }
    public static func < (a: VotingPhase, b: VotingPhase) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// Runs every member of a vote in one process: the ballot key dealt by Shamir from a seeded
/// generator (standing in for the pool's DKG), identity keys from seeds, one ballot per online
/// member, t mixers, t decryptors. Deterministic for a given seed.
public enum VotingSimulation {
    public struct Configuration: Sendable {
        public var members: Int
        public var threshold: Int
        public var questionID: String
        public var questionText: String
        public var options: [String]
        /// Option index per voter: either one per member (entries of members offline from the
        /// start are ignored) or one per member online at the vote, in index order.
        public var votes: [Int]
        /// Members offline from a phase on.
        public var offline: [MemberIndex: VotingPhase]
        public var seed: [UInt8]

        public init(members: Int, threshold: Int, questionID: String = "question-1", questionText: String = "",
                    options: [String], votes: [Int], offline: [MemberIndex: VotingPhase] = [:], seed: [UInt8]) {
            self.members = members
            self.threshold = threshold
            self.questionID = questionID
            self.questionText = questionText
            self.options = options
            self.votes = votes
            self.offline = offline
            self.seed = seed
        }
    }

    public struct Result: Sendable {
        public let transcript: VotingTranscript
        public let tally: Tally
        public let mixers: [MemberIndex]
        public let decryptors: [MemberIndex]
    }

    /// The actors of a simulated pool, kept so tests can forge messages with real keys.
    package final class Pool {
        package let election: Election
        package let identities: [MemberIndex: IdentityBox]
        package let shares: [MemberIndex: ShareBox]
        package let rng: DeterministicRandom

        init(election: Election, identities: [MemberIndex: IdentityBox], shares: [MemberIndex: ShareBox], rng: DeterministicRandom) {
            self.election = election
            self.identities = identities
            self.shares = shares
            self.rng = rng
        }
    }

    /// Non-copyable keys in a dictionary need a box.
    package final class IdentityBox {
        package let key: SigningKey
        init(_ key: consuming SigningKey) { self.key = key }
    }
    package final class ShareBox {
        package let share: SecretShare
        init(_ share: consuming SecretShare) { self.share = share }
    }

    /// Deals the ballot key and identity keys for `configuration` (no ballots yet).
    package static func makePool(_ c: Configuration) throws(VotingError) -> Pool {
        guard c.members >= 1, c.members <= 1000 else { throw .invalidConfiguration("members: must be between 1 and 1000, got \(c.members)") }
        guard c.threshold >= 1, c.threshold <= c.members else {
            throw .invalidConfiguration("threshold: must be between 1 and the number of members (\(c.members)), got \(c.threshold)")
        }
        let question = try BallotQuestion(id: c.questionID, text: c.questionText, options: c.options)
        var rng = try! DeterministicRandom(seed: SecureBytes(copying: SHA256.hash(Array("vring-vote-simulation".utf8) + c.seed)))
        let parameters = try! ThresholdParameters(threshold: c.threshold, members: c.members)
        let secret = try! SecretKey(scalar: nonZeroScalar(&rng))
        var shares = [MemberIndex: ShareBox]()
        let commitment = Shamir.split(secret: secret, parameters: parameters, randomScalar: { Fr.random(using: &rng) }) { share in
            let index = share.index
            shares[index] = ShareBox(share)
        }
        var identities = [MemberIndex: IdentityBox]()
        var members = [VotingMember]()
        for i in 1...c.members {
            let index = try! MemberIndex(i)
            var w = ByteWriter()
            w.variable(Array("vring-vote-simulation-identity".utf8))
            w.variable(c.seed)
            w.u32(UInt32(i))
            let key = try! SigningKey(seed: SecureBytes(copying: SHA256.hash(w.bytes)))
            members.append(VotingMember(index: index, identityKey: key.publicKey, ballotPublicShare: shares[index]!.share.publicShare.point))
            identities[index] = IdentityBox(key)
        }
        let election = try Election(question: question, threshold: c.threshold, members: members, ballotPublicKey: commitment.groupKey)
        return Pool(election: election, identities: identities, shares: shares, rng: rng)
    }

    /// Runs the whole vote and returns the transcript (already checked by the members as they
    /// went: each mixer checks the previous mix, the decryptors check every mix).
    /// - Throws: `VotingError.invalidConfiguration` for bad parameters or votes;
    ///   `.notEnoughOnline` when fewer than t members are online to mix or decrypt.
    public static func run(_ c: Configuration) throws(VotingError) -> Result {
        let pool = try makePool(c)
        let election = pool.election
        var rng = pool.rng
        func online(_ phase: VotingPhase) -> [MemberIndex] {
            election.members.map(\.index).filter { i in c.offline[i].map { $0 > phase } ?? true }
        }
        let voters = online(.vote)
        let votes: [(MemberIndex, Int)]
        if c.votes.count == c.members {
            votes = c.votes.enumerated().map { (try! MemberIndex($0.offset + 1), $0.element) }.filter { voters.contains($0.0) }
        } else if c.votes.count == voters.count {
            votes = Array(zip(voters, c.votes))
        } else {
            throw .invalidConfiguration("votes: give one per member (\(c.members)) or one per online voter (\(voters.count)), got \(c.votes.count)")
        }
        guard !votes.isEmpty else { throw .invalidConfiguration("votes: nobody votes") }
        var ballots = [Ballot]()
        for (voter, option) in votes {
            guard option >= 0, option < c.options.count else {
                throw .invalidConfiguration("votes: option \(option) for member \(voter) is not in 0..<\(c.options.count)")
            }
            ballots.append(try election.castBallot(option: option, voter: voter, identity: pool.identities[voter]!.key, using: &rng))
        }
        try election.verifyBallots(ballots)

        let mixers = Array(online(.mix).prefix(c.threshold))
        guard mixers.count == c.threshold else { throw .notEnoughOnline(phase: "mix", needed: c.threshold, online: mixers.count) }
        let generators = election.shuffleGenerators(count: ballots.count)
        var mixes = [Mix]()
        var list = election.mixInputs(ballots: ballots)
        for (round, mixer) in mixers.enumerated() {
            let mix = try election.mix(list, round: round, mixer: mixer, identity: pool.identities[mixer]!.key,
                                       generators: generators, using: &rng)
            mixes.append(mix)
            list = mix.outputs
        }
        _ = try election.verifyMixes(mixes, ballots: ballots, generators: generators)

        let decryptors = Array(online(.decrypt).prefix(c.threshold))
        guard decryptors.count == c.threshold else {
            throw .notEnoughOnline(phase: "decrypt", needed: c.threshold, online: decryptors.count)
        }
        var shares = [DecryptionShare]()
        for d in decryptors {
            shares.append(try election.decryptionShare(for: list, share: pool.shares[d]!.share, identity: pool.identities[d]!.key, using: &rng))
        }
        let tally = election.tally(try election.decrypt(list, shares: shares))
        let transcript = VotingTranscript(election: election, ballots: ballots, mixes: mixes, decryptions: shares, tally: tally)
        return Result(transcript: transcript, tally: tally, mixers: mixers, decryptors: decryptors)
    }

    private static func nonZeroScalar(_ rng: inout DeterministicRandom) -> Fr {
        while true {
            let s = randomScalar(using: &rng)
            if !s.isZero { return s }
        }
    }
}
