import Foundation
import XCTest

/// The outcome of one run of the binary.
struct CLIResult: Sendable {
    var status: Int32
    var reason: Process.TerminationReason
    var stdout: String
    var stderr: String
    var stderrLines: [Substring] { stderr.split(separator: "\n") }
}

struct CLITestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}

extension XCTestCase {
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Where the `vring` executable is; see the note at the top of VRingCLITests.swift.
    static let vringBinary: URL? = {
        if let path = ProcessInfo.processInfo.environment["VRING_BINARY"] { return URL(fileURLWithPath: path) }
        let fm = FileManager.default
        let candidates = [".build/release/vring", ".build/debug/vring"]
            .map { packageRoot.appendingPathComponent($0) }
            .compactMap { url -> (URL, Date)? in
                guard let attributes = try? fm.attributesOfItem(atPath: url.path),
                      let date = attributes[.modificationDate] as? Date else { return nil }
                return (url, date)
            }
        if let newest = candidates.max(by: { $0.1 < $1.1 }) { return newest.0 }
        // Fall back to asking SwiftPM where its binaries go.
        let swift = Process()
        swift.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        swift.arguments = ["swift", "build", "-c", "release", "--show-bin-path", "--package-path", packageRoot.path]
        let pipe = Pipe()
        swift.standardOutput = pipe
        swift.standardError = FileHandle.nullDevice
        guard (try? swift.run()) != nil else { return nil }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmed
        swift.waitUntilExit()
        let url = URL(fileURLWithPath: output).appendingPathComponent("vring")
        return fm.isExecutableFile(atPath: url.path) ? url : nil
    }()

    func vring(_ arguments: String..., stdin: String? = nil) throws -> CLIResult {
        try vring(arguments, stdin: stdin)
    }

    func vring(_ arguments: [String], stdin: String? = nil) throws -> CLIResult {
        guard let binary = Self.vringBinary else {
            throw CLITestError("no vring binary: run `swift build -c release --product vring` first (or set VRING_BINARY)")
        }
        return try Self.run(binary, arguments, stdin: stdin)
    }

    /// Runs several invocations at once (each is a separate process).
    func vringConcurrently(_ invocations: [[String]]) throws -> [CLIResult] {
        guard let binary = Self.vringBinary else { throw CLITestError("no vring binary") }
        let results = ResultSlots(count: invocations.count)
        DispatchQueue.concurrentPerform(iterations: invocations.count) { i in
            results.set(i, Result { try Self.run(binary, invocations[i], stdin: nil) })
        }
        return try results.values.map { try $0!.get() }
    }

    static func run(_ binary: URL, _ arguments: [String], stdin: String?, environment: [String: String] = [:]) throws -> CLIResult {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        // Feed and drain on separate threads so no pipe can fill up and deadlock.
        let group = DispatchGroup()
        let errData = DataBox()
        DispatchQueue.global().async(group: group) { errData.data = err.fileHandleForReading.readDataToEndOfFile() }
        let stdinData = Data((stdin ?? "").utf8)
        DispatchQueue.global().async(group: group) {
            if !stdinData.isEmpty { input.fileHandleForWriting.write(stdinData) }
            try? input.fileHandleForWriting.close()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return CLIResult(
            status: process.terminationStatus, reason: process.terminationReason,
            stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData.data, as: UTF8.self))
    }

    func json(_ result: CLIResult) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] else {
            throw CLITestError("not a JSON object: \(result.stdout)")
        }
        return object
    }
}

private final class DataBox: @unchecked Sendable {
    var data = Data()
}

private final class ResultSlots: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<CLIResult, Error>?]
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ value: Result<CLIResult, Error>) { lock.withLock { slots[i] = value } }
    var values: [Result<CLIResult, Error>?] { lock.withLock { slots } }
}
