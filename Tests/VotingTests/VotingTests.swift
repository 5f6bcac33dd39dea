import BLS12381
import Foundation
import Primitives
import Testing
import Threshold
import Voting

/// One honest 3-of-5 vote shared by the tests, and the same pool's keys (same seed) so tests can
/// play dishonest members who sign what they forge.
enum Fixture {
    static let configuration = VotingSimulation.Configuration(
        members: 5, threshold: 3, questionID: "q-test", questionText: "Raise the pool fee?",
        options: ["yes", "no", "abstain"], votes: [0, 1, 0, 2, 0], seed: [1, 2, 3])
    static let result = try! VotingSimulation.run(configuration)
    nonisolated(unsafe) static let pool = try! VotingSimulation.makePool(configuration)
    static var transcript: VotingTranscript { result.transcript }
    static var election: Election { result.transcript.election }

    static func key(_ i: Int) -> MemberIndex { try! MemberIndex(i) }

    /// A mix with the given outputs and proof, signed by the mix's own mixer.
    static func resigned(_ mix: Mix, round: Int, outputs: [Ciphertext]? = nil, proof: ShuffleProof? = nil) -> Mix {
        let outputs = outputs ?? mix.outputs, proof = proof ?? mix.proof
        let bytes = Mix.signedBytes(context: election.context, round: round, mixer: mix.mixer, outputs: outputs, proof: proof)
        return Mix(mixer: mix.mixer, outputs: outputs, proof: proof, signature: pool.identities[mix.mixer]!.key.sign(bytes))
    }

    static func resigned(_ share: DecryptionShare, partials: [G1Affine]) -> DecryptionShare {
        let bytes = DecryptionShare.signedBytes(context: election.context, member: share.member, partials: partials, proof: share.proof)
        return DecryptionShare(member: share.member, partials: partials, proof: share.proof,
                               signature: pool.identities[share.member]!.key.sign(bytes))
    }

    static func resigned(_ ballot: Ballot, as voter: MemberIndex) -> Ballot {
        let bytes = Ballot.signedBytes(context: election.context, voter: voter, ciphertext: ballot.ciphertext,
                                       knowledgeProof: ballot.knowledgeProof, rangeProof: ballot.rangeProof)
        return Ballot(voter: voter, ciphertext: ballot.ciphertext, knowledgeProof: ballot.knowledgeProof,
                      rangeProof: ballot.rangeProof, signature: pool.identities[voter]!.key.sign(bytes))
    }
}

extension VotingTranscript {
    func with(ballots: [Ballot]? = nil, mixes: [Mix]? = nil, decryptions: [DecryptionShare]? = nil, tally: Tally? = nil) -> VotingTranscript {
        VotingTranscript(election: election, ballots: ballots ?? self.ballots, mixes: mixes ?? self.mixes,
                         decryptions: decryptions ?? self.decryptions, tally: tally ?? self.tally)
    }
}

/// Expects `verify()` to fail at `path` (with `problem`, when given).
func expectRejected(_ transcript: VotingTranscript, at path: String, _ problem: VerificationProblem? = nil,
                    sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        let tally = try transcript.verify()
        Issue.record("accepted a tampered transcript (tally \(tally))", sourceLocation: sourceLocation)
    } catch {
        guard case let .verificationFailed(p, reason) = error else {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
            return
        }
        #expect(p == path, "failure reported at \(p): \(reason)", sourceLocation: sourceLocation)
        if let problem { #expect(reason == problem, sourceLocation: sourceLocation) }
    }
}

/// A ciphertext that is not in the list: the first one with [1]G added to b.
func altered(_ c: Ciphertext) -> Ciphertext {
    Ciphertext(a: c.a, b: (G1Projective(c.b) + G1Affine.generator).affineVartime)
}

@Suite struct HonestRunTests {
    @Test func honestVoteVerifiesAndTallies() throws {
        let r = Fixture.result
        #expect(r.tally.byOption == ["yes": 3, "no": 1, "abstain": 1])
        #expect(r.mixers.map(\.value) == [1, 2, 3])
        #expect(r.decryptors.map(\.value) == [1, 2, 3])
        #expect(try r.transcript.verify() == r.tally)
        // Each mix changed every ciphertext.
        let before = Set(r.transcript.ballots.map(\.ciphertext))
        #expect(before.isDisjoint(with: Set(r.transcript.mixes[0].outputs)))
    }

    @Test func transcriptJSONRoundTripsAndVerifies() throws {
        let data = Fixture.transcript.jsonData()
        let parsed = try VotingTranscript(json: data)
        #expect(try parsed.verify() == Fixture.result.tally)
        #expect(parsed.jsonData() == data)
        let object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        for key in ["ballots", "mixes", "decryptions", "tally", "members", "ballot_public_key", "question", "threshold"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        let mix = (object["mixes"] as! [[String: Any]])[0]
        #expect(mix["outputs"] != nil && mix["proof"] != nil)
    }

    @Test func sameSeedSameTranscript() throws {
        let again = try VotingSimulation.run(Fixture.configuration)
        #expect(again.transcript.jsonData() == Fixture.transcript.jsonData())
    }
}

@Suite struct BallotTamperingTests {
    @Test func replacedBallotIsRejected() {
        let t = Fixture.transcript
        var ballots = t.ballots
        // Voter 3's ballot swapped for a fresh one that someone else (member 4) signed.
        var rng = SplitMix64(seed: 7)
        let fresh = try! Fixture.election.castBallot(option: 1, voter: Fixture.key(4), identity: Fixture.pool.identities[Fixture.key(4)]!.key, using: &rng)
        ballots[2] = Ballot(voter: Fixture.key(3), ciphertext: fresh.ciphertext, knowledgeProof: fresh.knowledgeProof,
                            rangeProof: fresh.rangeProof, signature: fresh.signature)
        expectRejected(t.with(ballots: ballots), at: "ballots[2]", .signatureInvalid)
        // Same ciphertext changed without a new signature.
        ballots = t.ballots
        let b = ballots[3]
        ballots[3] = Ballot(voter: b.voter, ciphertext: altered(b.ciphertext), knowledgeProof: b.knowledgeProof,
                            rangeProof: b.rangeProof, signature: b.signature)
        expectRejected(t.with(ballots: ballots), at: "ballots[3]", .signatureInvalid)
    }

    @Test func copiedBallotFailsTheProofOfKnowledgeBinding() {
        let t = Fixture.transcript
        // Voter 5 copies voter 1's ballot and signs it with its own key.
        let copy = Fixture.resigned(t.ballots[0], as: Fixture.key(5))
        #expect(throws: VotingError.verificationFailed(path: "ballot", .proofOfKnowledgeInvalid)) {
            try Fixture.election.verifyBallot(copy)
        }
        // In the transcript: voter 1's ballot censored, voter 5's replaced by the copy.
        var ballots = Array(t.ballots.dropFirst())
        ballots[3] = copy
        expectRejected(t.with(ballots: ballots), at: "ballots[3]", .proofOfKnowledgeInvalid)
        // With voter 1's ballot still present, the repeated ciphertext is caught as well.
        ballots = t.ballots
        ballots[4] = copy
        expectRejected(t.with(ballots: ballots), at: "ballots[4]", .duplicateCiphertext(earlier: 0))
    }

    @Test func ballotForANonOptionIsRejected() {
        var rng = SplitMix64(seed: 8)
        let voter = Fixture.key(2)
        let bad = Fixture.election.makeBallot(plaintext: 3, voter: voter, identity: Fixture.pool.identities[voter]!.key, using: &rng)
        #expect(throws: VotingError.verificationFailed(path: "ballot", .rangeProofInvalid)) { try Fixture.election.verifyBallot(bad) }
        var ballots = Fixture.transcript.ballots
        ballots[1] = bad
        expectRejected(Fixture.transcript.with(ballots: ballots), at: "ballots[1]", .rangeProofInvalid)
        // The public API refuses to make one.
        #expect(throws: VotingError.self) {
            try Fixture.election.castBallot(option: 3, voter: voter, identity: Fixture.pool.identities[voter]!.key, using: &rng)
        }
    }

    @Test func secondBallotFromOneMemberIsRejected() {
        var ballots = Fixture.transcript.ballots
        var rng = SplitMix64(seed: 9)
        let voter = Fixture.key(1)
        ballots.append(try! Fixture.election.castBallot(option: 1, voter: voter, identity: Fixture.pool.identities[voter]!.key, using: &rng))
        expectRejected(Fixture.transcript.with(ballots: ballots), at: "ballots[5]", .duplicateMember(voter))
    }
}

@Suite struct MixTamperingTests {
    /// Replaces mix 1's outputs (re-signed by its mixer, so the shuffle proof is what must catch it).
    func tamperedOutputs(_ change: (inout [Ciphertext]) -> Void) -> VotingTranscript {
        let t = Fixture.transcript
        var outputs = t.mixes[1].outputs
        change(&outputs)
        var mixes = t.mixes
        mixes[1] = Fixture.resigned(mixes[1], round: 1, outputs: outputs)
        return t.with(mixes: mixes)
    }

    @Test func changedOutputIsRejected() {
        expectRejected(tamperedOutputs { $0[2] = altered($0[2]) }, at: "mixes[1].proof", .challengeMismatch)
    }

    @Test func droppedOutputIsRejected() {
        expectRejected(tamperedOutputs { $0.removeLast() }, at: "mixes[1].outputs", .wrongCount(expected: 5, actual: 4))
    }

    @Test func addedOutputIsRejected() {
        expectRejected(tamperedOutputs { $0.append(altered($0[0])) }, at: "mixes[1].outputs", .wrongCount(expected: 5, actual: 6))
    }

    @Test func duplicatedOutputIsRejected() {
        expectRejected(tamperedOutputs { $0[1] = $0[0] }, at: "mixes[1].proof", .challengeMismatch)
    }

    @Test func unsignedChangeIsRejected() {
        let t = Fixture.transcript
        var mixes = t.mixes
        var outputs = mixes[0].outputs
        outputs.swapAt(0, 1)
        mixes[0] = Mix(mixer: mixes[0].mixer, outputs: outputs, proof: mixes[0].proof, signature: mixes[0].signature)
        expectRejected(t.with(mixes: mixes), at: "mixes[0]", .signatureInvalid)
    }

    @Test func alteredResponseFailsTheEquations() {
        // Consistent challenge (responses are not hashed), wrong response: the batched MSM catches it.
        let t = Fixture.transcript
        let p = t.mixes[2].proof
        var sPrime = p.sPrime
        sPrime[0] = sPrime[0] + .one
        let forged = ShuffleProof(
            permutationCommitments: p.permutationCommitments, chainCommitments: p.chainCommitments, t1: p.t1, t2: p.t2, t3: p.t3,
            t4A: p.t4A, t4B: p.t4B, tHat: p.tHat, challenge: p.challenge, s1: p.s1, s2: p.s2, s3: p.s3, s4: p.s4,
            sHat: p.sHat, sPrime: sPrime)
        var mixes = t.mixes
        mixes[2] = Fixture.resigned(mixes[2], round: 2, proof: forged)
        expectRejected(t.with(mixes: mixes), at: "mixes[2].proof", .equationsDoNotHold)
    }

    @Test func substitutedGeneratorsAreRejected() throws {
        let t = Fixture.transcript
        let e = Fixture.election
        let mixer = t.mixes[1].mixer
        var rng = SplitMix64(seed: 10)
        // Generators with a known discrete log (a trapdoor): H_i = [k_i]G.
        let g = G1Projective(G1Affine.generator)
        let trapdoor = ShuffleGenerators(points: (0...5).map { g.multipliedVartime(by: UInt64(1000 + $0)).affineVartime })
        // And honest-looking ones from another label.
        let otherLabel = ShuffleGenerators(count: 5, context: SHA256.hash(Array("another question".utf8)))
        for generators in [trapdoor, otherLabel] {
            let mix = try e.mix(t.mixes[0].outputs, round: 1, mixer: mixer, identity: Fixture.pool.identities[mixer]!.key,
                                generators: generators, using: &rng)
            var mixes = t.mixes
            mixes[1] = mix
            expectRejected(t.with(mixes: mixes), at: "mixes[1].proof", .challengeMismatch)
        }
    }

    @Test func proofWhoseChallengeOmitsTheOutputsIsRejected() throws {
        let t = Fixture.transcript
        let e = Fixture.election
        var rng = SplitMix64(seed: 11)
        let inputs = e.mixInputs(ballots: t.ballots)
        let generators = e.shuffleGenerators(count: inputs.count)
        // A dishonest first mixer replaces four ballots by votes for "no" and solves for the fifth.
        let mixer = Fixture.pool.identities[Fixture.key(1)]!
        let replacements = (0..<4).map { _ in e.makeBallot(plaintext: 1, voter: Fixture.key(1), identity: mixer.key, using: &rng).ciphertext }
        let (outputs, proof) = ShuffleForgery.forgeOmittingOutputs(
            inputs: inputs, replacements: replacements, publicKey: e.ballotPublicKey, generators: generators,
            context: e.context, using: &rng)
        // The attack is real: a verifier with the weak challenge accepts it…
        try Shuffle.verify(inputs: inputs, outputs: outputs, proof: proof, publicKey: e.ballotPublicKey,
                           generators: generators, context: e.context, scope: .omittingOutputs)
        // …ours does not.
        #expect(throws: VerificationProblem.challengeMismatch) {
            try Shuffle.verify(inputs: inputs, outputs: outputs, proof: proof, publicKey: e.ballotPublicKey,
                               generators: generators, context: e.context)
        }
        var mixes = t.mixes
        mixes[0] = Fixture.resigned(mixes[0], round: 0, outputs: outputs, proof: proof)
        expectRejected(t.with(mixes: mixes), at: "mixes[0].proof", .challengeMismatch)
        // An honest prover with the weak challenge is also refused.
        let weak = try e.mix(inputs, round: 0, mixer: Fixture.key(1), identity: mixer.key, generators: generators,
                             scope: .omittingOutputs, using: &rng)
        mixes[0] = weak
        expectRejected(t.with(mixes: mixes), at: "mixes[0].proof", .challengeMismatch)
    }

    @Test func tooFewOrRepeatedMixersAreRejected() {
        let t = Fixture.transcript
        expectRejected(t.with(mixes: Array(t.mixes.prefix(2))), at: "mixes", .tooFew(needed: 3, actual: 2))
        var mixes = t.mixes
        mixes.append(mixes[2])
        expectRejected(t.with(mixes: mixes), at: "mixes[3]", .duplicateMember(mixes[2].mixer))
    }
}

@Suite struct DecryptionTests {
    @Test func wrongPartialDecryptionIsRejected() {
        let t = Fixture.transcript
        var shares = t.decryptions
        var partials = shares[1].partials
        partials[0] = (G1Projective(partials[0]) + G1Affine.generator).affineVartime
        shares[1] = Fixture.resigned(shares[1], partials: partials)
        expectRejected(t.with(decryptions: shares), at: "decryptions[1].proof", .challengeMismatch)
        // Swapping two partials (each a correct decryption, of the wrong ciphertext) is caught too.
        partials = t.decryptions[2].partials
        partials.swapAt(0, 1)
        shares = t.decryptions
        shares[2] = Fixture.resigned(shares[2], partials: partials)
        expectRejected(t.with(decryptions: shares), at: "decryptions[2].proof", .challengeMismatch)
    }

    @Test func tooFewDecryptionsAreRejected() {
        let t = Fixture.transcript
        expectRejected(t.with(decryptions: Array(t.decryptions.prefix(2))), at: "decryptions", .tooFew(needed: 3, actual: 2))
    }

    @Test func anyTValidSharesDecrypt() throws {
        // Members 4 and 5 decrypt too: every 3-subset of the five shares gives the same tally.
        let t = Fixture.transcript
        let e = Fixture.election
        let final = t.mixes.last!.outputs
        var rng = SplitMix64(seed: 12)
        var shares = t.decryptions
        for i in [4, 5] {
            let k = Fixture.key(i)
            shares.append(try e.decryptionShare(for: final, share: Fixture.pool.shares[k]!.share,
                                                identity: Fixture.pool.identities[k]!.key, using: &rng))
        }
        for a in 0..<5 { for b in (a + 1)..<5 { for c in (b + 1)..<5 {
            let subset = [shares[a], shares[b], shares[c]]
            #expect(e.tally(try e.decrypt(final, shares: subset)) == Fixture.result.tally)
        } } }
    }

    @Test func tamperedTallyIsRejected() {
        let t = Fixture.transcript
        expectRejected(t.with(tally: Tally(options: t.tally.options, counts: [2, 2, 1])), at: "tally", .tallyMismatch)
    }
}

@Suite struct OfflineMemberTests {
    func run(offline: [Int: VotingPhase], votes: [Int] = [0, 1, 0, 2, 0]) throws -> VotingSimulation.Result {
        var c = Fixture.configuration
        c.offline = Dictionary(uniqueKeysWithValues: offline.map { (Fixture.key($0.key), $0.value) })
        c.votes = votes
        return try VotingSimulation.run(c)
    }

    @Test func memberOfflineDuringDecryption() throws {
        let r = try run(offline: [1: .decrypt])
        #expect(r.mixers.map(\.value) == [1, 2, 3])
        #expect(r.decryptors.map(\.value) == [2, 3, 4])
        #expect(try r.transcript.verify() == Fixture.result.tally)
    }

    @Test func mixerOffline() throws {
        let r = try run(offline: [2: .mix])
        #expect(r.mixers.map(\.value) == [1, 3, 4])
        #expect(r.decryptors.map(\.value) == [1, 3, 4])
        #expect(r.transcript.ballots.count == 5)
        #expect(try r.transcript.verify() == Fixture.result.tally)
    }

    @Test func offlineVoterCastsNoBallot() throws {
        let r = try run(offline: [5: .vote])
        #expect(r.transcript.ballots.map(\.voter.value) == [1, 2, 3, 4])
        #expect(try r.transcript.verify().byOption == ["yes": 2, "no": 1, "abstain": 1])
    }

    @Test func fewerThanTOnlineFailsClearly() {
        #expect(throws: VotingError.notEnoughOnline(phase: "decrypt", needed: 3, online: 2)) {
            try run(offline: [1: .decrypt, 2: .decrypt, 3: .decrypt])
        }
        #expect(throws: VotingError.notEnoughOnline(phase: "mix", needed: 3, online: 2)) {
            try run(offline: [1: .vote, 2: .mix, 3: .vote], votes: [0, 1, 2])
        }
    }
}

@Suite struct DecodingTests {
    /// The transcript's JSON with one field replaced.
    func edited(_ edit: (inout [String: Any]) -> Void) throws -> Data {
        var object = try JSONSerialization.jsonObject(with: Fixture.transcript.jsonData()) as! [String: Any]
        edit(&object)
        return try JSONSerialization.data(withJSONObject: object)
    }

    func setOutputA(_ value: String) -> (inout [String: Any]) -> Void {
        { object in
            var mixes = object["mixes"] as! [[String: Any]]
            var outputs = mixes[0]["outputs"] as! [[String: Any]]
            outputs[0]["a"] = value
            mixes[0]["outputs"] = outputs
            object["mixes"] = mixes
        }
    }

    @Test func pointOutsideTheSubgroupIsRejected() throws {
        // (0, 2) is on the curve and has order 3. In a ballot it is refused while decoding…
        let point = "80" + String(repeating: "00", count: 47)
        #expect(throws: VotingError.invalidEncoding(path: "ballots[0].ciphertext.a", .point(.notInSubgroup(group: "G1")))) {
            try VotingTranscript(json: try edited { object in
                var ballots = object["ballots"] as! [[String: Any]]
                var c = ballots[0]["ciphertext"] as! [String: Any]
                c["a"] = point
                ballots[0]["ciphertext"] = c
                object["ballots"] = ballots
            })
        }
        // …in a mix's outputs (uncompressed there) it decodes (on the curve), and the transcript
        // does not verify.
        let uncompressed = Hex.encode(try G1Affine(decoding: Hex.decode(point)!, subgroupCheck: .skip).uncompressed())
        let transcript = try VotingTranscript(json: try edited(setOutputA(uncompressed)))
        #expect(throws: VotingError.self) { try transcript.verify() }
    }

    /// A mixer that adds a small-order point to an output and proves the shuffle over the
    /// changed list: its proof passes (the verifier clears the cofactor), so the final-list
    /// subgroup check must catch it, and name that mix, not the honest mixes after it that
    /// carried the point along.
    @Test func smallOrderPartAddedByAMixerIsCaughtAndBlamedOnIt() throws {
        let t = Fixture.transcript
        let e = Fixture.election
        var rng = SplitMix64(seed: 21)
        let torsion = G1Projective(try G1Affine(decoding: [0x80] + [UInt8](repeating: 0, count: 47), subgroupCheck: .skip))
        let generators = e.shuffleGenerators(count: t.ballots.count)
        for dishonestRound in 0..<t.mixes.count {
            var mixes = Array(t.mixes.prefix(dishonestRound))
            var inputs = mixes.last?.outputs ?? e.mixInputs(ballots: t.ballots)
            for round in dishonestRound..<t.mixes.count {
                let mixer = t.mixes[round].mixer
                if round == dishonestRound {
                    let (honest, witness) = Shuffle.shuffle(inputs, publicKeyTable: FixedBaseTable(e.ballotPublicKey), using: &rng)
                    var outputs = honest
                    outputs[2] = Ciphertext(a: (G1Projective(outputs[2].a) + torsion).affineVartime, b: outputs[2].b)
                    let proof = Shuffle.prove(
                        inputs: inputs, outputs: outputs, witness: witness, publicKey: e.ballotPublicKey,
                        publicKeyTable: FixedBaseTable(e.ballotPublicKey), generators: generators, context: e.context, using: &rng)
                    // The proof alone passes.
                    try Shuffle.verify(inputs: inputs, outputs: outputs, proof: proof, publicKey: e.ballotPublicKey,
                                       generators: generators, context: e.context)
                    let mix = Fixture.resigned(t.mixes[round], round: round, outputs: outputs, proof: proof)
                    // A member checking this one mix as it arrives refuses it.
                    #expect(throws: VotingError.verificationFailed(path: "mix.outputs[2].a", .notInSubgroup)) {
                        try e.verifyMix(mix, round: round, inputs: inputs, generators: generators)
                    }
                    mixes.append(mix)
                } else {
                    // Honest later mixers re-encrypt the point, small-order part included.
                    mixes.append(try e.mix(inputs, round: round, mixer: mixer, identity: Fixture.pool.identities[mixer]!.key,
                                           generators: generators, using: &rng))
                }
                inputs = mixes.last!.outputs
            }
            #expect(throws: VotingError.verificationFailed(path: "mixes[\(dishonestRound)].outputs[2].a", .notInSubgroup)) {
                try e.verifyMixes(mixes, ballots: t.ballots, generators: generators)
            }
            expectRejected(t.with(mixes: mixes), at: "mixes[\(dishonestRound)].outputs[2].a", .notInSubgroup)
            // The transcript round-trips through JSON (outputs decode on the curve) and still fails there.
            let reparsed = try VotingTranscript(json: t.with(mixes: mixes).jsonData())
            expectRejected(reparsed, at: "mixes[\(dishonestRound)].outputs[2].a", .notInSubgroup)
        }
    }

    /// A shuffle proof's own commitments are decoded on the curve only (the verifier clears the
    /// cofactor of its combined equation): a 3-torsion point added to t1 decodes, and the proof
    /// then fails on its challenge instead of passing.
    @Test func torsionInAProofCommitmentDoesNotPass() throws {
        let t1 = Fixture.transcript.mixes[0].proof.t1
        let torsion = G1Projective(try G1Affine(decoding: [0x80] + [UInt8](repeating: 0, count: 47), subgroupCheck: .skip))
        let shifted = (G1Projective(t1) + torsion).affine
        #expect(!G1Projective(shifted).isInSubgroup)
        let data = try edited { object in
            var mixes = object["mixes"] as! [[String: Any]]
            var proof = mixes[0]["proof"] as! [String: Any]
            proof["t1"] = Hex.encode(shifted.uncompressed())
            mixes[0]["proof"] = proof
            object["mixes"] = mixes
        }
        let transcript = try VotingTranscript(json: data)
        #expect(transcript.mixes[0].proof.t1 == shifted)
        #expect(throws: VotingError.self) { try transcript.verify() }
        // And the untouched transcript still verifies with the cofactor-cleared check.
        #expect(try Fixture.transcript.verify() == Fixture.result.tally)
    }

    @Test func badHexAndLengthAreRejected() throws {
        #expect(throws: VotingError.invalidEncoding(path: "mixes[0].outputs[0].a", .notHex)) {
            try VotingTranscript(json: try edited(setOutputA("zz")))
        }
        #expect(throws: VotingError.invalidEncoding(path: "mixes[0].outputs[0].a", .wrongLength(expected: 96, actual: 2))) {
            try VotingTranscript(json: try edited(setOutputA("abcd")))
        }
        // Version 2 writes mix points uncompressed and reads them only so.
        let compressed = Hex.encode(Fixture.transcript.mixes[0].outputs[0].a.compressed())
        #expect(throws: VotingError.invalidEncoding(path: "mixes[0].outputs[0].a", .wrongLength(expected: 96, actual: 48))) {
            try VotingTranscript(json: try edited(setOutputA(compressed)))
        }
        // An uncompressed point off the curve: y + 1.
        let a = Fixture.transcript.mixes[0].outputs[0].a
        let offCurve = Hex.encode(G1Affine(x: a.x, y: a.y + .one).uncompressed())
        #expect(throws: VotingError.invalidEncoding(path: "mixes[0].outputs[0].a", .point(.notOnCurve(group: "G1")))) {
            try VotingTranscript(json: try edited(setOutputA(offCurve)))
        }
    }

    /// Version 1 transcripts (every point compressed) still read and verify.
    @Test func versionOneTranscriptStillVerifies() throws {
        func compress(_ text: Any) -> String {
            let bytes = Hex.decode(text as! String)!
            #expect(bytes.count == 96)
            return Hex.encode(try! G1Affine(decoding: bytes, subgroupCheck: .skip).compressed())
        }
        let data = try edited { object in
            #expect(object["version"] as? Int == 2)
            object["version"] = 1
            var mixes = object["mixes"] as! [[String: Any]]
            for k in mixes.indices {
                mixes[k]["outputs"] = (mixes[k]["outputs"] as! [[String: Any]]).map { ["a": compress($0["a"]!), "b": compress($0["b"]!)] }
                var proof = mixes[k]["proof"] as! [String: Any]
                for key in ["permutation_commitments", "chain_commitments", "t_hat"] {
                    proof[key] = (proof[key] as! [Any]).map(compress)
                }
                for key in ["t1", "t2", "t3", "t4_a", "t4_b"] { proof[key] = compress(proof[key]!) }
                mixes[k]["proof"] = proof
            }
            object["mixes"] = mixes
        }
        let transcript = try VotingTranscript(json: data)
        #expect(try transcript.verify() == Fixture.result.tally)
        // Written again, it is version 2 and byte-for-byte today's form.
        #expect(transcript.jsonData() == Fixture.transcript.jsonData())
        // A version-1 transcript with an uncompressed mix point is refused.
        var object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        setOutputA(Hex.encode(Fixture.transcript.mixes[0].outputs[0].a.uncompressed()))(&object)
        #expect(throws: VotingError.invalidEncoding(path: "mixes[0].outputs[0].a", .wrongLength(expected: 48, actual: 96))) {
            try VotingTranscript(json: try JSONSerialization.data(withJSONObject: object))
        }
        #expect(throws: VotingError.self) {
            object["version"] = 3
            try VotingTranscript(json: try JSONSerialization.data(withJSONObject: object))
        }
    }

    @Test func nonCanonicalScalarIsRejected() throws {
        let data = try edited { object in
            var ballots = object["ballots"] as! [[String: Any]]
            var proof = ballots[1]["knowledge_proof"] as! [String: Any]
            proof["response"] = String(repeating: "ff", count: 32)
            ballots[1]["knowledge_proof"] = proof
            object["ballots"] = ballots
        }
        #expect(throws: VotingError.invalidEncoding(path: "ballots[1].knowledge_proof.response", .scalarNotCanonical)) {
            try VotingTranscript(json: data)
        }
    }

    @Test func inconsistentPublicSharesAreRejected() throws {
        let data = try edited { object in
            var members = object["members"] as! [[String: Any]]
            members[4]["ballot_public_share"] = members[3]["ballot_public_share"]
            object["members"] = members
        }
        #expect(throws: VotingError.verificationFailed(path: "members", .inconsistentPublicShares)) {
            try VotingTranscript(json: data)
        }
    }

    @Test func malformedJSONIsNotAVerificationFailure() {
        do {
            _ = try VotingTranscript(json: Data("{\"version\": 1}".utf8))
            Issue.record("accepted")
        } catch {
            #expect(!error.isVerificationFailure)
        }
    }
}

@Suite struct ShuffleUnitTests {
    @Test func obliviousPermutationHelpers() {
        var rng = SplitMix64(seed: 13)
        for n in [1, 2, 7, 50] {
            let p = Oblivious.randomPermutation(count: n, using: &rng)
            #expect(p.sorted() == Array(0..<n))
            let inv = Oblivious.inverse(p)
            #expect((0..<n).allSatisfy { inv[p[$0]] == $0 })
        }
    }

    @Test func constantTimeMultiplicationsAgreeWithTheEngine() {
        var rng = SplitMix64(seed: 14)
        let g = G1Projective(G1Affine.generator)
        let points = (0..<3).map { _ in g.multipliedVartime(by: Fr.random(using: &rng)) }
        // Edges of the signed radix-32 recoding: digits 15, 16 (→ −16 and a carry), 31, carries
        // running through every window (32^k − 1), the top window, and r − 1.
        var edges: [Fr] = [.zero, .one, Fr(15), Fr(16), Fr(17), Fr(31), Fr(32), Fr(16 * 32 + 16), Fr(UInt64.max), -Fr.one, -Fr(16)]
        var power = Fr.one
        for _ in 0..<51 { power = power * Fr(32) }
        edges += [power, power - .one, power * Fr(3), power + Fr(16)]
        for _ in 0..<6 { edges.append(Fr.random(using: &rng)) }
        let tables = WindowTables(points.map(\.affine))
        let pkTable = FixedBaseTable(points[0].affine)
        for k in edges {
            #expect(FixedBaseTable.generator.multiply(k) == g.multipliedVartime(by: k))
            #expect(pkTable.multiply(k) == points[0].multipliedVartime(by: k))
            let scalars = [k, Fr.random(using: &rng), -k]
            var expected = G1Projective.infinity
            for i in 0..<3 { expected = expected + points[i].multipliedVartime(by: scalars[i]) }
            #expect(tables.multiply(scalars) == expected)
        }
        #expect(FixedBaseTable.generator.multiply(.zero).isInfinity)
    }

    @Test func affineMultiplesMatchTheProjectiveFormulas() {
        var rng = SplitMix64(seed: 15)
        let g = G1Projective(G1Affine.generator)
        var points = (0..<5).map { _ in g.multipliedVartime(by: Fr.random(using: &rng)).affine }
        points.insert(.infinity, at: 2)
        // Off the subgroup: x = 0 on y² = x³ + 4 has order 3 ([2]P = −P, [3]P = ∞), the chord
        // case the batched rounds cannot take.
        points.append(G1Affine(x: .zero, y: Fp(2)))
        let table = affineMultiplesVartime(points)
        #expect(table.count == 16 * points.count)
        for (i, p) in points.enumerated() {
            var m = G1Projective.infinity
            for j in 1...16 {
                m = m + G1Projective(p)
                #expect(G1Projective(table[16 * i + j - 1]) == m, "[\(j)]P_\(i)")
            }
        }
    }

    @Test func singleCiphertextShuffle() throws {
        // N = 1: the chain has one link; the proof still binds everything.
        var c = Fixture.configuration
        c.members = 3; c.threshold = 1; c.votes = [1]
        c.offline = [Fixture.key(2): .vote, Fixture.key(3): .vote]
        let r = try VotingSimulation.run(c)
        #expect(try r.transcript.verify().byOption == ["yes": 0, "no": 1, "abstain": 0])
    }
}
