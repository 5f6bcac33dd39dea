import BLS12381
import DKG
import Foundation
import Primitives
import Threshold
import Voting

// `vring vote run`: one member's part of a secret-ballot vote over the network, with the pool's
// ballot key (docs/VOTING.md for the cryptography).
//
//  1. Every member posts its ballot (or an empty "present, abstaining" message). Ballots are
//     checked on arrival (signature, proof of knowledge bound to the voter and question,
//     disjunctive proof); one per member.
//  2. Mixers are the t lowest-indexed present members, in order. Mixer k takes mix k − 1's
//     outputs (the ballots, sorted by voter, for the first), re-encrypts and permutes them, and
//     posts the mix with its Terelius–Wikström proof; everyone verifies it before going on. A
//     mixer that does not mix by the deadline is skipped for the next present member.
//  3. Every present member posts its partial decryptions of the last mix's outputs with the
//     Chaum–Pedersen proof; any t valid ones decrypt; the tally follows.
//  4. Each member assembles the transcript, verifies it from scratch, writes it and prints the
//     tally. Anyone can check it later with `vring vote verify`.
// Messages are signed envelopes of this vote's session (lock hash, question, options, vote id);
// the ballots, mixes and shares inside travel as transcript fragments (the transcript's own JSON
// encoding, decoded with full point validation).

public struct VoteOutcome: Sendable {
    public let transcriptPath: String
    public let options: [String]
    public let counts: [Int]
    public let ballots: Int
    public let mixers: [Int]
    public let decryptors: [Int]
}

extension PoolCeremony {
    public static func vote(lockPath: String, identityPath: String, dataDir: String, passwordFile: String, question text: String,
                            options: [String], choice: String?, voteID: String, transcriptPath: String, listen: String? = nil,
                            ballotDeadline: TimeInterval? = nil,
                            log: @escaping ProgressLog, link makeLink: LinkFactory) async throws(CeremonyError) -> VoteOutcome {
        let lock = try PoolLock.load(lockPath)
        let identity = try IdentityDirectory.load(identityPath)
        let me = try lock.member(for: identity)
        let password = try FileIO.readPassword(passwordFile)
        let share = try loadShare(lock: lock, member: me, dataDir: dataDir, password: password, validator: 0, ballot: true)
        if let choice, !options.contains(choice) {
            throw .invalidArgument(name: "--choice", problem: "\"\(choice)\" is not one of the options \(options.joined(separator: ", "))")
        }
        let lockHash = Hex.decode(lock.lockHash)!
        var q = Transcript(domain: "vring/vote/question/v1")
        q.append("lock", lockHash); q.append("question", Array(text.utf8)); q.append("vote id", Array(voteID.utf8))
        for o in options { q.append("option", Array(o.utf8)) }
        let questionID = Hex.encode(q.digest())
        let election: Election
        do {
            let question = try BallotQuestion(id: questionID, text: text, options: options)
            var members: [VotingMember] = []
            for (k, m) in lock.members.enumerated() {
                members.append(VotingMember(index: try! MemberIndex(m.index), identityKey: m.record.signingKey,
                                            ballotPublicShare: try parsePublicKey(lock.ballot.publicShares[k], what: "ballot.public_shares[\(k)]").point))
            }
            election = try Election(question: question, threshold: lock.threshold, members: members,
                                    ballotPublicKey: try parsePublicKey(lock.ballot.publicKey, what: "ballot.public_key").point)
        } catch let e as CeremonyError { throw e } catch { throw .invalidArgument(name: "--question", problem: "\(error)") }

        let session = Self.session("vote", lockHash, Array(questionID.utf8))
        let link = try await makeLink(LinkSetup(networkID: Self.session("vote/network", lockHash, Array(questionID.utf8)), me: me.index,
                                                members: lock.members, listen: listen), try identity.signingKeyCopy())
        let driver = CeremonyDriver(session: session, epoch: lock.epoch, me: me.index, members: lock.members,
                                    signingKey: try identity.signingKeyCopy(), link: link, log: log)
        do {
            let outcome = try await runVote(driver: driver, election: election, lock: lock, me: me, share: share, identity: identity,
                                            options: options, text: text, choice: choice, questionID: questionID,
                                            transcriptPath: transcriptPath, ballotDeadline: ballotDeadline, log: log)
            await driver.close()
            return outcome
        } catch {
            await driver.close()
            throw error
        }
    }

    static func runVote(driver: CeremonyDriver, election: Election, lock: PoolLock, me: PoolMember, share: borrowing SecretShare,
                        identity: borrowing IdentityDirectory, options: [String], text: String, choice: String?, questionID: String,
                        transcriptPath: String, ballotDeadline: TimeInterval?, log: @escaping ProgressLog) async throws(CeremonyError) -> VoteOutcome {
        log("\(me.label): vote \(questionID.prefix(12))… \"\(text)\" [\(options.joined(separator: ", "))]")
        let phase = TimeInterval(lock.timeouts.phaseSeconds)
        var rng = SystemRandomNumberGenerator()
        let signingKey = try identity.signingKeyCopy()
        func fragment(ballots: [Ballot] = [], mixes: [Mix] = [], decryptions: [DecryptionShare] = []) -> [UInt8] {
            [UInt8](VotingTranscript(election: election, ballots: ballots, mixes: mixes, decryptions: decryptions,
                                     tally: Tally(options: options, counts: options.map { _ in 0 })).jsonData())
        }
        func parse(_ body: [UInt8]) -> VotingTranscript? { try? VotingTranscript(json: Data(body)) }

        // 1. Ballots.
        var ballots: [Int: Ballot] = [:]
        var present: Set<Int> = [me.index]
        if let choice {
            let ballot: Ballot
            do { ballot = try election.castBallot(option: options.firstIndex(of: choice)!, voter: try! MemberIndex(me.index), identity: signingKey, using: &rng) } catch {
                throw .failed(phase: "ballot", reason: "\(error)")
            }
            ballots[me.index] = ballot
            _ = await driver.post(.ballot, fragment(ballots: [ballot]))
        } else {
            _ = await driver.post(.ballot, [])
        }
        let everyone = Set(lock.members.map(\.index))
        var started = Date()
        var backlog = driver.backlog(.ballot)
        var deadline = started.addingTimeInterval(ballotDeadline ?? phase + TimeInterval(lock.timeouts.connectSeconds))
        while present != everyone, Date() < deadline || !backlog.isEmpty {
            let next: CeremonyDriver.Input?
            if !backlog.isEmpty { next = .envelope(backlog.removeFirst()) } else { next = await driver.next() }
            guard let input = next else { break }
            switch input {
            case .envelope(let e) where e.kind == .ballot:
                let from = Int(e.sender)
                present.insert(from)
                guard !e.body.isEmpty else { continue }
                guard let t = parse(e.body), t.ballots.count == 1, Int(t.ballots[0].voter.value) == from else {
                    log("\(driver.label(from)) sent a malformed ballot; it is not counted"); continue
                }
                do { try election.verifyBallot(t.ballots[0], path: "ballot of \(driver.label(from))"); ballots[from] = t.ballots[0] } catch {
                    log("rejected the ballot of \(driver.label(from)): \(error)")
                }
            case .tick:
                driver.progress(waitingFor: everyone.subtracting(present).sorted(), what: "ballots", since: started)
            default: break
            }
        }
        var ballotList = ballots.keys.sorted().map { ballots[$0]! }
        guard !ballotList.isEmpty else { throw .failed(phase: "ballots", reason: "no valid ballot was cast") }
        guard present.count >= lock.threshold else {
            throw .failed(phase: "ballots", reason: "only \(present.count) members present, \(lock.threshold) needed to mix and decrypt")
        }
        log("\(ballotList.count) ballot(s) from \(present.count) present member(s)")

        // 2. Mixes.
        var generators = election.shuffleGenerators(count: ballotList.count)
        var inputs = election.mixInputs(ballots: ballotList)
        var mixes: [Mix] = []
        var candidates = present.sorted()
        var mixBacklog = driver.backlog(.mix)
        while mixes.count < lock.threshold {
            guard !candidates.isEmpty else { throw .failed(phase: "mix", reason: "only \(mixes.count) of \(lock.threshold) mixes were made") }
            let mixer = candidates.removeFirst()
            let round = mixes.count
            if mixer == me.index {
                do {
                    let m = try election.mix(inputs, round: round, mixer: try! MemberIndex(mixer), identity: signingKey, generators: generators, using: &rng)
                    _ = await driver.post(.mix, fragment(ballots: ballotList, mixes: mixes + [m]))
                    mixes.append(m); inputs = m.outputs
                    log("mixed round \(round)")
                } catch { throw .failed(phase: "mix", reason: "\(error)") }
                continue
            }
            started = Date()
            deadline = started.addingTimeInterval(phase)
            var got: Mix?
            while got == nil, Date() < deadline || !mixBacklog.isEmpty {
                let next: CeremonyDriver.Input?
                if !mixBacklog.isEmpty { next = .envelope(mixBacklog.removeFirst()) } else { next = await driver.next() }
                guard let input = next else { break }
                switch input {
                case .envelope(let e) where e.kind == .mix && (Int(e.sender) == mixer || (round == 0 && !present.contains(Int(e.sender)))):
                    // The first mix fixes the ballot list for everyone (members may have closed
                    // the ballot box at slightly different times); a round-0 mix may also come
                    // from a member whose presence this member missed.
                    let sender = Int(e.sender)
                    guard let t = parse(e.body), t.mixes.count == round + 1, Array(t.mixes.prefix(round)) == mixes else {
                        log("\(driver.label(sender)) mixed a different history; skipped"); if sender == mixer { deadline = Date() }; continue
                    }
                    var candidateInputs = inputs, candidateGenerators = generators
                    if t.ballots != ballotList {
                        guard round == 0 else {
                            log("\(driver.label(sender)) mixed a different ballot list than the first mix fixed; skipped"); deadline = Date(); continue
                        }
                        do { try Self.checkAdoptable(t.ballots, election: election) } catch {
                            log("\(driver.label(sender))'s ballot list is not acceptable: \(error); skipped"); if sender == mixer { deadline = Date() }; continue
                        }
                        candidateInputs = election.mixInputs(ballots: t.ballots)
                        candidateGenerators = election.shuffleGenerators(count: t.ballots.count)
                    }
                    do {
                        try election.verifyMix(t.mixes[round], round: round, inputs: candidateInputs, generators: candidateGenerators, path: "mixes[\(round)]")
                    } catch { log("rejected the mix of \(driver.label(sender)): \(error)"); if sender == mixer { deadline = Date() }; continue }
                    if t.ballots != ballotList {
                        let theirs = Set(t.ballots.map { Int($0.voter.value) }), mine = Set(ballotList.map { Int($0.voter.value) })
                        log("adopted the ballot list of the first mix (\(driver.label(sender))): \(t.ballots.count) ballot(s)"
                            + (mine.subtracting(theirs).isEmpty ? "" : "; not in it: \(mine.subtracting(theirs).sorted().map(driver.label).joined(separator: ", ")) (closed before they arrived there)"))
                        if ballots[me.index] != nil, !theirs.contains(me.index) {
                            log("warning: this member's own ballot is not in the list \(driver.label(sender)) fixed: it arrived there after its ballot box closed, or was left out; it is not counted")
                        }
                        ballotList = t.ballots
                        inputs = candidateInputs
                        generators = candidateGenerators
                    }
                    if sender != mixer { candidates.insert(mixer, at: 0); candidates.removeAll { $0 == sender } }
                    got = t.mixes[round]
                case .envelope(let e) where e.kind == .mix:
                    mixBacklog.append(e)  // a later round, kept for when its turn comes
                    if mixBacklog.count > 100 { mixBacklog.removeFirst() }
                case .tick:
                    driver.progress(waitingFor: [mixer], what: "mix round \(round)", since: started)
                default: break
                }
                if got == nil, !mixBacklog.isEmpty, mixBacklog.allSatisfy({ Int($0.sender) != mixer }) { break }
            }
            if let m = got { mixes.append(m); inputs = m.outputs } else { log("\(driver.label(mixer)) did not mix round \(round) in time; skipping it") }
        }

        // 3. Decryption.
        let own: DecryptionShare
        do { own = try election.decryptionShare(for: inputs, share: share, identity: signingKey, using: &rng) } catch {
            throw .failed(phase: "decryption", reason: "\(error)")
        }
        _ = await driver.post(.decryptionShare, fragment(decryptions: [own]))
        var shares: [Int: DecryptionShare] = [me.index: own]
        started = Date()
        deadline = started.addingTimeInterval(phase)
        var shareBacklog = driver.backlog(.decryptionShare)
        while shares.count < present.count, Date() < deadline || !shareBacklog.isEmpty {
            if shares.count >= lock.threshold, Date().timeIntervalSince(started) > 1 { break }
            let next: CeremonyDriver.Input?
            if !shareBacklog.isEmpty { next = .envelope(shareBacklog.removeFirst()) } else { next = await driver.next() }
            guard let input = next else { break }
            switch input {
            case .envelope(let e) where e.kind == .decryptionShare:
                let from = Int(e.sender)
                guard shares[from] == nil, let t = parse(e.body), t.decryptions.count == 1, Int(t.decryptions[0].member.value) == from else { continue }
                do { try election.verifyDecryptionShare(t.decryptions[0], ciphertexts: inputs, path: "decryption of \(driver.label(from))"); shares[from] = t.decryptions[0] } catch {
                    log("rejected the decryption share of \(driver.label(from)): \(error)")
                }
            case .tick:
                driver.progress(waitingFor: present.subtracting(shares.keys).sorted(), what: "decryption shares", since: started)
            default: break
            }
        }
        guard shares.count >= lock.threshold else {
            throw .failed(phase: "decryption", reason: "\(shares.count) valid decryption shares, \(lock.threshold) needed")
        }
        let decryptions = shares.keys.sorted().map { shares[$0]! }
        let tally: Tally
        do { tally = election.tally(try election.decrypt(inputs, shares: decryptions)) } catch { throw .failed(phase: "decryption", reason: "\(error)") }

        // 4. The transcript, verified from scratch before it is written.
        let transcript = VotingTranscript(election: election, ballots: ballotList, mixes: mixes, decryptions: decryptions, tally: tally)
        do { _ = try VotingTranscript(json: transcript.jsonData()).verify() } catch { throw .failed(phase: "transcript", reason: "\(error)") }
        try FileIO.writeAtomically([UInt8](transcript.jsonData()), to: transcriptPath)
        await linger(driver: driver, expected: present, phaseSeconds: 3)
        return VoteOutcome(transcriptPath: transcriptPath, options: tally.options, counts: tally.counts, ballots: ballotList.count,
                           mixers: mixes.map { Int($0.mixer.value) }, decryptors: decryptions.map { Int($0.member.value) })
    }
}

extension PoolCeremony {
    /// Checks that a vote transcript approves `question` for this pool: the transcript verifies
    /// Whether `ballots`, another member's list in the first mix, can be adopted: ordered by
    /// voter, one ballot per voter, every ballot valid (eligible voter, signature, proofs).
    package static func checkAdoptable(_ ballots: [Ballot], election: Election) throws(VotingError) {
        guard !ballots.isEmpty else { throw .verificationFailed(path: "ballots", .tooFew(needed: 1, actual: 0)) }
        let voters = ballots.map(\.voter.value)
        guard voters == voters.sorted() else { throw .verificationFailed(path: "ballots", .other("not ordered by voter")) }
        try election.verifyBallots(ballots)
    }

    /// from scratch, it was held under this pool's ballot key, its question is exactly `question`,
    /// its options are yes and no, and "yes" has more votes than "no". Returns the transcript's
    /// SHA-256 (recorded in the reshare definition).
    public static func requireApproval(transcriptPath: String, lock: PoolLock, question: String) throws(CeremonyError) -> String {
        let bytes = try FileIO.read(transcriptPath)
        let transcript: VotingTranscript
        let tally: Tally
        do {
            transcript = try VotingTranscript(json: Data(bytes))
            tally = try transcript.verify()
        } catch { throw .notApproved("\(transcriptPath): the vote transcript does not verify: \(error)") }
        guard "0x" + Hex.encode(transcript.election.ballotPublicKey.compressed()) == lock.ballot.publicKey else {
            throw .notApproved("\(transcriptPath): the vote was not held under this pool's ballot key")
        }
        guard transcript.election.question.text == question else {
            throw .notApproved("\(transcriptPath): the vote was on \"\(transcript.election.question.text)\", not on this change (\"\(question)\")")
        }
        guard Set(tally.options) == ["yes", "no"], let yes = tally.options.firstIndex(of: "yes"), let no = tally.options.firstIndex(of: "no") else {
            throw .notApproved("\(transcriptPath): the vote's options must be yes and no")
        }
        guard tally.counts[yes] > tally.counts[no] else {
            throw .notApproved("\(transcriptPath): the change was not approved (yes \(tally.counts[yes]), no \(tally.counts[no]))")
        }
        return Hex.encode(SHA256.hash(bytes))
    }
}
