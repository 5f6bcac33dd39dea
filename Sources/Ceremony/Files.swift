import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// File helpers with the guarantees ceremonies need: a file is either absent or complete (write
/// to a temporary file in the same directory, fsync, rename), secrets are created 0600 from the
/// first byte, and directories that hold secrets are 0700.
public enum FileIO {
    /// Reads a whole file.
    public static func read(_ path: String) throws(CeremonyError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            if FileManager.default.fileExists(atPath: path) { throw .file(path: path, problem: "cannot be read (check permissions)") }
            throw .file(path: path, problem: "no such file")
        }
        return [UInt8](data)
    }

    /// Reads a text file.
    public static func readText(_ path: String) throws(CeremonyError) -> String {
        let bytes = try read(path)
        guard let s = String(validating: bytes, as: UTF8.self) else { throw .file(path: path, problem: "is not UTF-8 text") }
        return s
    }

    /// Decodes a JSON file into `T`, naming the file and the field on failure.
    public static func readJSON<T: Decodable>(_ type: T.Type, from path: String) throws(CeremonyError) -> T {
        let bytes = try read(path)
        do { return try JSONDecoder().decode(T.self, from: Data(bytes)) } catch {
            throw .file(path: path, problem: "not a valid \(T.self): \(Self.describe(error))")
        }
    }

    /// Encodes `value` as pretty-printed JSON with sorted keys and writes it atomically.
    public static func writeJSON<T: Encodable>(_ value: T, to path: String, mode: mode_t = 0o644) throws(CeremonyError) {
        var bytes = jsonBytes(value)
        bytes.append(0x0a)
        try writeAtomically(bytes, to: path, mode: mode)
    }

    /// Pretty JSON with sorted keys and unescaped slashes.
    public static func jsonBytes<T: Encodable>(_ value: T, pretty: Bool = true) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return [UInt8](try! encoder.encode(value))
    }

    /// Writes `bytes` to `path` so that readers see the old file or the complete new one, never
    /// a prefix: temporary file (created with `mode`), fsync, rename, fsync of the directory.
    public static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws(CeremonyError) {
        let directory = (path as NSString).deletingLastPathComponent
        let dir = directory.isEmpty ? "." : directory
        let temporary = "\(dir)/.\((path as NSString).lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .file(path: path, problem: "cannot create (\(String(cString: strerror(errno))))") }
        var written = 0
        let ok: Bool = bytes.withUnsafeBytes { raw in
            while written < raw.count {
                let n = write(fd, raw.baseAddress! + written, raw.count - written)
                if n < 0 { if errno == EINTR { continue }; return false }
                written += n
            }
            return fsync(fd) == 0
        }
        close(fd)
        guard ok, Foundation.rename(temporary, path) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(temporary)
            throw .file(path: path, problem: "cannot write (\(why))")
        }
        let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 { _ = fsync(dfd); close(dfd) }
    }

    /// Creates `path` (and parents) if missing, with `mode` on the last component.
    public static func makeDirectory(_ path: String, mode: mode_t = 0o700) throws(CeremonyError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: NSNumber(value: mode)])
        } catch { throw .file(path: path, problem: "cannot create directory: \(error.localizedDescription)") }
    }

    public static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    /// Reads a password file: the first line, without its line ending. An empty password is
    /// refused (a keystore must not be encrypted under nothing).
    public static func readPassword(_ path: String) throws(CeremonyError) -> String {
        let text = try readText(path)
        let line = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).first.map(String.init) ?? ""
        let password = line.hasSuffix("\r") ? String(line.dropLast()) : line
        guard !password.isEmpty else { throw .file(path: path, problem: "the password file is empty") }
        return password
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing field \((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "wrong type at \(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        case DecodingError.dataCorrupted(let context):
            let at = context.codingPath.map(\.stringValue).joined(separator: ".")
            return at.isEmpty ? context.debugDescription : "\(at): \(context.debugDescription)"
        default: return "\(error)"
        }
    }
}
