import BLS12381
import Primitives

// The one implementation of every `vring bls` operation. The subcommands and `batch` only build
// a `BLSOperation` from their input and render its `BLSResult`, so the two cannot drift apart.

/// A BLS operation with its inputs still as text (hex, or a DST string), exactly as given.
enum BLSOperation {
    case keygen(ikm: String?)
    case pubkey(secretKey: String)
    case sign(secretKey: String, message: String)
    case verify(publicKey: String, message: String, signature: String)
    case aggregate(signatures: [String])
    case fastAggregateVerify(publicKeys: [String], message: String, signature: String)
    case aggregateVerify(publicKeys: [String], messages: [String], signature: String)
    case popProve(secretKey: String)
    case popVerify(publicKey: String, proof: String)
    case hashToCurve(group: String, message: String, dst: String?, dstHex: String?, encode: Bool)

    /// The names shared by the subcommands and the `op` field of `batch`.
    enum Name: String, CaseIterable {
        case keygen, pubkey, sign, verify, aggregate
        case fastAggregateVerify = "fast-aggregate-verify"
        case aggregateVerify = "aggregate-verify"
        case popProve = "pop-prove"
        case popVerify = "pop-verify"
        case hashToCurve = "hash-to-curve"
    }

    /// Runs the operation. A verification that does not hold is a result, not an error.
    /// - Throws: `BLSInputError` naming the argument that is malformed or invalid.
    func run() throws(BLSInputError) -> BLSResult {
        switch self {
        case .keygen(let ikmHex):
            let key: SecretKey
            if let ikmHex {
                var ikm = try Input.bytes(ikmHex, .ikm)
                defer { ikm.withUnsafeMutableBytes { secureZero($0) } }
                do { key = try SecretKey.generate(ikm: ikm) } catch { throw BLSInputError(.ikm, Input.reason(error)) }
            } else {
                key = SecretKey.random()
            }
            return .keyPair(secretKeyHex: key.revealHex(), publicKey: key.publicKey.compressed)

        case .pubkey(let secretKeyHex):
            let key = try Input.secretKey(secretKeyHex)
            return .publicKey(key.publicKey.compressed)

        case .sign(let secretKeyHex, let messageHex):
            let key = try Input.secretKey(secretKeyHex)
            let message = try Input.bytes(messageHex, .message)
            return .signature(key.sign(message).compressed)

        case .verify(let publicKeyHex, let messageHex, let signatureHex):
            let publicKey = try Input.publicKey(publicKeyHex, .publicKey)
            let message = try Input.bytes(messageHex, .message)
            let signature = try Input.signature(signatureHex, .signature)
            return .validity(BLS.verify(publicKey: publicKey, message: message, signature: signature))

        case .aggregate(let signatureHexes):
            guard !signatureHexes.isEmpty else { throw BLSInputError(.signatures, "at least one signature is required") }
            let signatures = try Self.list(signatureHexes, .signatures, Input.signature)
            do { return .signature(try Signature.aggregate(signatures).compressed) } catch {
                throw BLSInputError(.signatures, Input.reason(error))
            }

        case .fastAggregateVerify(let publicKeyHexes, let messageHex, let signatureHex):
            guard !publicKeyHexes.isEmpty else { throw BLSInputError(.publicKeys, "at least one public key is required") }
            let publicKeys = try Self.list(publicKeyHexes, .publicKeys, Input.publicKey)
            let message = try Input.bytes(messageHex, .message)
            let signature = try Input.signature(signatureHex, .signature)
            return .validity(BLS.fastAggregateVerify(publicKeys: publicKeys, message: message, signature: signature))

        case .aggregateVerify(let publicKeyHexes, let messageHexes, let signatureHex):
            guard !publicKeyHexes.isEmpty else { throw BLSInputError(.publicKeys, "at least one public key is required") }
            guard publicKeyHexes.count == messageHexes.count else {
                throw BLSInputError(nil, "\(publicKeyHexes.count) public key(s) but \(messageHexes.count) message(s); they pair up in order")
            }
            let publicKeys = try Self.list(publicKeyHexes, .publicKeys, Input.publicKey)
            let messages = try Self.list(messageHexes, .messages, Input.bytes)
            let signature = try Input.signature(signatureHex, .signature)
            return .validity(BLS.aggregateVerify(publicKeys: publicKeys, messages: messages, signature: signature))

        case .popProve(let secretKeyHex):
            let key = try Input.secretKey(secretKeyHex)
            return .proof(key.proveProofOfPossession().compressed)

        case .popVerify(let publicKeyHex, let proofHex):
            let publicKey = try Input.publicKey(publicKeyHex, .publicKey)
            let proof = try Input.signature(proofHex, .proof)
            return .validity(BLS.verifyProofOfPossession(publicKey: publicKey, proof: proof))

        case .hashToCurve(let groupName, let messageHex, let dstText, let dstHex, let encode):
            let dst: [UInt8]
            let dstArgument: BLSArgument
            switch (dstText, dstHex) {
            case (let text?, nil): dst = Array(text.utf8); dstArgument = .dst
            case (nil, let hex?): dst = try Input.bytes(hex, .dstHex); dstArgument = .dstHex
            default: throw BLSInputError(nil, "give exactly one of \(BLSArgument.dst.flag) and \(BLSArgument.dstHex.flag)")
            }
            let message = try Input.bytes(messageHex, .message)
            let group = groupName.lowercased()
            guard group == "g1" || group == "g2" else { throw BLSInputError(.group, "expected g1 or g2") }
            do throws(HashToCurveError) {
                if group == "g1" {
                    let p = encode ? try G1Projective.encodeToCurve(message, dst: dst) : try G1Projective.hashToCurve(message, dst: dst)
                    return .point(p.affineVartime.compressed())
                } else {
                    let p = encode ? try G2Projective.encodeToCurve(message, dst: dst) : try G2Projective.hashToCurve(message, dst: dst)
                    return .point(p.affineVartime.compressed())
                }
            } catch {
                switch error {
                case .emptyDST: throw BLSInputError(dstArgument, "must not be empty")
                default: throw BLSInputError(dstArgument, error.description)
                }
            }
        }
    }

    /// Parses every element of a list argument, reporting the position of a bad one.
    private static func list<T>(
        _ texts: [String], _ argument: BLSArgument,
        _ parse: (String, BLSArgument, (Int, Int)?) throws(BLSInputError) -> T
    ) throws(BLSInputError) -> [T] {
        var out: [T] = []
        out.reserveCapacity(texts.count)
        for (i, text) in texts.enumerated() { out.append(try parse(text, argument, (i + 1, texts.count))) }
        return out
    }
}

/// What an operation produced: the fields of its `--json` object, its plain text, its exit status.
enum BLSResult {
    case keyPair(secretKeyHex: String, publicKey: [UInt8])
    case publicKey([UInt8])
    case signature([UInt8])
    case proof([UInt8])
    case point([UInt8])
    case validity(Bool)

    /// The `--json` object (and, with `"ok": true`, the `batch` result).
    var fields: [String: Any] {
        switch self {
        case let .keyPair(sk, pk): ["secret_key": sk, "public_key": Hex.encode(pk)]
        case .publicKey(let pk): ["public_key": Hex.encode(pk)]
        case .signature(let s): ["signature": Hex.encode(s)]
        case .proof(let p): ["proof": Hex.encode(p)]
        case .point(let p): ["point": Hex.encode(p)]
        case .validity(let v): ["valid": v]
        }
    }

    /// Plain text: a bare value, `valid`/`invalid`, or labelled lines for several values.
    var plainText: String {
        switch self {
        case let .keyPair(sk, pk): "secret_key: \(sk)\npublic_key: \(Hex.encode(pk))"
        case .publicKey(let b), .signature(let b), .proof(let b), .point(let b): Hex.encode(b)
        case .validity(let v): v ? "valid" : "invalid"
        }
    }

    var exitStatus: Int32 {
        if case .validity(false) = self { return ExitStatus.verificationFailed }
        return ExitStatus.success
    }
}
