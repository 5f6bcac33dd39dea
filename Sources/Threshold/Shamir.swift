import BLS12381
import Primitives

/// Why a threshold operation was refused.
public enum ThresholdError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A member index must be between 1 and 2^32 - 1 (it is the evaluation point; 0 is the secret).
    case invalidMemberIndex(Int)
    /// 1 ≤ t ≤ n must hold.
    case invalidThreshold(threshold: Int, members: Int)
    /// The same member index appears twice.
    case duplicateMember(MemberIndex)
    /// Fewer than t valid partial signatures; names who sent invalid ones.
    case notEnoughValidPartials(needed: Int, valid: Int, invalid: [MemberIndex])
    /// A partial signature from a member whose public share is unknown.
    case unknownMember(MemberIndex)
    /// The combined signature did not verify under the group key (should not happen after
    /// per-partial checks; reported rather than returned).
    case combinedSignatureInvalid

    public var description: String {
        switch self {
        case .invalidMemberIndex(let i): return "member index \(i) is not in 1…\(UInt32.max)"
        case let .invalidThreshold(t, n): return "threshold \(t) of \(n) members: need 1 ≤ t ≤ n"
        case .duplicateMember(let i): return "member \(i) appears more than once"
        case let .notEnoughValidPartials(t, v, bad):
            let names = bad.isEmpty ? "" : "; invalid partials from member(s) " + bad.map(\.description).joined(separator: ", ")
            return "need \(t) valid partial signatures, have \(v)\(names)"
        case .unknownMember(let i): return "no public share is known for member \(i)"
        case .combinedSignatureInvalid: return "the combined signature does not verify under the group public key"
        }
    }
}

/// A member's index: non-zero, and exactly the point at which the sharing polynomial is
/// evaluated for that member (no hidden +1).
public struct MemberIndex: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    public let value: UInt32

    public init(_ value: Int) throws(ThresholdError) {
        guard value >= 1, value <= Int(UInt32.max) else { throw .invalidMemberIndex(value) }
        self.value = UInt32(value)
    }

    /// The evaluation point as a field element.
    public var scalar: Fr { Fr(UInt64(value)) }
    public var description: String { String(value) }
    public static func < (a: MemberIndex, b: MemberIndex) -> Bool { a.value < b.value }

    public init(from decoder: any Decoder) throws {
        let v = try decoder.singleValueContainer().decode(Int.self)
        self = try MemberIndex(v)
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(Int(value))
    }
}

/// A validated (t, n): 1 ≤ t ≤ n.
public struct ThresholdParameters: Sendable, Equatable {
    public let threshold: Int
    public let members: Int
    public init(threshold: Int, members: Int) throws(ThresholdError) {
        guard threshold >= 1, threshold <= members, members <= Int(UInt32.max) else {
            throw .invalidThreshold(threshold: threshold, members: members)
        }
        self.threshold = threshold
        self.members = members
    }
}

/// A member's secret share: its index and the polynomial's value there, in secure memory.
public struct SecretShare: ~Copyable, Sendable {
    public let index: MemberIndex
    public let key: SecretKey

    public init(index: MemberIndex, key: consuming SecretKey) {
        self.index = index
        self.key = key
    }

    /// The member's public share [s_i]G1.
    public var publicShare: PublicKey { key.publicKey }
}

/// Feldman commitments [a_0]G1, …, [a_{t-1}]G1 to a sharing polynomial. [a_0]G1 is the group key.
public struct FeldmanCommitment: Sendable, Equatable {
    public let coefficients: [G1Affine]

    public init(coefficients: [G1Affine]) { self.coefficients = coefficients }

    public var threshold: Int { coefficients.count }
    public var groupKey: G1Affine { coefficients[0] }

    /// Σ [i^k] C_k: the public share a member with index i must hold. Variable time (public).
    public func evaluate(at index: MemberIndex) -> G1Projective {
        var acc = G1Projective.infinity
        let x = index.scalar
        for c in coefficients.reversed() {
            acc = acc.multipliedVartime(by: x) + c
        }
        return acc
    }

    /// True when [share]G1 equals the commitment evaluated at the member's index.
    public func verify(share: borrowing SecretShare) -> Bool {
        G1Projective(share.publicShare.point) == evaluate(at: share.index)
    }

    /// Checks many public shares against the commitment at once. With random r_i it tests
    /// Σ r_i·P_i == Σ_k (Σ_i r_i·i^k)·C_k as one MSM of n + t points, where checking each share
    /// with `evaluate(at:)` costs n·t full scalar multiplications (minutes for 1000-of-1000).
    /// A set containing a wrong share passes with probability at most 1/r. Public data only:
    /// variable time. True for an empty list.
    /// - Parameters:
    ///   - publicShares: (index, [s_i]G1) pairs; an index may not appear twice.
    ///   - randomScalar: the source of the r_i (a parameter so tests can replay).
    public func verifyVartime(
        publicShares: [(index: MemberIndex, publicShare: PublicKey)],
        randomScalar: () -> Fr = { Fr.random() }
    ) -> Bool {
        if publicShares.isEmpty { return true }
        var points: [G1Affine] = []
        var scalars: [Fr] = []
        points.reserveCapacity(publicShares.count + coefficients.count)
        scalars.reserveCapacity(publicShares.count + coefficients.count)
        // e_k = Σ_i r_i·i^k, accumulated with one running power of i per share: n·t products in Fr.
        var combined = [Fr](repeating: .zero, count: coefficients.count)
        for (index, publicShare) in publicShares {
            let r = randomScalar()
            points.append(publicShare.point)
            scalars.append(r)
            let x = index.scalar
            var term = r
            for k in combined.indices {
                combined[k] = combined[k] + term
                term = term * x
            }
        }
        points.append(contentsOf: coefficients)
        scalars.append(contentsOf: combined.map { -$0 })
        return multiScalarMultiplyVartime(points: points, scalars: scalars).isInfinity
    }
}

/// Shamir secret sharing over Fr with Feldman commitments.
public enum Shamir {
    /// Splits `secret` into shares for members 1…n, any t of which reconstruct it: a random
    /// polynomial of degree t - 1 with constant term the secret. The coefficients exist only in
    /// this call; evaluation is constant time (Horner over Montgomery arithmetic). Shares are
    /// non-copyable, so they are handed to `receive` one at a time rather than in an array.
    public static func split(
        secret: borrowing SecretKey, parameters: ThresholdParameters,
        randomScalar: () -> Fr = { Fr.random() },
        receive: (consuming SecretShare) -> Void
    ) -> FeldmanCommitment {
        var coefficients = [Fr]()
        coefficients.reserveCapacity(parameters.threshold)
        coefficients.append(secret.withScalar { $0 })
        for _ in 1..<parameters.threshold { coefficients.append(randomScalar()) }
        defer { for i in coefficients.indices { coefficients[i] = .zero } }
        let g = G1Projective(G1Affine.generator)
        let commitment = FeldmanCommitment(coefficients: coefficients.map { g.multiplied(by: $0).affine })
        for i in 1...parameters.members {
            let index = try! MemberIndex(i)
            let x = index.scalar
            var y = Fr.zero
            for c in coefficients.reversed() { y = y * x + c }
            // A zero share happens with probability ~n/r; the secret key type refuses zero.
            let key = try! SecretKey(scalar: y)
            receive(SecretShare(index: index, key: key))
        }
        return commitment
    }
}

/// Lagrange interpolation at zero.
public enum Lagrange {
    /// λ_i = Π_{j≠i} x_j / (x_j - x_i) for each index, with one batched inversion. Public data.
    public static func coefficientsAtZero(_ indices: [MemberIndex]) throws(ThresholdError) -> [Fr] {
        var seen = Set<MemberIndex>()
        for i in indices { guard seen.insert(i).inserted else { throw .duplicateMember(i) } }
        let xs = indices.map(\.scalar)
        var numerators = [Fr](repeating: .one, count: xs.count)
        var denominators = [Fr](repeating: .one, count: xs.count)
        for i in xs.indices {
            for j in xs.indices where j != i {
                numerators[i] = numerators[i] * xs[j]
                denominators[i] = denominators[i] * (xs[j] - xs[i])
            }
        }
        let inv = Fr.batchInverseVartime(denominators)
        return zip(numerators, inv).map { $0 * $1 }
    }

    /// Reconstructs the secret scalar from t shares (tests and key migration checks only: the
    /// point of the ring is that nobody ever does this). Constant time in the share values.
    public static func interpolateAtZero(_ points: [(MemberIndex, Fr)]) throws(ThresholdError) -> Fr {
        let l = try coefficientsAtZero(points.map(\.0))
        var acc = Fr.zero
        for (k, p) in points.enumerated() { acc = acc + l[k] * p.1 }
        return acc
    }
}
