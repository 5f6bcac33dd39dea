import BLS12381
import Threshold

/// Why bytes or text from a message or transcript did not decode.
public enum EncodingProblem: Equatable, Sendable, CustomStringConvertible {
    /// Not hexadecimal.
    case notHex
    /// The wrong number of bytes.
    case wrongLength(expected: Int, actual: Int)
    /// A G1 point failed a check (length, flags, field, curve, subgroup).
    case point(PointDecodingError)
    /// The point at infinity where a proper group element is required (public keys).
    case identity
    /// A scalar encoding that is not below the group order r.
    case scalarNotCanonical
    /// A list with the wrong number of entries.
    case wrongCount(expected: Int, actual: Int)
    /// A member index outside 1…2^32 − 1.
    case invalidMemberIndex(Int)

    public var description: String {
        switch self {
        case .notHex: "not valid hex"
        case let .wrongLength(e, a): "expected \(e) bytes, got \(a)"
        case .point(let e): e.description
        case .identity: "the point at infinity is not allowed here"
        case .scalarNotCanonical: "scalar is not below the group order"
        case let .wrongCount(e, a): "expected \(e) entries, got \(a)"
        case .invalidMemberIndex(let i): "member index \(i) is not in 1…\(UInt32.max)"
        }
    }
}

/// Which check a ballot, mix, decryption or transcript failed.
public enum VerificationProblem: Error, Equatable, Sendable, CustomStringConvertible {
    /// The Ed25519 signature does not verify under the member's identity key.
    case signatureInvalid
    /// The Schnorr proof of knowledge of the encryption randomness does not verify (this is what
    /// catches a ballot copied from another voter: the proof is bound to the voter index).
    case proofOfKnowledgeInvalid
    /// The disjunctive Chaum–Pedersen proof that the ballot encrypts an option does not verify.
    case rangeProofInvalid
    /// The Fiat–Shamir challenge recomputed from the statement differs from the proof's.
    case challengeMismatch
    /// The challenge matches but the proof's verification equations do not hold.
    case equationsDoNotHold
    /// The signer is not an eligible member.
    case notAMember(MemberIndex)
    /// A member appears twice where once is allowed (two ballots, two mixes, two decryptions).
    case duplicateMember(MemberIndex)
    /// The ciphertext is identical to an earlier ballot's (a replayed ballot).
    case duplicateCiphertext(earlier: Int)
    /// A list of ciphertexts or partials has the wrong length.
    case wrongCount(expected: Int, actual: Int)
    /// Fewer mixes or decryptions than the threshold.
    case tooFew(needed: Int, actual: Int)
    /// A final ciphertext that decrypts to no option.
    case notAnOption(ciphertext: Int)
    /// The published tally differs from the decrypted one.
    case tallyMismatch
    /// The members' ballot public shares do not lie on one polynomial through the ballot key.
    case inconsistentPublicShares
    /// A point on the curve but outside G1 (it has a small-order component).
    case notInSubgroup
    /// Anything else, spelled out.
    case other(String)

    public var description: String {
        switch self {
        case .signatureInvalid: "signature invalid"
        case .proofOfKnowledgeInvalid: "proof of knowledge of the randomness invalid (not bound to this voter and question)"
        case .rangeProofInvalid: "proof that the ballot encrypts an option invalid"
        case .challengeMismatch: "challenge does not match"
        case .equationsDoNotHold: "verification equations do not hold"
        case .notAMember(let i): "member \(i) is not eligible"
        case .duplicateMember(let i): "member \(i) appears more than once"
        case .duplicateCiphertext(let k): "ciphertext identical to ballots[\(k)]"
        case let .wrongCount(e, a): "expected \(e) entries, got \(a)"
        case let .tooFew(n, a): "need at least \(n), got \(a)"
        case .notAnOption(let k): "ciphertext \(k) does not decrypt to an option"
        case .tallyMismatch: "does not match the decrypted ballots"
        case .inconsistentPublicShares: "ballot public shares do not interpolate to the ballot public key"
        case .notInSubgroup: "point is on the curve but not in G1 (it has a small-order component)"
        case .other(let s): s
        }
    }
}

/// Why a voting operation was refused or a verification failed. `path` names the place in the
/// transcript (`ballots[3]`, `mixes[1].proof`, `decryptions[0].partials[7]`).
public enum VotingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Bad parameters (threshold, options, votes, members).
    case invalidConfiguration(String)
    /// A field that does not decode (bad hex, length, point, scalar).
    case invalidEncoding(path: String, EncodingProblem)
    /// A transcript that is not JSON of the expected shape.
    case malformedTranscript(String)
    /// A check that does not hold.
    case verificationFailed(path: String, VerificationProblem)
    /// Fewer than t members online for a phase that needs t.
    case notEnoughOnline(phase: String, needed: Int, online: Int)

    public var description: String {
        switch self {
        case .invalidConfiguration(let s): s
        case let .invalidEncoding(path, p): "\(path): \(p)"
        case .malformedTranscript(let s): "transcript: \(s)"
        case let .verificationFailed(path, p): "\(path): \(p)"
        case let .notEnoughOnline(phase, n, o): "\(phase): need \(n) online members, only \(o) online"
        }
    }

    /// True for failed checks (exit status 1), false for unusable input (exit status 2).
    public var isVerificationFailure: Bool {
        switch self {
        case .verificationFailed, .invalidEncoding: true
        default: false
        }
    }
}
