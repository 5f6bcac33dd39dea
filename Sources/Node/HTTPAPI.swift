import BLS12381
import Ceremony
import Foundation
import Hummingbird
import Logging

// The Web3Signer-compatible HTTP API (the Ethereum consensus signing subset):
//   GET  /upcheck                          → 200 "OK"
//   GET  /api/v1/eth2/publicKeys           → ["0x…", …] the pool's validator keys
//   POST /api/v1/eth2/sign/{public key}    → the pool's signature: JSON {"signature": "0x…"} when the
//                                            client accepts JSON, else text/plain "0x…"; 400 bad
//                                            request, 404 unknown key, 412 refused by slashing
//                                            protection or conflicting with the agreed data,
//                                            503 not enough members in time.
// Metrics (optional, separate listener): GET /metrics in the Prometheus text format.

public enum NodeHTTP {
    /// The application serving the signing API for `node`.
    public static func application(node: SigningNode, host: String, port: Int, logger: Logger = Logger(label: "vring.http")) -> some ApplicationProtocol {
        let router = Router()
        router.get("upcheck") { _, _ -> String in "OK" }
        router.get("api/v1/eth2/publicKeys") { _, _ -> Response in
            let keys = await node.publicKeys
            let body = try JSONSerialization.data(withJSONObject: keys)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        router.post("api/v1/eth2/sign/:pubkey") { request, context -> Response in
            let pubkey = try context.parameters.require("pubkey")
            let buffer = try await request.body.collect(upTo: 1 << 20)
            let body = Array(buffer.readableBytesView)
            let wantsJSON = request.headers[.accept]?.contains("json") ?? false
            switch await node.sign(pubkey: pubkey, body: body) {
            case .success(let signature):
                let hex = "0x" + Hex.encode(signature.compressed)
                if wantsJSON {
                    return Response(status: .ok, headers: [.contentType: "application/json"],
                                    body: .init(byteBuffer: ByteBuffer(string: #"{"signature":"\#(hex)"}"#)))
                }
                return Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: hex)))
            case .failure(let refusal):
                let message = refusal.message.replacingOccurrences(of: "\"", with: "'")
                return Response(status: .init(code: refusal.status), headers: [.contentType: "application/json"],
                                body: .init(byteBuffer: ByteBuffer(string: #"{"error":"\#(message)"}"#)))
            }
        }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "vring"), logger: logger)
    }

    /// The metrics listener.
    public static func metricsApplication(metrics: NodeMetrics, host: String, port: Int, logger: Logger = Logger(label: "vring.metrics")) -> some ApplicationProtocol {
        let router = Router()
        router.get("metrics") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
        }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "vring-metrics"), logger: logger)
    }
}
