import Foundation
import XCTest

/// The constant-time paths under valgrind's memcheck (`vring ct-check`, the "ctgrind"
/// technique): secrets are marked undefined, and memcheck reports any branch or memory address
/// computed from them. `make test` installs valgrind (scripts/install-deps.sh).
final class ConstantTimeCLITests: XCTestCase {
    private func memcheck(_ arguments: [String], environment: [String: String] = [:]) throws -> CLIResult {
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
                            ["--tool=memcheck", "--error-exitcode=3", copy.path, "ct-check"] + arguments, stdin: nil,
                            environment: environment)
    }

    /// The x86-64 BMI2/ADX field kernels (fp_x86_64.S) under memcheck. valgrind's emulated CPUID
    /// hides ADX, so without VRING_FIELD=adx the run above checks the portable twin; this one
    /// forces the kernels, on a machine whose CPU has them.
    func testTheAssemblyFieldKernelsUnderMemcheck() throws {
        #if arch(x86_64)
        let flags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ").map(String.init) ?? []
        guard flags.contains("bmi2"), flags.contains("adx") else { throw XCTSkip("this CPU has no BMI2/ADX") }
        let r = try memcheck([], environment: ["VRING_FIELD": "adx"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("field arithmetic: x86-64 BMI2/ADX kernels"), r.stdout)
        XCTAssertFalse(r.stderr.contains("uninitialised"), r.stderr)
        #else
        throw XCTSkip("the assembly kernels exist for x86-64 only")
        #endif
    }

    func testNoBranchOrAddressDependsOnASecret() throws {
        let r = try memcheck([], environment: ["VRING_FIELD": "portable"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("every operation ran on secrets marked for memcheck"), r.stdout)
        XCTAssertTrue(r.stdout.contains("field arithmetic: portable Swift"), r.stdout)
        XCTAssertFalse(r.stderr.contains("uninitialised"), r.stderr)
    }

    /// The check itself: a deliberate branch and table read on a secret are reported.
    func testTheCheckSeesADeliberateLeak() throws {
        let r = try memcheck(["--control"])
        XCTAssertEqual(r.status, 3, r.stderr)
        XCTAssertTrue(r.stderr.contains("Conditional jump or move depends on uninitialised value"), r.stderr)
    }
}
