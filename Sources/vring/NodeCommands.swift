import ArgumentParser
import Ceremony
import Foundation
import Hummingbird
import Logging
import Node
import ServiceLifecycle

/// `vring node …`: the member's long-running signing node.
struct NodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Run this member's signing node: a Web3Signer-compatible remote signer for the pool's validators.",
        subcommands: [Run.self, NodeBench.self])
}

extension NodeCommand {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve the signing API until SIGTERM/SIGINT.",
            discussion: """
                Point a validator client's remote-signer URL at http://HOST:PORT (any member's node). \
                Endpoints: GET /upcheck, GET /api/v1/eth2/publicKeys, POST /api/v1/eth2/sign/{pubkey}. \
                The nodes agree on each duty's data (the lock's `consensus`), check their slashing \
                databases (DATA-DIR/slashing-protection.sqlite) and combine t partial signatures.
                """)
        @Option(help: "The pool's lock file.") var lock: String
        @Option(help: "This member's data directory (keystores, slashing database).") var dataDir: String
        @Option(help: "A file whose first line is the keystore password.") var passwordFile: String
        @Option(help: "HOST:PORT for the signing API.") var http: String
        @Option(help: "HOST:PORT for Prometheus metrics (/metrics).") var metrics: String?
        @Option(help: "Log format on stderr: text or json (one object per line).") var logFormat: String = "text"
        @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.") var logLevel: String = "info"
        @OptionGroup var ceremony: CeremonyOptions

        func validate() throws {
            guard NodeLogFormat(rawValue: logFormat) != nil else { throw ValidationError("--log-format must be text or json, not \"\(logFormat)\"") }
            guard Logger.Level(rawValue: logLevel) != nil else {
                throw ValidationError("--log-level must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")), not \"\(logLevel)\"")
            }
        }

        func run() throws {
            NodeLogging.bootstrap(format: NodeLogFormat(rawValue: logFormat)!, level: Logger.Level(rawValue: logLevel)!)
            let logger = Logger(label: "vring.node")
            var configuration = NodeConfiguration(lockPath: lock, identityPath: ceremony.identity, dataDir: dataDir,
                                                  passwordFile: passwordFile, listen: ceremony.listen)
            if ProcessInfo.processInfo.environment["VRING_TEST_BYZANTINE"] == "equivocate" {
                configuration.byzantine = true
                logger.critical("test hook VRING_TEST_BYZANTINE=equivocate: this node sends conflicting data to even-numbered members")
            }
            let nodeConfiguration = configuration
            let api = try HostPort(parsing: http)
            let metricsAddress = try metrics.map { (m) throws(CeremonyError) in try HostPort(parsing: m) }
            _ = try runCeremony { () throws(CeremonyError) in
                let nodeMetrics = NodeMetrics()
                let node = try await SigningNode.start(nodeConfiguration, metrics: nodeMetrics, logger: logger)
                var services: [any Service] = [NodeHTTP.application(node: node, host: api.host, port: api.port, logger: Logger(label: "vring.http"))]
                if let m = metricsAddress { services.append(NodeHTTP.metricsApplication(metrics: nodeMetrics, host: m.host, port: m.port, logger: Logger(label: "vring.metrics"))) }
                let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
                logger.info("signing API listening", metadata: ["url": "http://\(api.host):\(api.port)"])
                do { try await group.run() } catch { logger.error("node stopped", metadata: ["error": "\(error)"]) }
                logger.info("node stopped")
                await node.shutdown()
                return 0
            }
        }
    }
}
