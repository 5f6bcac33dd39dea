import Primitives
import Testing

@Suite struct SecureBytesTests {
    @Test func zeroFilledAndCount() {
        let secret = SecureBytes(count: 48)
        #expect(secret.count == 48)
        let allZero = secret.withUnsafeBytes { $0.allSatisfy { $0 == 0 } }
        #expect(allZero)
        let empty = SecureBytes(count: 0)
        #expect(empty.count == 0)
        #expect(exposed(empty).isEmpty)
    }

    @Test func copyingRoundTrip() {
        let source: [UInt8] = Array(0..<100)
        let secret = SecureBytes(copying: source)
        #expect(secret.count == 100)
        #expect(exposed(secret) == source)
        let fromSlice = SecureBytes(copying: source[10..<20])
        #expect(exposed(fromSlice) == Array(10..<20))
    }

    @Test func mutationAndExplicitCopy() {
        var original = SecureBytes(copying: [UInt8](repeating: 1, count: 32))
        var duplicate = original.copy()
        let equal1 = original.constantTimeEquals(duplicate)  // #expect cannot capture non-copyable values
        #expect(equal1)
        duplicate.withUnsafeMutableBytes { $0[31] = 2 }
        let equal2 = original.constantTimeEquals(duplicate)  // #expect cannot capture non-copyable values
        #expect(!equal2)
        #expect(exposed(original) == [UInt8](repeating: 1, count: 32))
        original.withUnsafeMutableBytes { $0[31] = 2 }
        let equal3 = original.constantTimeEquals(duplicate)  // #expect cannot capture non-copyable values
        #expect(equal3)
    }

    @Test func constantTimeEqualsLengths() {
        let a = SecureBytes(copying: [1, 2, 3])
        let b = SecureBytes(copying: [1, 2, 3, 0])
        let c = SecureBytes(copying: [1, 2, 4])
        let d = SecureBytes(copying: [UInt8]())
        let e = SecureBytes(count: 0)
        let equal4 = a.constantTimeEquals(b)  // #expect cannot capture non-copyable values
        #expect(!equal4)
        let equal5 = a.constantTimeEquals(c)  // #expect cannot capture non-copyable values
        #expect(!equal5)
        let equal6 = a.constantTimeEquals(a)  // #expect cannot capture non-copyable values
        #expect(equal6)
        let equal7 = d.constantTimeEquals(e)  // #expect cannot capture non-copyable values
        #expect(equal7)
    }

    @Test func randomAndMoveAcrossTasks() async {
        let a = SecureBytes(random: 32)
        let b = SecureBytes(random: 32)
        #expect(a.count == 32)
        let equal8 = a.constantTimeEquals(b)  // #expect cannot capture non-copyable values
        #expect(!equal8)  // fails with probability 2^-256
        let expected = exposed(a)
        let task = Task { [a = consume a] in exposed(a) }  // SecureBytes is Sendable
        #expect(await task.value == expected)
    }

    @Test func typedThrowsPassThrough() {
        struct Failure: Error {}
        let secret = SecureBytes(count: 4)
        #expect(throws: Failure.self) {
            try secret.withUnsafeBytes { (_) throws(Failure) in throw Failure() }
        }
    }
}

@Suite struct RandomTests {
    @Test func systemRandom() {
        #expect(SystemRandom.bytes(0).isEmpty)
        let a = SystemRandom.bytes(64), b = SystemRandom.bytes(64)
        #expect(a.count == 64 && a != b)
        #expect(SystemRandom.uint64() != SystemRandom.uint64())  // 2^-64
        var generator = SystemRandom.Generator()
        #expect(Int.random(in: 0..<10, using: &generator) < 10)
    }

    @Test func constantTimeEqualsAndZero() {
        #expect(constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2]))
        #expect(constantTimeEquals([], []))
        var buffer = [UInt8](repeating: 0xAB, count: 33)
        buffer.withUnsafeMutableBytes { secureZero($0) }
        #expect(buffer.allSatisfy { $0 == 0 })
    }
}
