import ArgumentParser
import Ceremony
import Foundation

extension VoteCommand {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take part in a vote over the network: ballot, mix (if chosen), partial decryption, tally, transcript.",
            discussion: """
                Every member runs it with the same --question, --options and --vote-id (they name the vote). \
                A member without --choice is present but abstains. Mixers are the t lowest-indexed present \
                members; any t decrypt. Each member verifies the whole transcript before writing it; anyone \
                can check it with `vring vote verify`. JSON: {"tally": {option: count}, "ballots", "mixers", \
                "decryptors", "transcript"}.
                """)
        @Option(help: "The pool's lock file (its ballot key is used).") var lock: String
        @Option(help: "This member's data directory (ballot-keystore.json).") var dataDir: String
        @Option(help: "A file whose first line is the keystore password.") var passwordFile: String
        @Option(help: "The question.") var question: String
        @Option(help: "The options, comma-separated.") var options: String
        @Option(help: "This member's choice (one of the options); omit to abstain.") var choice: String?
        @Option(help: "Distinguishes repeated votes on the same question.") var voteID: String = "1"
        @Option(help: "Where to write the transcript.") var transcript: String
        @Option(help: "How long this member keeps the ballot box open, e.g. 90s, 5m, 1h (default: the lock's phase plus connect timeouts). The first mix fixes the list for everyone.")
        var deadline: String?

        func validate() throws {
            if let d = deadline, Self.seconds(d) == nil {
                throw ValidationError("--deadline must be a positive duration like 90s, 5m or 1h, not \"\(d)\"")
            }
        }

        /// "90", "90s", "5m", "1h" → seconds.
        static func seconds(_ text: String) -> TimeInterval? {
            let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600]
            var number = Substring(text), scale = 1.0
            if let last = text.last, let u = units[last] { number = text.dropLast(); scale = u }
            guard let v = Double(number), v > 0, v.isFinite else { return nil }
            return v * scale
        }
        @OptionGroup var ceremony: CeremonyOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let opts = options.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
            let (lock, identity, dataDir, passwordFile, question, choice, voteID, transcript, listen, log) =
                (self.lock, ceremony.identity, self.dataDir, self.passwordFile, self.question, self.choice, self.voteID, self.transcript, ceremony.listen, ceremony.log)
            let ballotBox = deadline.flatMap(Self.seconds)
            let outcome = try runCeremony { () throws(CeremonyError) in
                try await PoolCeremony.vote(lockPath: lock, identityPath: identity, dataDir: dataDir, passwordFile: passwordFile, question: question,
                                            options: opts, choice: choice, voteID: voteID, transcriptPath: transcript, listen: listen,
                                            ballotDeadline: ballotBox, log: log, link: NetworkLink.make)
            }
            if output.json {
                print(Output.json(["tally": Dictionary(uniqueKeysWithValues: zip(outcome.options, outcome.counts)), "ballots": outcome.ballots,
                                   "mixers": outcome.mixers, "decryptors": outcome.decryptors, "transcript": outcome.transcriptPath]))
            } else {
                for (o, c) in zip(outcome.options, outcome.counts) { print("\(o): \(c)") }
                print("transcript: \(outcome.transcriptPath) (mixers \(outcome.mixers.map(String.init).joined(separator: ",")), decryptors \(outcome.decryptors.map(String.init).joined(separator: ",")))")
            }
        }
    }
}
