import BLS12381
import Foundation
import Primitives
#if canImport(Glibc)
import Glibc
#endif

// What a member persists while a ceremony runs, so that a restarted process with the same data
// directory rejoins where it stopped: the seed of its protocol randomness (sealed with a key
// derived from its identity, so the data dir alone does not reveal it) and an append-only log
// of the inputs that changed its protocol state (accepted messages, closed rounds). Replaying
// the log with the same seed rebuilds the exact state and regenerates, byte for byte, the
// messages it had sent. A torn final record (a crash mid-append) is dropped.
//
// The directory is `<data-dir>/.vring-state/<ceremony>-<first 16 hex of the session>/`; it is
// removed (the seed overwritten first) once the ceremony's files are written.

final class StateStore {
    let directory: String
    private var handle: FileHandle?

    enum Record {
        case received([UInt8])
        case advanced
        case custom(UInt8, [UInt8])
    }

    init(dataDir: String, ceremony: String, session: [UInt8]) throws(CeremonyError) {
        directory = "\(dataDir)/.vring-state/\(ceremony)-\(Hex.encode(session).prefix(16))"
        try FileIO.makeDirectory(directory, mode: 0o700)
    }

    var seedPath: String { "\(directory)/seed.sealed" }
    var logPath: String { "\(directory)/log.bin" }
    var isFresh: Bool { !FileIO.exists(seedPath) }

    /// Loads the seed, or creates and persists a new one.
    func seed(key: borrowing SecureBytes) throws(CeremonyError) -> SecureBytes {
        if FileIO.exists(seedPath) {
            do { return try SecretBox.open(try FileIO.read(seedPath), key: key) } catch let e as CeremonyError { throw e } catch {
                throw .file(path: seedPath, problem: "cannot be unsealed with this identity (another member's data dir?)")
            }
        }
        let seed = SecureBytes(random: 32)
        let sealed = try! SecretBox.seal(seed, key: key)
        try FileIO.writeAtomically(sealed, to: seedPath, mode: 0o600)
        return seed
    }

    /// The records persisted so far (a torn tail is ignored).
    func load() -> [Record] {
        guard let bytes = try? FileIO.read(logPath) else { return [] }
        var out: [Record] = []
        var i = 0
        while i + 5 <= bytes.count {
            let type = bytes[i]
            let n = Int(bytes[i + 1]) << 24 | Int(bytes[i + 2]) << 16 | Int(bytes[i + 3]) << 8 | Int(bytes[i + 4])
            guard i + 5 + n <= bytes.count else { break }
            let payload = Array(bytes[(i + 5)..<(i + 5 + n)])
            switch type {
            case 1: out.append(.received(payload))
            case 2: out.append(.advanced)
            default: out.append(.custom(type, payload))
            }
            i += 5 + n
        }
        return out
    }

    /// Appends a record durably (fsync) before the caller acts on it.
    func append(_ record: Record) throws(CeremonyError) {
        if handle == nil {
            if !FileIO.exists(logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil, attributes: [.posixPermissions: 0o600]) }
            handle = FileHandle(forUpdatingAtPath: logPath)
            guard handle != nil else { throw .file(path: logPath, problem: "cannot open the ceremony log for writing") }
            _ = try? handle!.seekToEnd()
        }
        let (type, payload): (UInt8, [UInt8]) = switch record {
        case .received(let b): (1, b)
        case .advanced: (2, [])
        case let .custom(t, b): (t, b)
        }
        let n = UInt32(payload.count)
        let bytes = [type, UInt8(n >> 24), UInt8((n >> 16) & 0xff), UInt8((n >> 8) & 0xff), UInt8(n & 0xff)] + payload
        do {
            try handle!.write(contentsOf: Data(bytes))
            try handle!.synchronize()
        } catch { throw .file(path: logPath, problem: "cannot append to the ceremony log: \(error.localizedDescription)") }
    }

    /// Overwrites the seed and removes the state directory.
    func erase() {
        try? handle?.close()
        handle = nil
        if let size = try? FileManager.default.attributesOfItem(atPath: seedPath)[.size] as? Int,
           let h = FileHandle(forWritingAtPath: seedPath) {
            try? h.write(contentsOf: Data(repeating: 0, count: size))
            try? h.synchronize()
            try? h.close()
        }
        try? FileManager.default.removeItem(atPath: directory)
        // The parent `.vring-state` goes too once no other ceremony's state is left in it.
        let parent = (directory as NSString).deletingLastPathComponent
        if (try? FileManager.default.contentsOfDirectory(atPath: parent))?.isEmpty == true { try? FileManager.default.removeItem(atPath: parent) }
    }
}

/// An exclusive lock on a data directory, so two processes never run ceremonies in the same one.
final class DataDirLock {
    private let fd: Int32
    init(_ dataDir: String) throws(CeremonyError) {
        try FileIO.makeDirectory(dataDir, mode: 0o700)
        let path = "\(dataDir)/.lock"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .file(path: path, problem: "cannot open the data-dir lock") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw .file(path: dataDir, problem: "another vring process is using this data directory")
        }
    }
    deinit { flock(fd, LOCK_UN); close(fd) }
}

