import Foundation
import Logging

// Structured logs for the node (swift-log). Two formats on stderr:
//  - text: swift-log's StreamLogHandler ("2026-11-30T01:02:03+0000 info vring.node : duty=… signed"),
//  - json: one object per line ({"ts":…,"level":…,"label":…,"msg":…, metadata…}) for log
//    collectors (Loki, Elasticsearch, journald's JSON mode).
// Nothing secret is ever logged: metadata are duty kinds, slots, epochs, member indices,
// latencies, public keys and refusal reasons.

/// The output format of `vring node run --log-format`.
public enum NodeLogFormat: String, Sendable, CaseIterable {
    case text, json
}

public enum NodeLogging {
    /// Installs the process-wide log handler (call once, before any logger is made).
    public static func bootstrap(format: NodeLogFormat, level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler
            switch format {
            case .text: handler = StreamLogHandler.standardError(label: label)
            case .json: handler = JSONLogHandler(label: label)
            }
            handler.logLevel = level
            return handler
        }
    }
}

/// One JSON object per line on stderr.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let label: String
    let write: @Sendable (String) -> Void

    public init(label: String, write: @escaping @Sendable (String) -> Void = JSONLogHandler.standardError) {
        self.label = label
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var object: [String: Any] = [:]
        for (k, v) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) { object[k] = Self.json(v) }
        object["ts"] = Self.timestamp()
        object["level"] = event.level.rawValue
        object["label"] = label
        object["msg"] = event.message.description
        if let error = event.error { object["error"] = "\(error)" }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        write(String(decoding: data, as: UTF8.self) + "\n")
    }

    static func json(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let s): return s
        case .stringConvertible(let c):
            if let i = c as? any BinaryInteger { return Int(truncatingIfNeeded: i) }
            if let d = c as? Double { return d }
            if let b = c as? Bool { return b }
            return c.description
        case .array(let a): return a.map(json)
        case .dictionary(let d): return d.mapValues(json)
        }
    }

    static func timestamp() -> String {
        let now = Date()
        let seconds = Int64(now.timeIntervalSince1970)
        let millis = Int((now.timeIntervalSince1970 - Double(seconds)) * 1000)
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), millis)
    }

    public static let standardError: @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data(line.utf8))
    }
}
