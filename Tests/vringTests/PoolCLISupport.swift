import Foundation
import Transport
import XCTest

// Shared by PoolCLITests and NodeCLITests: member processes in the background, a scratch
// directory of identities with an approved definition, and the common invocations.

/// A member process running in the background, its output in files.
final class Member {
    let process = Process()
    let out: URL, err: URL
    init(_ binary: URL, _ arguments: [String], log: URL, environment: [String: String] = [:]) throws {
        out = log.appendingPathExtension("out")
        err = log.appendingPathExtension("log")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        process.executableURL = binary
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        try process.run()
    }
    func wait() -> CLIResult {
        process.waitUntilExit()
        return CLIResult(status: process.terminationStatus, reason: process.terminationReason,
                         stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                         stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }
}

struct Scratch {
    let root: URL
    let base: Int
    var password: String { root.appendingPathComponent("password.txt").path }
    var definition: String { root.appendingPathComponent("definition.json").path }
    func identity(_ i: Int) -> String { root.appendingPathComponent("m\(i)/identity").path }
    func data(_ i: Int) -> String { root.appendingPathComponent("m\(i)/data").path }
    func log(_ i: Int, _ name: String) -> URL { root.appendingPathComponent("m\(i)/\(name)") }
}

extension XCTestCase {
    /// n identities, a t-of-n definition approved by all.
    func makePool(members n: Int, threshold t: Int, phaseSeconds: Int = 5) throws -> Scratch {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("vring-pool-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        // Kept for inspection when the test fails, removed otherwise.
        addTeardownBlock { [weak self] in
            if (self?.testRun?.failureCount ?? 1) == 0 { try? FileManager.default.removeItem(at: root) }
        }
        let s = Scratch(root: root, base: try freePortBase())
        try Data("pool test password\n".utf8).write(to: URL(fileURLWithPath: s.password))
        var records: [String] = []
        for i in 1...n {
            try FileManager.default.createDirectory(at: root.appendingPathComponent("m\(i)"), withIntermediateDirectories: true)
            let r = try vring("identity", "new", "--name", "m\(i)", "--address", "127.0.0.1:\(s.base + i)", "--out", s.identity(i))
            XCTAssertEqual(r.status, 0, r.stderr)
            records.append(r.stdout.trimmed)
            XCTAssertTrue(r.stdout.hasPrefix("vring:"))
        }
        var define = ["pool", "define", "--name", "test", "--threshold", "\(t)", "--network", "hoodi",
                      "--withdrawal-address", "0x" + String(repeating: "11", count: 20), "--phase-timeout", "\(phaseSeconds)",
                      "--connect-timeout", "\(phaseSeconds * 2)", "--out", s.definition]
        for r in records { define += ["--member", r] }
        let d = try vring(define)
        XCTAssertEqual(d.status, 0, d.stderr)
        for i in 1...n {
            let a = try vring("pool", "approve", "--definition", s.definition, "--identity", s.identity(i))
            XCTAssertEqual(a.status, 0, a.stderr)
        }
        return s
    }

    func start(_ s: Scratch, _ members: [Int], _ name: String, _ arguments: (Int) -> [String], environment: [Int: [String: String]] = [:]) throws -> [Int: Member] {
        guard let binary = Self.vringBinary else { throw CLITestError("no vring binary") }
        var out: [Int: Member] = [:]
        for i in members { out[i] = try Member(binary, arguments(i), log: s.log(i, name), environment: environment[i] ?? [:]) }
        return out
    }

    func form(_ s: Scratch, _ i: Int) -> [String] {
        ["pool", "form", "--definition", s.definition, "--identity", s.identity(i), "--data-dir", s.data(i), "--password-file", s.password, "--json"]
    }

    func sign(_ s: Scratch, _ i: Int, message: String) -> [String] {
        ["pool", "sign", "--lock", s.data(i) + "/lock.json", "--identity", s.identity(i), "--data-dir", s.data(i),
         "--password-file", s.password, "--message", message, "--json"]
    }

}

extension XCTestCase {
    /// A base for a pool's ports (members at base + i, HTTP at base + 100 + i, metrics at
    /// base + 200), below the ephemeral range and free when probed.
    func freePortBase() throws -> Int {
        guard let base = LocalPorts.freeBase(span: 256) else { throw CLITestError("no free range of 256 loopback ports below 32768") }
        return base
    }
}
