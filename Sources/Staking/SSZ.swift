// SSZ hash_tree_root, the minimal part the validator needs, and the signing-domain helpers.
//
//   SSZ.merkleize(chunks, limit:)      SSZ.pack(bytes)        SSZ.mixInLength(root, length)
//   SSZ.root(uint64:)  SSZ.root(bytes:) (ByteVector[N] / BytesN)  SSZ.root(container: [fieldRoots])
//   SSZ.root(byteList:limit:)  SSZ.root(list:limit:) (list of composite roots)
//   Signing.computeDomain(_:forkVersion:genesisValidatorsRoot:)   Signing.computeSigningRoot(_:domain:)
//
// Spec: ethereum/consensus-specs `ssz/simple-serialize.md` § Merkleization and
// `specs/phase0/beacon-chain.md` § compute_fork_data_root / compute_domain / compute_signing_root.
// To add a container (attestation data, block header, …), hash each field with the helper for
// its type and pass the field roots, in declaration order, to `SSZ.root(container:)`.
// Everything here works on public data and is not constant time.

import Primitives

/// SSZ Merkleization (hash_tree_root) over SHA-256.
public enum SSZ {
    /// The size of a chunk, and of every root (32 bytes).
    public static let chunkSize = 32

    /// `zeroHashes[d]` is the root of a depth-`d` tree of zero chunks.
    static let zeroHashes: [[UInt8]] = {
        var hashes = [[UInt8](repeating: 0, count: chunkSize)]
        for _ in 0..<64 { hashes.append(hash(hashes.last!, hashes.last!)) }
        return hashes
    }()

    /// SHA-256(a ‖ b).
    public static func hash(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] { SHA256.hash(a + b) }

    /// `pack`: the bytes right-padded with zeros to whole 32-byte chunks (no chunk for no bytes).
    public static func pack(_ bytes: [UInt8]) -> [[UInt8]] {
        stride(from: 0, to: bytes.count, by: chunkSize).map { start in
            var chunk = Array(bytes[start..<min(start + chunkSize, bytes.count)])
            chunk += [UInt8](repeating: 0, count: chunkSize - chunk.count)
            return chunk
        }
    }

    /// `merkleize(chunks, limit)`: the root of the chunks padded with zero chunks to the next
    /// power of two of `limit` (or of the chunk count when `limit` is nil).
    ///
    /// - Precondition: every chunk is 32 bytes; `chunks.count <= limit`.
    public static func merkleize(_ chunks: [[UInt8]], limit: Int? = nil) -> [UInt8] {
        precondition(chunks.allSatisfy { $0.count == chunkSize }, "SSZ.merkleize: chunks must be 32 bytes")
        let width = limit ?? chunks.count
        precondition(chunks.count <= width, "SSZ.merkleize: more chunks than the limit")
        var depth = 0
        while (1 << depth) < width { depth += 1 }
        if chunks.isEmpty { return zeroHashes[depth] }
        var layer = chunks
        for level in 0..<depth {
            if layer.count % 2 == 1 { layer.append(zeroHashes[level]) }
            layer = stride(from: 0, to: layer.count, by: 2).map { hash(layer[$0], layer[$0 + 1]) }
        }
        return layer[0]
    }

    /// `mix_in_length(root, length)`: SHA-256(root ‖ uint256 little-endian length).
    public static func mixInLength(_ root: [UInt8], length: Int) -> [UInt8] {
        precondition(length >= 0)
        return hash(root, SSZ.root(uint64: UInt64(length)))
    }

    /// hash_tree_root of a `uint64`: its 8 little-endian bytes padded to a chunk.
    public static func root(uint64 value: UInt64) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) } + [UInt8](repeating: 0, count: chunkSize - 8)
    }

    /// hash_tree_root of a `ByteVector[N]` (`Bytes4`, `Bytes32`/`Root`, `Bytes48`, `Bytes96`, …).
    public static func root(bytes: [UInt8]) -> [UInt8] {
        merkleize(pack(bytes), limit: (bytes.count + chunkSize - 1) / chunkSize)
    }

    /// hash_tree_root of a `ByteList[limit]`.
    public static func root(byteList bytes: [UInt8], limit: Int) -> [UInt8] {
        precondition(bytes.count <= limit)
        return mixInLength(merkleize(pack(bytes), limit: (limit + chunkSize - 1) / chunkSize), length: bytes.count)
    }

    /// hash_tree_root of a `List[T, limit]` of composite elements, given the elements' roots.
    public static func root(list elementRoots: [[UInt8]], limit: Int) -> [UInt8] {
        mixInLength(merkleize(elementRoots, limit: limit), length: elementRoots.count)
    }

    /// hash_tree_root of a container, given its fields' roots in declaration order.
    public static func root(container fieldRoots: [[UInt8]]) -> [UInt8] { merkleize(fieldRoots) }
}

/// The domain types of the phase 0 and Capella specs (`DomainType`, 4 bytes).
public enum DomainType {
    public static let beaconProposer: [UInt8] = [0x00, 0, 0, 0]
    public static let beaconAttester: [UInt8] = [0x01, 0, 0, 0]
    public static let randao: [UInt8] = [0x02, 0, 0, 0]
    public static let deposit: [UInt8] = [0x03, 0, 0, 0]
    public static let voluntaryExit: [UInt8] = [0x04, 0, 0, 0]
    public static let selectionProof: [UInt8] = [0x05, 0, 0, 0]
    public static let aggregateAndProof: [UInt8] = [0x06, 0, 0, 0]
    public static let applicationBuilder: [UInt8] = [0x00, 0, 0, 0x01]
    public static let blsToExecutionChange: [UInt8] = [0x0a, 0, 0, 0]
}

/// `compute_domain` and `compute_signing_root` (phase 0 beacon chain spec).
public enum Signing {
    /// `compute_fork_data_root(current_version, genesis_validators_root)`.
    public static func computeForkDataRoot(forkVersion: [UInt8], genesisValidatorsRoot: [UInt8]) -> [UInt8] {
        precondition(forkVersion.count == 4 && genesisValidatorsRoot.count == 32)
        return SSZ.root(container: [SSZ.root(bytes: forkVersion), SSZ.root(bytes: genesisValidatorsRoot)])
    }

    /// `compute_domain(domain_type, fork_version, genesis_validators_root)`: the 4-byte domain
    /// type followed by the first 28 bytes of the fork data root.
    ///
    /// - Precondition: 4-byte domain type and fork version, 32-byte root (zero for deposits).
    public static func computeDomain(_ domainType: [UInt8], forkVersion: [UInt8], genesisValidatorsRoot: [UInt8]) -> [UInt8] {
        precondition(domainType.count == 4, "computeDomain: the domain type is 4 bytes")
        let forkDataRoot = computeForkDataRoot(forkVersion: forkVersion, genesisValidatorsRoot: genesisValidatorsRoot)
        return domainType + forkDataRoot.prefix(28)
    }

    /// `compute_signing_root(object_root, domain)`: hash_tree_root(SigningData(object_root, domain)).
    public static func computeSigningRoot(_ objectRoot: [UInt8], domain: [UInt8]) -> [UInt8] {
        precondition(objectRoot.count == 32 && domain.count == 32)
        return SSZ.root(container: [objectRoot, domain])
    }
}
