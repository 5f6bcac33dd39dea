import ArgumentParser
import BLS12381
import Ceremony
import Foundation
import Staking

// The networked ceremonies: each member runs the same command on its own machine; they find
// each other at the addresses in the definition or lock. Progress goes to stderr, results to
// stdout (JSON with --json).

/// Runs an async ceremony from a synchronous command (ArgumentParser's entry point here is
/// synchronous) and returns its result or rethrows its error.
func runCeremony<T: Sendable>(_ body: @escaping @Sendable () async throws(CeremonyError) -> T) throws(CeremonyError) -> T {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    Task {
        do throws(CeremonyError) { box.result = .success(try await body()) } catch { box.result = .failure(error) }
        done.signal()
    }
    done.wait()
    return try box.result!.get()
}

final class ResultBox<T>: @unchecked Sendable { var result: Result<T, CeremonyError>? }

/// Progress lines on stderr with a timestamp.
let stderrLog: ProgressLog = { (line: String) in
    let f = DateFormatter()
    f.dateFormat = "HH:mm:ss"
    let stamp = f.string(from: Date())
    FileHandle.standardError.write(Data("[\(stamp)] \(line)\n".utf8))
}

struct CeremonyOptions: ParsableArguments {
    @Option(help: "This member's identity directory.") var identity: String
    @Option(help: "HOST:PORT to listen on instead of the address in this member's record (e.g. 0.0.0.0:PORT).") var listen: String?
    @Flag(help: "No progress lines on stderr.") var quiet = false
    var log: ProgressLog {
        if quiet { return { _ in } }
        return stderrLog
    }
}

extension PoolCommand {
    struct VerifyMembers: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify-members",
            abstract: "The verification ceremony: identity, a timed BLS signing challenge, version and latency, for every member.",
            discussion: """
                Every member runs it at the same time. Writes DATA-DIR/verification-report.json (signed; \
                `pool form` requires a passed one when the definition says so). Exit 0 when every member \
                passed, 1 when some failed (named with the reason).
                JSON: {"passed", "report", "members": [{"index", "name", "passed", "reasons", "version", "challenge_ms"}]}.
                """)
        @Option(help: "The approved definition.") var definition: String
        @Option(help: "Where to write verification-report.json (default: current directory).") var dataDir: String = "."
        @OptionGroup var ceremony: CeremonyOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let (definition, identity, dataDir, listen, log) = (self.definition, ceremony.identity, self.dataDir, ceremony.listen, ceremony.log)
            let report = try runCeremony { () throws(CeremonyError) in
                try await PoolCeremony.verifyMembers(definitionPath: definition, identityPath: identity, dataDir: dataDir,
                                                     listen: listen, log: log, link: NetworkLink.make)
            }
            let path = "\(dataDir)/\(PoolFiles.verificationReport)"
            if output.json {
                print(Output.json(["passed": report.passed, "report": path,
                                   "members": report.members.map { m -> [String: Any] in
                                       ["index": m.index, "name": m.name, "passed": m.passed, "reasons": m.reasons,
                                        "version": m.version ?? NSNull(), "challenge_ms": m.challengeMilliseconds ?? NSNull()]
                                   }]))
            } else {
                for m in report.members {
                    let ms = m.challengeMilliseconds.map { String(format: "%.1f ms", $0) } ?? "-"
                    print("member \(m.index) (\(m.name)): \(m.passed ? "passed" : "FAILED: " + m.reasons.joined(separator: "; ")) [challenge \(ms), vring \(m.version ?? "?")]")
                }
                print("report: \(path)")
            }
            if !report.passed { throw ExitCode(ExitStatus.verificationFailed) }
        }
    }

    struct Form: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Form the pool: distributed key generation with the other members, then keystores, deposit data and the signed lock.",
            discussion: """
                Every member runs it with its own identity and data dir. Writes into DATA-DIR: lock.json, \
                validator_keys/keystore-I.json (EIP-2335, scrypt; the member's share of validator I), \
                ballot-keystore.json and deposit-data.json (threshold-signed, verified before writing). A \
                member that restarts with the same data dir rejoins the running ceremony. Members that fall \
                silent are excluded (named, with the phase) as long as t remain.
                JSON: {"lock", "deposit_data", "keystores", "validators": [public keys], "qual", "blame": [{"index", "reason"}]}.
                """)
        @Option(help: "The approved definition.") var definition: String
        @Option(help: "This member's data directory (created 0700).") var dataDir: String
        @Option(help: "A file whose first line is the keystore password.") var passwordFile: String
        @OptionGroup var ceremony: CeremonyOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let (definition, identity, dataDir, passwordFile, listen, log) = (self.definition, ceremony.identity, self.dataDir, self.passwordFile, ceremony.listen, ceremony.log)
            let outcome = try runCeremony { () throws(CeremonyError) in
                try await PoolCeremony.form(definitionPath: definition, identityPath: identity, dataDir: dataDir,
                                            passwordFile: passwordFile, listen: listen,
                                            crash: ProcessInfo.processInfo.environment["VRING_TEST_CRASH"].flatMap(CrashPoint.init(rawValue:)),
                                            log: log, link: NetworkLink.make)
            }
            if output.json {
                print(Output.json(["lock": outcome.lockPath, "deposit_data": outcome.depositDataPath, "keystores": outcome.keystorePaths,
                                   "validators": outcome.validatorPublicKeys, "qual": outcome.qualified,
                                   "blame": outcome.blame.map { ["index": $0.index, "reason": $0.reason] as [String: Any] }]))
            } else {
                for (i, key) in outcome.validatorPublicKeys.enumerated() { print("validator \(i): \(key)") }
                print("lock: \(outcome.lockPath)")
                print("deposit data: \(outcome.depositDataPath)")
                for b in outcome.blame { print("blame: member \(b.index): \(b.reason)") }
            }
        }
    }

    struct Sign: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Threshold-sign a message with the pool's validator key (run by at least t members).",
            discussion: """
                Each member posts its partial signature, verifies the others' against the lock (invalid \
                ones are named on stderr), combines t valid ones and verifies the result under the \
                validator key before printing it. JSON: {"signature", "message", "validator_public_key"}.
                """)
        @Option(help: "The pool's lock file.") var lock: String
        @Option(help: "This member's data directory (holds its keystores).") var dataDir: String
        @Option(help: "A file whose first line is the keystore password.") var passwordFile: String
        @Option(help: "The message, hex.") var message: String
        @Option(help: "Which of the pool's validators signs (0-based).") var validator: Int = 0
        @OptionGroup var ceremony: CeremonyOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let bytes = try Input.bytes(message, .message)
            let (lock, identity, dataDir, passwordFile, validator, listen, log) = (self.lock, ceremony.identity, self.dataDir, self.passwordFile, self.validator, ceremony.listen, ceremony.log)
            let result = try runCeremony { () throws(CeremonyError) in
                try await PoolCeremony.sign(lockPath: lock, identityPath: identity, dataDir: dataDir, passwordFile: passwordFile,
                                            validator: validator, message: bytes, listen: listen, log: log, link: NetworkLink.make)
            }
            if output.json {
                print(Output.json(["signature": Hex.encode(result.signature.compressed), "message": Hex.encode(bytes),
                                   "validator_public_key": Hex.encode(result.validatorPublicKey.compressed)]))
            } else {
                print(Hex.encode(result.signature.compressed))
            }
        }
    }

    struct Exit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Threshold-sign a voluntary exit; prints it in the beacon API's JSON form (POST /eth/v1/beacon/pool/voluntary_exits).",
            discussion: "Signed with the Capella fork's voluntary-exit domain of the lock's network (EIP-7044).")
        @Option(help: "The pool's lock file.") var lock: String
        @Option(help: "This member's data directory (holds its keystores).") var dataDir: String
        @Option(help: "A file whose first line is the keystore password.") var passwordFile: String
        @Option(help: "The validator's index on the beacon chain.") var validatorIndex: UInt64
        @Option(help: "The earliest epoch at which the exit is valid.") var epoch: UInt64
        @Option(help: "Which of the pool's validators exits (0-based, as in the lock).") var validator: Int = 0
        @OptionGroup var ceremony: CeremonyOptions

        func run() throws {
            let (lock, identity, dataDir, passwordFile, validator, index, epoch, listen, log) = (self.lock, ceremony.identity, self.dataDir, self.passwordFile, self.validator, self.validatorIndex, self.epoch, ceremony.listen, ceremony.log)
            let exit = try runCeremony { () throws(CeremonyError) in
                try await PoolCeremony.exit(lockPath: lock, identityPath: identity, dataDir: dataDir, passwordFile: passwordFile,
                                            validator: validator, validatorIndex: index, epoch: epoch, listen: listen, log: log, link: NetworkLink.make)
            }
            print(exit.json)
        }
    }
}

extension PoolCommand {
    struct Edit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a reshare definition from a lock: remove, add or replace members, optionally change the threshold.",
            discussion: """
                New members get indices after the highest ever used. Every member of the new committee and \
                at least t of the current one approve it with `vring pool approve`; then `vring pool reshare`.
                JSON: {"definition", "definition_hash", "epoch", "threshold", "members": [{"index", "name"}]}.
                """)
        @Option(help: "The current lock.") var lock: String
        @Option(name: .customLong("remove"), help: "Index of a member who leaves; repeat.") var removals: [Int] = []
        @Option(name: .customLong("add"), help: "Record (vring:…) or file of a member who joins; repeat.") var additions: [String] = []
        @Option(name: .customLong("replace"), help: "INDEX=RECORD: the member who takes over from INDEX; repeat.") var replacements: [String] = []
        @Option(help: "The new threshold (default: the current one, capped at the new size).") var threshold: Int?
        @Option(help: "A vote transcript (`vring vote run`) that approved this change: checked and recorded.") var approvedBy: String?
        @Flag(help: "Print the question to vote on for this change and exit (no definition is written).") var printQuestion = false
        @Option(help: "Where to write the reshare definition.") var out: String?
        @OptionGroup var output: OutputOptions

        func run() throws {
            let l = try PoolLock.load(lock)
            func record(_ text: String) throws(CeremonyError) -> IdentityRecord {
                try IdentityRecord(parsing: text.hasPrefix("vring:") ? text : try FileIO.readText(text))
            }
            let adds = try additions.map { (text) throws(CeremonyError) in try record(text) }
            var replaces: [(Int, IdentityRecord)] = []
            for r in replacements {
                guard let eq = r.firstIndex(of: "="), let i = Int(r[..<eq]) else {
                    throw CeremonyError.invalidArgument(name: "--replace", problem: "expected INDEX=RECORD, got \"\(r.prefix(20))…\"")
                }
                replaces.append((i, try record(String(r[r.index(after: eq)...]))))
            }
            guard !removals.isEmpty || !adds.isEmpty || !replaces.isEmpty || threshold != nil else {
                throw CeremonyError.invalidArgument(name: "--remove", problem: "give at least one of --remove, --add, --replace or --threshold")
            }
            let question = PoolDefinition.reshareQuestion(lock: l, remove: removals, add: adds, replace: replaces, threshold: threshold)
            if printQuestion { print(question); return }
            guard let out else { throw CeremonyError.invalidArgument(name: "--out", problem: "give the file to write the reshare definition to") }
            let vote = try approvedBy.map { (path) throws(CeremonyError) in try PoolCeremony.requireApproval(transcriptPath: path, lock: l, question: question) }
            let d = try PoolDefinition.reshare(from: l, remove: removals, add: adds, replace: replaces, threshold: threshold, approvedByVote: vote)
            try FileIO.writeJSON(d, to: out)
            if output.json {
                print(Output.json(["definition": out, "definition_hash": d.definitionHash, "epoch": d.epoch, "threshold": d.threshold,
                                   "approved_by_vote": vote ?? NSNull(),
                                   "members": d.members.map { ["index": $0.index, "name": $0.name] as [String: Any] }]))
            } else {
                print("reshare definition \(out): epoch \(l.epoch) → \(d.epoch), \(l.threshold)-of-\(l.members.count) → \(d.threshold)-of-\(d.members.count)")
                for m in d.members { print("  \(m.label)") }
                print("next: the new members and at least \(l.threshold) current members run `vring pool approve --definition \(out) --identity DIR`")
            }
        }
    }

    struct Reshare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a reshare: continuing, leaving (optional) and joining members get a new epoch with the same validator keys.",
            discussion: """
                Current members deal new sub-shares; new members verify them against the current public \
                shares, combine, check every validator key is unchanged, and sign the new lock.json \
                (epoch + 1). Once t_new members have signed, the old lock is archived in DATA-DIR/archive \
                and old shares are erased. JSON: {"lock", "epoch", "validators", "dealers", "blame", "left"}.
                """)
        @Option(help: "The approved reshare definition.") var definition: String
        @Option(help: "This member's data directory (a joining member starts with an empty one).") var dataDir: String
        @Option(help: "A file whose first line is the keystore password.") var passwordFile: String
        @OptionGroup var ceremony: CeremonyOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let (definition, identity, dataDir, passwordFile, listen, log) = (self.definition, ceremony.identity, self.dataDir, self.passwordFile, ceremony.listen, ceremony.log)
            let outcome = try runCeremony { () throws(CeremonyError) in
                try await PoolCeremony.reshare(definitionPath: definition, identityPath: identity, dataDir: dataDir,
                                               passwordFile: passwordFile, listen: listen, log: log, link: NetworkLink.make)
            }
            if output.json {
                print(Output.json(["lock": outcome.lockPath ?? NSNull(), "epoch": outcome.epoch, "validators": outcome.validatorPublicKeys,
                                   "dealers": outcome.dealersUsed, "left": outcome.left,
                                   "blame": outcome.blame.map { ["index": $0.index, "reason": $0.reason] as [String: Any] }]))
            } else if outcome.left {
                print("left the pool at epoch \(outcome.epoch); shares erased")
            } else {
                print("epoch \(outcome.epoch): \(outcome.lockPath ?? "")")
                for (i, k) in outcome.validatorPublicKeys.enumerated() { print("validator \(i): \(k) (unchanged)") }
            }
        }
    }
}

extension PoolCommand {
    struct Repair: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Share repair: a member that lost its data dir gets its shares back from t helpers, who learn nothing of them.",
            discussion: """
                The member being repaired runs it with an empty data dir, its identity and a copy of the lock \
                (any member's; it is public). Each helper runs it with --target INDEX. Everyone passes the same \
                --helper list (default: the t lowest-indexed other members). Group keys and every other share \
                stay as they are. JSON (repaired member): {"keystores": [paths]}.
                """)
        @Option(help: "The pool's lock file.") var lock: String
        @Option(help: "This member's data directory.") var dataDir: String
        @Option(help: "A file whose first line is the keystore password.") var passwordFile: String
        @Option(help: "The member being repaired (default: this member).") var target: Int?
        @Option(name: .customLong("helper"), help: "A helper's index; repeat at least t times — more helpers survive some failing (default: the t lowest-indexed other members).") var helpers: [Int] = []
        @OptionGroup var ceremony: CeremonyOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let (lock, identity, dataDir, passwordFile, target, listen, log) = (self.lock, ceremony.identity, self.dataDir, self.passwordFile, self.target, ceremony.listen, ceremony.log)
            let helpers = self.helpers.isEmpty ? nil : self.helpers
            let written = try runCeremony { () throws(CeremonyError) in
                try await PoolCeremony.repair(lockPath: lock, identityPath: identity, dataDir: dataDir, passwordFile: passwordFile,
                                              target: target, helpers: helpers, listen: listen, log: log, link: NetworkLink.make)
            }
            if output.json { print(Output.json(["keystores": written])) } else { for w in written { print(w) } }
        }
    }
}
