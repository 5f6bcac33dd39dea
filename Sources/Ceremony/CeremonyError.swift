import Foundation

/// Why a ceremony command could not do its job. Every message names the file, member or phase
/// involved and says what to do; none contains secret bytes.
public enum CeremonyError: Error, Sendable, CustomStringConvertible {
    /// A file could not be read, parsed or written.
    case file(path: String, problem: String)
    /// An identity record (`vring:…`) is malformed or its self-signature does not verify.
    case invalidRecord(String)
    /// A definition, lock or report is inconsistent.
    case invalidDefinition(String)
    case invalidLock(String)
    /// An approval or lock signature is missing or does not verify.
    case notApproved(String)
    /// The identity given is not a member of this pool.
    case notAMember(String)
    /// The keystore password is wrong (the checksum did not match).
    case wrongPassword(path: String)
    /// A member did not answer in time; `phase` says where.
    case timeout(phase: String, waitingFor: [String])
    /// The ceremony cannot finish: too few members or valid contributions remain.
    case failed(phase: String, reason: String)
    /// A transport-level problem (bind failed, peer refused).
    case transport(String)
    /// A command-line value is malformed.
    case invalidArgument(name: String, problem: String)

    public var description: String {
        switch self {
        case let .file(path, problem): "\(path): \(problem)"
        case .invalidRecord(let why): "invalid identity record: \(why)"
        case .invalidDefinition(let why): "invalid pool definition: \(why)"
        case .invalidLock(let why): "invalid lock file: \(why)"
        case .notApproved(let why): "definition not approved: \(why)"
        case .notAMember(let why): why
        case .wrongPassword(let path): "\(path): wrong password (the keystore checksum does not match); check --password-file"
        case let .timeout(phase, waiting): "\(phase): timed out waiting for \(waiting.joined(separator: ", "))"
        case let .failed(phase, reason): "\(phase) failed: \(reason)"
        case .transport(let why): "network: \(why)"
        case let .invalidArgument(name, problem): "\(name): \(problem)"
        }
    }
}
