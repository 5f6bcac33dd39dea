import Foundation
import XCTest

/// The constant-time paths under valgrind's memcheck (`vring ct-check`, the "ctgrind"
/// technique): secrets are marked undefined, and memcheck reports any branch or memory address
/// computed from them. `make test` installs valgrind (scripts/install-deps.sh).
final class ConstantTimeCLITests: XCTestCase {
    private func memcheck(_ arguments: [String]) throws -> CLIResult {
        guard let binary = Self.vringBinary else { throw CLITestError("no vring binary") }
        guard let valgrind = ["/usr/bin/valgrind", "/usr/local/bin/valgrind"].first(where: FileManager.default.isExecutableFile) else {
            throw XCTSkip("valgrind is not installed (scripts/install-deps.sh installs it)")
        }
        // valgrind 3.19 cannot read the DWARF 5 of Swift release builds: run a copy without it.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vring-ct-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let copy = directory.appendingPathComponent("vring")
        let strip = try Self.run(URL(fileURLWithPath: "/usr/bin/env"), ["objcopy", "--strip-debug", binary.path, copy.path], stdin: nil)
        guard strip.status == 0 else { throw CLITestError("objcopy --strip-debug failed: \(strip.stderr)") }
        return try Self.run(URL(fileURLWithPath: valgrind),
                            ["--tool=memcheck", "--error-exitcode=3", copy.path, "ct-check"] + arguments, stdin: nil)
    }

    func testNoBranchOrAddressDependsOnASecret() throws {
        let r = try memcheck([])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("every operation ran on secrets marked for memcheck"), r.stdout)
        XCTAssertFalse(r.stderr.contains("uninitialised"), r.stderr)
    }

    /// The check itself: a deliberate branch and table read on a secret are reported.
    func testTheCheckSeesADeliberateLeak() throws {
        let r = try memcheck(["--control"])
        XCTAssertEqual(r.status, 3, r.stderr)
        XCTAssertTrue(r.stderr.contains("Conditional jump or move depends on uninitialised value"), r.stderr)
    }
}
