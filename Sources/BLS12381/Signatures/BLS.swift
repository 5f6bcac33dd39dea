import Primitives

/// A validated BLS public key: a G1 point on the curve, in the subgroup, not the identity
/// (KeyValidate of draft-irtf-cfrg-bls-signature-05 §2.5).
public struct PublicKey: Sendable, Equatable, Hashable, CustomStringConvertible {
    public let point: G1Affine

    package init(unchecked point: G1Affine) { self.point = point }

    /// Decodes 48 compressed (or 96 uncompressed) bytes and runs KeyValidate.
    public init(bytes: [UInt8]) throws(BLSError) {
        let p: G1Affine
        do { p = try G1Affine(decoding: bytes) } catch { throw .invalidPublicKey(error) }
        guard !p.isInfinity else { throw .invalidPublicKey(.infinityNotAllowed(group: "G1")) }
        point = p
    }

    /// A key from a point (validated like a decoded one).
    public init(point: G1Affine) throws(BLSError) {
        guard point.isOnCurve else { throw .invalidPublicKey(.notOnCurve(group: "G1")) }
        guard !point.isInfinity else { throw .invalidPublicKey(.infinityNotAllowed(group: "G1")) }
        guard point.isInSubgroup else { throw .invalidPublicKey(.notInSubgroup(group: "G1")) }
        self.point = point
    }

    public var compressed: [UInt8] { point.compressed() }
    public var description: String { Hex.encode(compressed) }
    public func hash(into h: inout Hasher) { h.combine(compressed) }

    /// The sum of the keys (for FastAggregateVerify); throws on an empty list.
    public static func aggregate(_ keys: [PublicKey]) throws(BLSError) -> G1Affine {
        guard !keys.isEmpty else { throw .emptyInput("aggregate public keys") }
        var acc = G1Projective.infinity
        for k in keys { acc = acc + k.point }
        return acc.affineVartime
    }
}

/// A BLS signature: a G2 point on the curve and in the subgroup (the identity decodes, and then
/// never verifies against a valid key).
public struct Signature: Sendable, Equatable, CustomStringConvertible {
    public let point: G2Affine

    package init(unchecked point: G2Affine) { self.point = point }

    /// Decodes 96 compressed (or 192 uncompressed) bytes with the subgroup check.
    public init(bytes: [UInt8]) throws(BLSError) {
        do { point = try G2Affine(decoding: bytes) } catch { throw .invalidSignature(error) }
    }

    public var compressed: [UInt8] { point.compressed() }
    public var description: String { Hex.encode(compressed) }

    /// Aggregate (draft-05 §2.8): the sum; throws on an empty list.
    public static func aggregate(_ signatures: [Signature]) throws(BLSError) -> Signature {
        guard !signatures.isEmpty else { throw .emptyInput("aggregate signatures") }
        var acc = G2Projective.infinity
        for s in signatures { acc = acc + s.point }
        return Signature(unchecked: acc.affineVartime)
    }
}

/// The Ethereum BLS ciphersuite BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_ (draft-05 §4.2.3).
public enum BLS {
    @inline(__always)
    static func hashMessage(_ message: [UInt8], dst: [UInt8]) -> G2Affine {
        try! G2Projective.hashToCurve(message, dst: dst).affineVartime
    }

    static var negG1: G1Affine { -G1Affine.generator }

    /// CoreVerify: e(pk, H(m)) == e(G1, σ).
    public static func verify(publicKey: PublicKey, message: [UInt8], signature: Signature, dst: [UInt8] = Ciphersuite.signatureDST) -> Bool {
        let h = hashMessage(message, dst: dst)
        return pairingCheck([(publicKey.point, h), (negG1, signature.point)])
    }

    /// AggregateVerify for the proof-of-possession scheme (CoreAggregateVerify, §2.9): no
    /// distinctness requirement on the messages. False on empty or mismatched lists.
    public static func aggregateVerify(publicKeys: [PublicKey], messages: [[UInt8]], signature: Signature) -> Bool {
        guard !publicKeys.isEmpty, publicKeys.count == messages.count else { return false }
        var pairs: [(G1Affine, G2Affine)] = []
        pairs.reserveCapacity(publicKeys.count + 1)
        for (pk, m) in zip(publicKeys, messages) { pairs.append((pk.point, hashMessage(m, dst: Ciphersuite.signatureDST))) }
        pairs.append((negG1, signature.point))
        return pairingCheck(pairs)
    }

    /// FastAggregateVerify (§3.3.4): all keys signed the same message. False on an empty list.
    public static func fastAggregateVerify(publicKeys: [PublicKey], message: [UInt8], signature: Signature) -> Bool {
        guard let agg = try? PublicKey.aggregate(publicKeys) else { return false }
        // The sum of valid keys may be the identity; that never verifies.
        if agg.isInfinity { return false }
        return verify(publicKey: PublicKey(unchecked: agg), message: message, signature: signature)
    }

    /// PopVerify (§3.3.3).
    public static func verifyProofOfPossession(publicKey: PublicKey, proof: Signature) -> Bool {
        verify(publicKey: publicKey, message: publicKey.compressed, signature: proof, dst: Ciphersuite.popDST)
    }

    /// Verifies many (public key, message, signature) triples at once: with random 64-bit r_i,
    /// checks e(-G1, Σ r_i σ_i) · ∏ e([r_i] pk_i, H(m_i)) = 1 in one multi-pairing. A batch with
    /// any invalid triple fails except with probability 2^-64. False on empty or mismatched input.
    public static func batchVerify(
        publicKeys: [PublicKey], messages: [[UInt8]], signatures: [Signature],
        randomness: () -> UInt64 = { SystemRandom.uint64() }
    ) -> Bool {
        let n = publicKeys.count
        guard n > 0, messages.count == n, signatures.count == n else { return false }
        var sigAcc = G2Projective.infinity
        // Keys of signatures over the same message are summed first (Σ rᵢ·pkᵢ), so a batch of
        // partial signatures over one message costs one hash and two Miller loops.
        var scaledKeys: [G1Projective] = []
        var slot: [[UInt8]: Int] = [:]
        var distinct: [[UInt8]] = []
        for i in 0..<n {
            var r = randomness()
            if r == 0 { r = 1 }
            sigAcc = sigAcc + G2Projective(signatures[i].point).multipliedVartime(by: r)
            let key = G1Projective(publicKeys[i].point).multipliedVartime(by: r)
            if let k = slot[messages[i]] {
                scaledKeys[k] = scaledKeys[k] + key
            } else {
                slot[messages[i]] = scaledKeys.count
                scaledKeys.append(key)
                distinct.append(messages[i])
            }
        }
        let keys = batchNormalizeVartime(scaledKeys)
        var pairs: [(G1Affine, G2Affine)] = []
        for (k, message) in distinct.enumerated() { pairs.append((keys[k], hashMessage(message, dst: Ciphersuite.signatureDST))) }
        pairs.append((negG1, sigAcc.affineVartime))
        return pairingCheck(pairs)
    }
}
