import BLS12381
import DKG
import Foundation
import Primitives
import Staking
import Threshold

// `vring pool sign` and `vring pool exit`: at least t members each decrypt their share of one
// validator, post a partial signature, verify the others' against the lock's public shares
// (naming invalid ones), combine t valid ones, verify the result under the validator key, and
// print it. The session binds the lock, the validator and the exact message, so partials of
// another request (or an earlier ceremony) are refused.

/// A threshold signature made by the pool.
public struct PoolSignature: Sendable {
    public let validatorPublicKey: PublicKey
    public let message: [UInt8]
    public let signature: Signature
}

extension PoolCeremony {
    /// Loads a member's share of `validator` from its keystore and checks it against the lock
    /// (the keystore's key must be this member's public share at the lock's epoch).
    static func loadShare(lock: PoolLock, member: PoolMember, dataDir: String, password: String, validator: Int,
                          ballot: Bool = false) throws(CeremonyError) -> SecretShare {
        let path = "\(dataDir)/\(ballot ? PoolFiles.ballotKeystore : PoolFiles.keystore(validator))"
        let json = try FileIO.read(path)
        let key: SecretKey
        do { key = try Keystore.decryptSecretKey(json: json, password: password) } catch {
            if case .wrongPassword = error { throw .wrongPassword(path: path) }
            throw .file(path: path, problem: error.description)
        }
        let expected: PublicKey
        if ballot {
            guard let k = lock.members.firstIndex(where: { $0.index == member.index }) else { throw .notAMember("not in the lock") }
            expected = try parsePublicKey(lock.ballot.publicShares[k], what: "ballot.public_shares[\(k)]")
        } else {
            expected = try lock.publicShare(validator: validator, member: member.index)
        }
        guard key.publicKey == expected else {
            throw .file(path: path, problem: "this keystore is not \(member.label)'s share at epoch \(lock.epoch) (an old epoch's share, or another pool's); refusing to sign")
        }
        return SecretShare(index: try! MemberIndex(member.index), key: key)
    }

    /// A member's share of a validator for the signing node (checked against the lock like
    /// `pool sign` does).
    public static func loadShareForNode(lock: PoolLock, member: PoolMember, dataDir: String, password: String,
                                        validator: Int) throws(CeremonyError) -> SecretShare {
        try loadShare(lock: lock, member: member, dataDir: dataDir, password: password, validator: validator)
    }

    /// The signing nodes' session and network id for a lock.
    public static func nodeSession(_ lockHash: [UInt8]) -> [UInt8] { session("node", lockHash) }
    public static func nodeNetworkID(_ lockHash: [UInt8]) -> [UInt8] { session("node/network", lockHash) }

    /// Threshold-signs `message` with validator `validator`'s key.
    public static func sign(lockPath: String, identityPath: String, dataDir: String, passwordFile: String, validator: Int,
                            message: [UInt8], purpose: String = "sign", listen: String? = nil,
                            log: @escaping ProgressLog, link makeLink: LinkFactory) async throws(CeremonyError) -> PoolSignature {
        let lock = try PoolLock.load(lockPath)
        let identity = try IdentityDirectory.load(identityPath)
        let me = try lock.member(for: identity)
        let password = try FileIO.readPassword(passwordFile)
        let groupKey = try lock.groupKey(validator)
        let share = try loadShare(lock: lock, member: me, dataDir: dataDir, password: password, validator: validator)
        let lockHash = Hex.decode(lock.lockHash)!
        var v = ByteWriter(); v.u32(UInt32(validator))
        let session = Self.session(purpose, lockHash, v.bytes, message)
        let link = try await makeLink(LinkSetup(networkID: Self.session("\(purpose)/network", lockHash, v.bytes, message), me: me.index,
                                                members: lock.members, listen: listen), try identity.signingKeyCopy())
        let driver = CeremonyDriver(session: session, epoch: lock.epoch, me: me.index, members: lock.members,
                                    signingKey: try identity.signingKeyCopy(), link: link, log: log)
        log("\(me.label): \(purpose) with validator \(validator) (\(lock.threshold)-of-\(lock.members.count), epoch \(lock.epoch))")
        var shares: [Int: PublicKey] = [:]
        for m in lock.members { shares[m.index] = try lock.publicShare(validator: validator, member: m.index) }
        let phase = TimeInterval(lock.timeouts.phaseSeconds + lock.timeouts.connectSeconds)
        let result: [Signature]
        do {
            result = try await collectThresholdSignatures(
                driver: driver, messages: [message], threshold: lock.threshold, groupKeys: [groupKey],
                publicShare: { _, m in shares[m]! }, expected: Set(lock.members.map(\.index)), phaseSeconds: phase,
                what: "partial signatures", sign: { _ in ThresholdSignature.partialSign(share: share, message: message).signature })
        } catch {
            await driver.close()
            throw error
        }
        let signers = Set(driver.backlog(.partialSignatures).map { Int($0.sender) }).union([me.index])
        await linger(driver: driver, expected: signers, phaseSeconds: TimeInterval(lock.timeouts.phaseSeconds))
        await driver.close()
        return PoolSignature(validatorPublicKey: groupKey, message: message, signature: result[0])
    }

    /// A threshold-signed voluntary exit (EIP-7044 domain for the lock's network).
    public static func exit(lockPath: String, identityPath: String, dataDir: String, passwordFile: String, validator: Int,
                            validatorIndex: UInt64, epoch: UInt64, listen: String? = nil,
                            log: @escaping ProgressLog, link makeLink: LinkFactory) async throws(CeremonyError) -> SignedVoluntaryExit {
        let lock = try PoolLock.load(lockPath)
        guard let network = Network.named(lock.network) else { throw .invalidLock("unknown network \(lock.network)") }
        let exit = VoluntaryExit(epoch: epoch, validatorIndex: validatorIndex)
        let signed = try await sign(lockPath: lockPath, identityPath: identityPath, dataDir: dataDir, passwordFile: passwordFile,
                                    validator: validator, message: exit.signingRoot(network: network), purpose: "exit",
                                    listen: listen, log: log, link: makeLink)
        let result = SignedVoluntaryExit(message: exit, signature: signed.signature)
        guard result.verify(publicKey: signed.validatorPublicKey, network: network) else {
            throw .failed(phase: "exit", reason: "the combined exit signature does not verify")
        }
        return result
    }
}
