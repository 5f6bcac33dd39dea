import ArgumentParser
import BLS12381
import Foundation
import Primitives
import Threshold
import Voting

/// `vring vote …`: secret-ballot voting on pool questions with verifiable shuffles
/// (docs/VOTING.md).
struct VoteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vote",
        abstract: "Secret-ballot voting: threshold ElGamal ballots, verifiable shuffles, threshold decryption.",
        subcommands: [Run.self, Simulate.self, Verify.self])
}

extension VoteCommand {
    struct Simulate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a whole vote in one process and write its transcript.",
            discussion: """
                The ballot key is dealt by Shamir from the seed (standing in for the pool's DKG); every \
                online member casts one ballot, the first t online members mix in turn, the first t \
                members online at decryption decrypt. A member given with --offline INDEX casts no ballot \
                and neither mixes nor decrypts; INDEX@mix or INDEX@decrypt takes it offline from that phase \
                on. --votes lists one option per member (entries of members offline from the start are \
                ignored) or one per online voter. Exit 0 on success, 2 for bad input or fewer than t \
                members online. JSON: {"tally": {option: count}, "ballots", "mixers", "decryptors", \
                "seed", "transcript"}.
                """)

        @Option(help: "Number of members n (1…1000).") var members: Int
        @Option(help: "Members needed to decrypt; also the number of mixers: 1 ≤ t ≤ n.") var threshold: Int
        @Option(help: "The options, comma-separated (2…64 distinct names).") var options: String
        @Option(help: "The votes, comma-separated option names.") var votes: String
        @Option(name: .customLong("offline"), help: "A member that is offline: INDEX (from the start) or INDEX@mix / INDEX@decrypt; repeat.")
        var offline: [String] = []
        @Option(help: "The question's identifier (bound into every proof).") var questionId = "question-1"
        @Option(help: "The question's text.") var question = ""
        @Option(help: "Seed (hex) for every random choice of the run.") var seed: String?
        @Option(help: "Where to write the transcript (JSON).") var transcript: String
        @OptionGroup var output: OutputOptions

        func run() throws {
            let optionNames = options.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            var voteIndices = [Int]()
            for v in votes.split(separator: ",", omittingEmptySubsequences: false).map({ $0.trimmingCharacters(in: .whitespaces) }) {
                guard let k = optionNames.firstIndex(of: v) else {
                    throw BLSInputError(nil, "--votes: \"\(v)\" is not one of the options (\(optionNames.joined(separator: ", ")))")
                }
                voteIndices.append(k)
            }
            var offlinePlan = [MemberIndex: VotingPhase]()
            for o in offline {
                let parts = o.split(separator: "@", omittingEmptySubsequences: false)
                guard parts.count <= 2, let v = Int(parts[0]), v >= 1, v <= members else {
                    throw BLSInputError(nil, "--offline: expected INDEX or INDEX@PHASE with INDEX in 1…\(members), got \"\(o)\"")
                }
                var phase = VotingPhase.vote
                if parts.count == 2 {
                    guard let p = VotingPhase(rawValue: String(parts[1])) else {
                        throw BLSInputError(nil, "--offline: phase must be vote, mix or decrypt, got \"\(parts[1])\"")
                    }
                    phase = p
                }
                offlinePlan[try! MemberIndex(v)] = phase
            }
            let seedBytes: [UInt8]
            if let seed {
                guard let b = Hex.decode(seed), !b.isEmpty else { throw BLSInputError(nil, "--seed: not valid non-empty hex") }
                seedBytes = b
            } else {
                seedBytes = SystemRandom.bytes(16)
            }
            let configuration = VotingSimulation.Configuration(
                members: members, threshold: threshold, questionID: questionId, questionText: question,
                options: optionNames, votes: voteIndices, offline: offlinePlan, seed: seedBytes)
            let result: VotingSimulation.Result
            do { result = try VotingSimulation.run(configuration) } catch { throw BLSInputError(nil, error.description) }
            do {
                try result.transcript.jsonData().write(to: URL(fileURLWithPath: transcript))
            } catch {
                throw BLSInputError(nil, "--transcript: cannot write \(transcript): \(error.localizedDescription)")
            }
            let mixers = result.mixers.map { Int($0.value) }, decryptors = result.decryptors.map { Int($0.value) }
            if output.json {
                print(Output.json(["tally": result.tally.byOption, "ballots": result.transcript.ballots.count, "mixers": mixers,
                                   "decryptors": decryptors, "seed": Hex.encode(seedBytes), "transcript": transcript]))
            } else {
                print("vote \(threshold)-of-\(members), seed \(Hex.encode(seedBytes))")
                print("ballots: \(result.transcript.ballots.count)")
                print("mixers: " + mixers.map(String.init).joined(separator: " "))
                print("decryptors: " + decryptors.map(String.init).joined(separator: " "))
                printTally(result.tally)
                print("transcript: \(transcript)")
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a vote transcript from the transcript alone.",
            discussion: """
                Checks the ballot key against the members' public shares, every ballot (eligibility, one per \
                member, signature, proof of knowledge bound to the voter, proof that it encrypts an option), \
                every mix (at least t distinct mixers, signature, shuffle proof), every decryption share \
                (signature, Chaum–Pedersen proof) and the tally. Exit 0 and the tally when everything holds; \
                1 naming the first failing check (e.g. "mixes[1].proof: challenge does not match"); 2 when the \
                file cannot be read or is not a transcript. JSON: {"valid", "tally", "ballots", "mixers", \
                "decryptors"} or {"valid": false, "error"}.
                """)

        @Option(help: "The transcript (JSON) written by `vote simulate` or a pool.") var transcript: String
        @OptionGroup var output: OutputOptions

        func run() throws {
            guard let data = FileManager.default.contents(atPath: transcript) else {
                throw BLSInputError(nil, "--transcript: cannot read \(transcript)")
            }
            do {
                let record = try VotingTranscript(json: data)
                let tally = try record.verify()
                let mixers = record.mixes.map { Int($0.mixer.value) }, decryptors = record.decryptions.map { Int($0.member.value) }
                if output.json {
                    print(Output.json(["valid": true, "tally": tally.byOption, "ballots": record.ballots.count,
                                       "mixers": mixers, "decryptors": decryptors]))
                } else {
                    print("valid: \(record.ballots.count) ballots, mixers \(mixers.map(String.init).joined(separator: " ")), "
                          + "decryptors \(decryptors.map(String.init).joined(separator: " "))")
                    printTally(tally)
                }
            } catch {
                // (Bound to a new name: matching `let error as VotingError` on a typed throw
                // crashed the Swift 6.3 SIL ownership verifier.)
                let failure: VotingError = error
                guard failure.isVerificationFailure else { throw BLSInputError(nil, "--transcript: \(failure.description)") }
                if output.json { print(Output.json(["valid": false, "error": failure.description])) }
                Output.error(failure.description)
                throw ExitCode(ExitStatus.verificationFailed)
            }
        }
    }
}

private func printTally(_ tally: Tally) {
    let width = tally.options.map(\.count).max() ?? 0
    print("tally:")
    for (o, c) in zip(tally.options, tally.counts) {
        print("  " + o + String(repeating: " ", count: width - o.count) + "  \(c)")
    }
}

// MARK: - Benchmarks (listed in BenchmarkCatalogue.all)

extension Benchmark {
    /// A 2-of-3 election and `size` ballot-like ciphertexts, with the generators (untimed set-up).
    private static func shuffleSetup(_ size: Int) -> (Election, [Ciphertext], ShuffleGenerators, VotingSimulation.Pool) {
        let pool = try! VotingSimulation.makePool(VotingSimulation.Configuration(
            members: 3, threshold: 2, options: ["a", "b"], votes: [0, 1, 0], seed: [UInt8(size & 0xff), 42]))
        let e = pool.election
        let g = G1Projective(G1Affine.generator), y = G1Projective(e.ballotPublicKey)
        let points = (0..<size).flatMap { i -> [G1Projective] in
            let r = Fr.random()
            return [g.multipliedVartime(by: r), y.multipliedVartime(by: r) + (i % 2 == 0 ? G1Affine.infinity : G1Affine.generator)]
        }
        let affine = batchNormalizeVartime(points)
        let inputs = (0..<size).map { Ciphertext(a: affine[2 * $0], b: affine[2 * $0 + 1]) }
        return (e, inputs, e.shuffleGenerators(count: size), pool)
    }

    /// One mixer's whole turn for `size` ciphertexts: GenShuffle + GenProof + signature.
    static func shuffleProve(_ size: Int, slow: Bool = false) -> Benchmark {
        var b = Benchmark(name: "shuffle_prove_\(size)") {
            let (e, inputs, generators, pool) = shuffleSetup(size)
            let mixer = try! MemberIndex(1)
            var rng = try! DeterministicRandom(seed: SecureBytes(random: 32))
            return { n in
                for _ in 0..<n {
                    blackHole(try! e.mix(inputs, round: 0, mixer: mixer, identity: pool.identities[mixer]!.key,
                                         generators: generators, using: &rng))
                }
            }
        }
        b.slow = slow
        return b
    }

    /// Checking one mix from its encoding as `vote verify` does: decoding every output and proof
    /// point from the transcript's 96-byte uncompressed form (canonical, on the curve), the
    /// signature, and CheckProof (which clears the
    /// cofactor). The inputs were decoded with the previous mix; the generators are computed
    /// once per election; the final list's subgroup checks, made once per election, are
    /// `shuffle_outputs_subgroup_<size>`.
    static func shuffleVerify(_ size: Int, slow: Bool = false) -> Benchmark {
        var b = Benchmark(name: "shuffle_verify_\(size)") {
            let (e, inputs, generators, pool) = shuffleSetup(size)
            let mixer = try! MemberIndex(1)
            var rng = try! DeterministicRandom(seed: SecureBytes(random: 32))
            let mix = try! e.mix(inputs, round: 0, mixer: mixer, identity: pool.identities[mixer]!.key, generators: generators, using: &rng)
            let p = mix.proof
            let outputBytes = mix.outputs.map { [$0.a.uncompressed(), $0.b.uncompressed()] }
            let pointBytes = (p.permutationCommitments + p.chainCommitments + [p.t1, p.t2, p.t3, p.t4A, p.t4B] + p.tHat).map { $0.uncompressed() }
            return { n in
                for _ in 0..<n {
                    let outputs = outputBytes.map {
                        Ciphertext(a: try! G1Affine(decoding: $0[0], subgroupCheck: .skip), b: try! G1Affine(decoding: $0[1], subgroupCheck: .skip))
                    }
                    let q = pointBytes.map { try! G1Affine(decoding: $0, subgroupCheck: .skip) }
                    let proof = ShuffleProof(
                        permutationCommitments: Array(q[0..<size]), chainCommitments: Array(q[size..<(2 * size)]),
                        t1: q[2 * size], t2: q[2 * size + 1], t3: q[2 * size + 2], t4A: q[2 * size + 3], t4B: q[2 * size + 4],
                        tHat: Array(q[(2 * size + 5)...]), challenge: p.challenge, s1: p.s1, s2: p.s2, s3: p.s3, s4: p.s4,
                        sHat: p.sHat, sPrime: p.sPrime)
                    try! e.verifyMix(Mix(mixer: mix.mixer, outputs: outputs, proof: proof, signature: mix.signature),
                                     round: 0, inputs: inputs, generators: generators, checkOutputsInSubgroup: false)
                }
            }
        }
        b.slow = slow
        return b
    }

    /// The subgroup checks of a final list of `size` ciphertexts (2·size points), made once per
    /// election after the last mix (`Election.verifyMixes`).
    static func shuffleOutputsSubgroup(_ size: Int) -> Benchmark {
        Benchmark(name: "shuffle_outputs_subgroup_\(size)") {
            let (_, inputs, _, _) = shuffleSetup(size)
            return { n in
                for _ in 0..<n {
                    var all = true
                    for c in inputs { all = all && G1Projective(c.a).isInSubgroup && G1Projective(c.b).isInSubgroup }
                    precondition(all)
                }
            }
        }
    }

    /// One member's partial decryptions of `size` ciphertexts with the Chaum–Pedersen proof.
    static func decryptShare(_ size: Int) -> Benchmark {
        Benchmark(name: "decrypt_share_\(size)") {
            let (e, inputs, _, pool) = shuffleSetup(size)
            let member = try! MemberIndex(1)
            var rng = try! DeterministicRandom(seed: SecureBytes(random: 32))
            return { n in
                for _ in 0..<n {
                    blackHole(try! e.decryptionShare(for: inputs, share: pool.shares[member]!.share,
                                                     identity: pool.identities[member]!.key, using: &rng))
                }
            }
        }
    }

    /// Deriving N + 1 shuffle generators by hash-to-curve (once per election and list size).
    static func shuffleGenerators(_ size: Int) -> Benchmark {
        Benchmark(name: "shuffle_generators_\(size)") {
            { n in for _ in 0..<n { blackHole(ShuffleGenerators(count: size, context: [1, 2, 3])) } }
        }
    }
}
