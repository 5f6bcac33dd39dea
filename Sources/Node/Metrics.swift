import Foundation
import Prometheus

/// The node's Prometheus metrics (served on `--metrics HOST:PORT` at `/metrics`).
public final class NodeMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    let dutyLatency: DurationHistogram
    let refusals: Counter
    let decisions: Counter
    let consensusMessages: Counter
    let partialsSent: Counter
    let roundChanges: Counter
    let decidedRound: ValueHistogram

    public init() {
        dutyLatency = registry.makeDurationHistogram(
            descriptor: Self.name("duty_latency", "seconds", "Time from a validator client's request to the pool's signature (or refusal)"),
            buckets: [.milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                      .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(4)])
        refusals = registry.makeCounter(descriptor: Self.name("refusals", "total", "Requests answered with an error (slashing protection, conflicts, timeouts)"))
        decisions = registry.makeCounter(descriptor: Self.name("consensus_decisions", "total", "Duties decided by consensus"))
        consensusMessages = registry.makeCounter(descriptor: Self.name("consensus_messages", "total", "Consensus messages received"))
        roundChanges = registry.makeCounter(descriptor: Self.name("consensus_round_changes", "total", "Rounds this node moved on from (timeouts or f + 1 round changes)"))
        decidedRound = registry.makeValueHistogram(descriptor: Self.name("consensus_decided_round", "", "The consensus round in which each duty was decided (1 = no round change)"),
                                                   buckets: [1, 2, 3, 4, 6, 8])
        partialsSent = registry.makeCounter(descriptor: Self.name("partial_signatures_sent", "total", "Partial signatures this node produced"))
    }

    static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "vring", metricName: metric, unitName: unit, helpText: help)
    }

    func partialReceived(from member: Int) {
        registry.makeCounter(descriptor: Self.name("partial_signatures_received", "total", "Partial signatures received, per member"),
                             labels: [("member", String(member))]).increment()
    }

    func invalidPartial(from member: Int) {
        registry.makeCounter(descriptor: Self.name("invalid_partial_signatures", "total", "Invalid partial signatures, per member"),
                             labels: [("member", String(member))]).increment()
    }

    /// The Prometheus text exposition.
    public func render() -> String {
        var buffer = [UInt8]()
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
