import ArgumentParser
import Ceremony
import Foundation

/// `vring`: the Validator Ring command line.
@main
struct VRing: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vring",
        abstract: "Validator Ring: threshold BLS12-381 for Ethereum validators.",
        discussion: """
            Exit status: 0 success (or a verification that holds), 1 a verification that does not \
            hold, 2 bad input (one line on standard error naming the argument).
            """,
        subcommands: [BLSCommand.self, ThresholdCommand.self, DKGCommand.self, ReshareCommand.self, KeysCommand.self, IdentityCommand.self, PoolCommand.self, NodeCommand.self, SlashingCommand.self, VoteCommand.self, Bench.self, Demo.self, CTCheck.self])

    /// Parses and runs, mapping every failure onto the documented exit statuses: ArgumentParser's
    /// usage errors (64 by default) become 2, like any other bad input; `--help` is 0.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
            terminate(ExitStatus.success)
        } catch let error as BLSInputError {
            Output.error(error.commandLineMessage)
            terminate(ExitStatus.badInput)
        } catch let error as CeremonyError {
            Output.error(error.description)
            terminate(ExitStatus.badInput)
        } catch let error as ExitCode {
            terminate(error.rawValue)
        } catch {
            if exitCode(for: error) == .success {  // --help, --version
                print(fullMessage(for: error))
                terminate(ExitStatus.success)
            }
            let message = message(for: error)
                .split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }.joined(separator: " ")
            Output.error(message.isEmpty ? "invalid arguments (see --help)" : message)
            terminate(ExitStatus.badInput)
        }
    }
}
