import BLS12381
import Primitives
import Threshold

// The one implementation of every `vring threshold` operation; the subcommands only build a
// `ThresholdOperation` from their flags and render its `ThresholdResult` (as `BLSOperation`).

/// A threshold operation with its inputs still as text, exactly as given.
enum ThresholdOperation {
    case split(secretKey: String, threshold: Int, members: Int)
    case sign(share: String, message: String)
    case verifyPartial(publicShare: String, message: String, partial: String)
    /// `partials` and `publicShares` are `INDEX:HEX`.
    case combine(threshold: Int, partials: [String], groupPublicKey: String?, message: String?, publicShares: [String])

    /// The largest ring `split` deals: enough for any validator cluster, small enough that a
    /// mistyped count fails at once instead of computing for minutes.
    static let maximumMembers = 1000

    /// Runs the operation. A verification that does not hold is a result, not an error.
    /// - Throws: `BLSInputError` naming the argument that is malformed or invalid.
    func run() throws(BLSInputError) -> ThresholdResult {
        switch self {
        case let .split(secretKeyHex, threshold, members):
            let secret = try Input.secretKey(secretKeyHex)
            guard members >= 1 else { throw BLSInputError(.members, "must be at least 1, got \(members)") }
            guard members <= Self.maximumMembers else {
                throw BLSInputError(.members, "at most \(Self.maximumMembers) members are supported, got \(members)")
            }
            guard threshold >= 1, threshold <= members else {
                throw BLSInputError(.threshold, "must be between 1 and the number of members (\(members)), got \(threshold)")
            }
            let parameters: ThresholdParameters
            do { parameters = try ThresholdParameters(threshold: threshold, members: members) } catch {
                throw BLSInputError(.threshold, error.description)
            }
            var rows: [ThresholdResult.Member] = []
            rows.reserveCapacity(members)
            let commitment = Shamir.split(secret: secret, parameters: parameters) { share in
                rows.append(.init(index: share.index, publicShare: share.publicShare, secretShareHex: share.key.revealHex()))
            }
            // Nothing is printed unless every share matches the commitment and the commitment
            // matches the key: a failure here is a bug, reported rather than handed out.
            guard commitment.groupKey == secret.publicKey.point,
                  commitment.verifyVartime(publicShares: rows.map { ($0.index, $0.publicShare) })
            else {
                throw BLSInputError(nil, "internal: the shares do not match their Feldman commitment; nothing was printed")
            }
            return .split(groupPublicKey: secret.publicKey.compressed, threshold: threshold, members: rows)

        case let .sign(shareHex, messageHex):
            // A share is a secret key of the group's sharing polynomial; its partial signature
            // [s_i]·H(m) is a BLS signature by that key (ThresholdSignature.partialSign).
            let share = try Input.secretKey(shareHex, .share)
            let message = try Input.bytes(messageHex, .message)
            return .partial(share.sign(message).compressed)

        case let .verifyPartial(publicShareHex, messageHex, partialHex):
            let publicShare = try Input.publicKey(publicShareHex, .publicShare)
            let message = try Input.bytes(messageHex, .message)
            let partial = try Input.signature(partialHex, .partial)
            return .validity(ThresholdSignature.verifyPartial(publicShare: publicShare, message: message, partial: partial))

        case let .combine(threshold, partialTexts, groupKeyHex, messageHex, publicShareTexts):
            guard threshold >= 1 else { throw BLSInputError(.threshold, "must be at least 1, got \(threshold)") }
            let partials = try Self.indexed(partialTexts, .partials, Input.signature)
                .map { PartialSignature(index: $0.index, signature: $0.value) }
            guard partials.count >= threshold else {
                throw BLSInputError(.partials, "need \(threshold) partial signatures (INDEX:HEX), got \(partials.count)")
            }
            switch (groupKeyHex, messageHex) {
            case (nil, nil):
                guard publicShareTexts.isEmpty else {
                    throw BLSInputError(.publicShares, "checking the partials needs --group-public-key and --message too")
                }
                return .combined(signature: try Self.combine(partials, threshold), check: .none)
            case (nil, _?):
                throw BLSInputError(.groupPublicKey, "required with --message (to verify the result)")
            case (_?, nil):
                throw BLSInputError(.message, "required with --group-public-key")
            case let (groupKeyHex?, messageHex?):
                let groupKey = try Input.publicKey(groupKeyHex, .groupPublicKey)
                let message = try Input.bytes(messageHex, .message)
                if publicShareTexts.isEmpty {
                    let signature = try Self.combine(partials, threshold)
                    let valid = BLS.verify(publicKey: groupKey, message: message, signature: signature)
                    return .combined(signature: signature, check: .groupKey(valid: valid))
                }
                let publicShares = Dictionary(uniqueKeysWithValues: try Self.indexed(publicShareTexts, .publicShares, Input.publicKey))
                for p in partials where publicShares[p.index] == nil {
                    throw BLSInputError(.publicShares, "none given for member \(p.index), which sent a partial signature")
                }
                do throws(ThresholdError) {
                    let result = try ThresholdSignature.combineRobust(
                        partials, threshold: threshold, groupPublicKey: groupKey, publicShares: publicShares, message: message)
                    return .combined(signature: result.signature, check: .partials(invalid: result.invalid))
                } catch {
                    switch error {
                    case .notEnoughValidPartials: throw BLSInputError(.partials, error.description)
                    case .combinedSignatureInvalid:
                        throw BLSInputError(.groupPublicKey, "the partials verify under their public shares, but the combined "
                                            + "signature does not verify under this key (shares of another key?)")
                    default: throw BLSInputError(nil, error.description)
                    }
                }
            }
        }
    }

    /// Combines exactly the given (already distinct, at least t) partials without checking them.
    private static func combine(_ partials: [PartialSignature], _ threshold: Int) throws(BLSInputError) -> Signature {
        do { return try ThresholdSignature.combine(partials, threshold: threshold) } catch {
            throw BLSInputError(.partials, error.description)
        }
    }

    /// Parses `INDEX:HEX` values: a decimal member index ≥ 1, a colon, then hex decoded by
    /// `parse`. Every failure names the flag and, for several values, the position.
    /// - Throws: `BLSInputError` for a malformed value or an index given twice.
    static func indexed<T>(
        _ texts: [String], _ argument: BLSArgument,
        _ parse: (String, BLSArgument, (Int, Int)?) throws(BLSInputError) -> T
    ) throws(BLSInputError) -> [(index: MemberIndex, value: T)] {
        var out: [(index: MemberIndex, value: T)] = []
        var seen = Set<MemberIndex>()
        for (i, text) in texts.enumerated() {
            let position = (i + 1, texts.count)
            guard let colon = text.firstIndex(of: ":") else {
                throw BLSInputError(argument, "expected INDEX:HEX, e.g. 1:a0b1…", position: position)
            }
            let digits = text[..<colon]
            guard !digits.isEmpty, digits.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
                throw BLSInputError(argument, "expected INDEX:HEX with a decimal member index before the colon", position: position)
            }
            guard let number = Int(digits), let index = try? MemberIndex(number) else {
                let shown = digits.count > 12 ? digits.prefix(12) + "…" : digits
                throw BLSInputError(argument, "member index \(shown) is not in 1…\(UInt32.max)", position: position)
            }
            guard seen.insert(index).inserted else {
                throw BLSInputError(argument, ThresholdError.duplicateMember(index).description, position: position)
            }
            out.append((index, try parse(String(text[text.index(after: colon)...]), argument, position)))
        }
        return out
    }
}

/// What a threshold operation produced: its `--json` fields, plain text, warnings, exit status.
enum ThresholdResult {
    /// One member's row of a split. The secret share is already hex: printing it is the point.
    struct Member {
        let index: MemberIndex
        let publicShare: PublicKey
        let secretShareHex: String
    }

    /// What `combine` checked.
    enum Check {
        /// Nothing: the partials were combined as given.
        case none
        /// Each partial against its member's public share; these members' partials failed.
        case partials(invalid: [MemberIndex])
        /// Only the combined signature, under the group public key.
        case groupKey(valid: Bool)
    }

    case split(groupPublicKey: [UInt8], threshold: Int, members: [Member])
    case partial([UInt8])
    case validity(Bool)
    case combined(signature: Signature, check: Check)

    var fields: [String: Any] {
        switch self {
        case let .split(groupKey, threshold, members):
            [
                "group_public_key": Hex.encode(groupKey), "threshold": threshold,
                "members": members.map {
                    ["index": Int($0.index.value), "public_share": Hex.encode($0.publicShare.compressed),
                     "secret_share": $0.secretShareHex] as [String: Any]
                },
            ]
        case .partial(let p): ["partial": Hex.encode(p)]
        case .validity(let v): ["valid": v]
        case let .combined(signature, check):
            switch check {
            case .none: ["signature": Hex.encode(signature.compressed)]
            case .partials(let invalid): ["signature": Hex.encode(signature.compressed), "invalid": invalid.map { Int($0.value) }]
            case .groupKey(let valid): ["signature": Hex.encode(signature.compressed), "valid": valid]
            }
        }
    }

    var plainText: String {
        switch self {
        case let .split(groupKey, threshold, members):
            let width = max(5, String(members.count).count)
            func pad(_ s: String, right: Bool = false) -> String {
                let fill = String(repeating: " ", count: max(0, width - s.count))
                return right ? fill + s : s + fill
            }
            var lines = [
                "group public key: \(Hex.encode(groupKey))",
                "threshold:        \(threshold) of \(members.count) (every share checked against the Feldman commitment)",
                "",
                pad("index") + "  " + "public share".padding(toLength: 96, withPad: " ", startingAt: 0) + "  secret share",
            ]
            for m in members {
                lines.append(pad(m.index.description, right: true) + "  " + Hex.encode(m.publicShare.compressed) + "  " + m.secretShareHex)
            }
            return lines.joined(separator: "\n")
        case .partial(let p): return Hex.encode(p)
        case .validity(let v): return v ? "valid" : "invalid"
        case let .combined(signature, check):
            if case .groupKey(false) = check { return "invalid" }
            return Hex.encode(signature.compressed)
        }
    }

    /// Lines for standard error that accompany a successful result.
    var warnings: [String] {
        guard case .combined(_, .partials(let invalid)) = self else { return [] }
        return invalid.map { "invalid partial signature from member \($0)" }
    }

    var exitStatus: Int32 {
        switch self {
        case .validity(false), .combined(_, .groupKey(valid: false)): ExitStatus.verificationFailed
        default: ExitStatus.success
        }
    }
}
