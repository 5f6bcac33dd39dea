import CGMP

// GMP's limb (`mp_limb_t`) imports as `UInt`; everything here assumes 64-bit limbs.
#if !(arch(x86_64) || arch(arm64))
#error("Primitives assumes a 64-bit target whose GMP limbs are 64 bits (x86-64 or arm64)")
#endif

/// A non-negative arbitrary-precision integer backed by GMP's `mpz`.
///
/// **Variable time.** GMP's `mpz` functions branch and allocate according to the values,
/// so this type is for public data (moduli, public keys, test oracles) only and must never
/// hold a secret. Values are immutable: every operation returns a new integer, which is
/// what makes the type safe to share between tasks.
public final class GMPInteger: @unchecked Sendable {
    /// The `mpz` value, kept behind a pointer so that GMP can read and write it in place
    /// (Swift's exclusivity rules forbid passing one variable as both input and output).
    let value: UnsafeMutablePointer<__mpz_struct>

    private init(uninitialized: Void) {
        precondition(UInt.bitWidth == 64, "GMPInteger requires 64-bit GMP limbs")
        value = .allocate(capacity: 1)
        __gmpz_init(value)
    }

    deinit {
        __gmpz_clear(value)
        value.deallocate()
    }

    /// Creates an integer from a machine word.
    ///
    /// - Parameter v: The value; zero by default.
    public convenience init(_ v: UInt64 = 0) {
        self.init(uninitialized: ())
        __gmpz_set_ui(value, UInt(v))
    }

    /// Parses a hexadecimal string, with or without a `0x`/`0X` prefix.
    ///
    /// - Parameter hex: One or more hexadecimal digits (either case); no sign, spaces or
    ///   underscores.
    /// - Returns: `nil` when the string is empty or contains anything else.
    public convenience init?(hex: String) {
        var digits = Substring(hex)
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") { digits = digits.dropFirst(2) }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ Self.isHexDigit($0) }) else { return nil }
        self.init(uninitialized: ())
        let status = String(digits).withCString { __gmpz_set_str(value, $0, 16) }
        guard status == 0 else { return nil }
    }

    /// Parses a decimal string of one or more digits.
    ///
    /// - Parameter decimal: Decimal digits only; no sign, spaces or separators.
    /// - Returns: `nil` when the string is empty or contains anything else.
    public convenience init?(decimal: String) {
        guard !decimal.isEmpty, decimal.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        self.init(uninitialized: ())
        let status = decimal.withCString { __gmpz_set_str(value, $0, 10) }
        guard status == 0 else { return nil }
    }

    /// Creates an integer from big-endian bytes (most significant byte first).
    ///
    /// - Parameter bytes: The bytes; an empty array is zero.
    public convenience init(bigEndian bytes: [UInt8]) {
        self.init(uninitialized: ())
        guard !bytes.isEmpty else { return }
        bytes.withUnsafeBytes { __gmpz_import(value, $0.count, 1, 1, 1, 0, $0.baseAddress) }
    }

    /// Creates an integer from 64-bit limbs, least significant limb first.
    ///
    /// - Parameter littleEndianLimbs: The limbs; an empty array is zero.
    public convenience init(littleEndianLimbs: [UInt64]) {
        self.init(uninitialized: ())
        guard !littleEndianLimbs.isEmpty else { return }
        littleEndianLimbs.withUnsafeBytes {
            __gmpz_import(value, littleEndianLimbs.count, -1, MemoryLayout<UInt64>.size, 0, 0, $0.baseAddress)
        }
    }

    /// Returns the value as exactly `count` big-endian bytes, left-padded with zeros.
    ///
    /// - Parameter count: The output length; the value must fit (a precondition).
    public func bigEndianBytes(count: Int) -> [UInt8] {
        let needed = (bitWidth + 7) / 8
        precondition(needed <= count, "GMPInteger.bigEndianBytes: the value needs \(needed) bytes, more than \(count)")
        var bytes = [UInt8](repeating: 0, count: count)
        guard needed > 0 else { return bytes }
        bytes.withUnsafeMutableBytes { buffer in
            var written = 0
            _ = __gmpz_export(buffer.baseAddress! + (count - needed), &written, 1, 1, 1, 0, value)
            precondition(written == needed)
        }
        return bytes
    }

    /// Returns the value as exactly `count` 64-bit limbs, least significant first, padded
    /// with zero limbs.
    ///
    /// - Parameter count: The number of limbs; the value must fit (a precondition).
    public func littleEndianLimbs(count: Int) -> [UInt64] {
        let needed = Int(value.pointee._mp_size)
        precondition(needed <= count, "GMPInteger.littleEndianLimbs: the value needs \(needed) limbs, more than \(count)")
        var limbs = [UInt64](repeating: 0, count: count)
        guard let source = value.pointee._mp_d else { return limbs }
        for index in 0..<needed { limbs[index] = UInt64(source[index]) }
        return limbs
    }

    /// The value in lowercase hexadecimal without a prefix; `"0"` for zero.
    public var hex: String { string(base: 16) }

    /// The number of significant bits; 0 for zero.
    public var bitWidth: Int { isZero ? 0 : Int(__gmpz_sizeinbase(value, 2)) }

    /// Whether the value is zero.
    public var isZero: Bool { value.pointee._mp_size == 0 }

    /// Whether the value is odd.
    public var isOdd: Bool { !isZero && value.pointee._mp_d[0] & 1 == 1 }

    private func string(base: Int32) -> String {
        // mpz_sizeinbase may overestimate by one; +2 leaves room for that and the NUL.
        let capacity = Int(__gmpz_sizeinbase(value, base)) + 2
        var buffer = [CChar](repeating: 0, count: capacity)
        _ = __gmpz_get_str(&buffer, base, value)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func isHexDigit(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)
    }

    private static func make(_ body: (UnsafeMutablePointer<__mpz_struct>) -> Void) -> GMPInteger {
        let result = GMPInteger(uninitialized: ())
        body(result.value)
        return result
    }

    /// The sum `a + b`.
    public static func + (a: GMPInteger, b: GMPInteger) -> GMPInteger {
        make { __gmpz_add($0, a.value, b.value) }
    }

    /// The difference `a - b`; requires `a >= b` (values are non-negative).
    public static func - (a: GMPInteger, b: GMPInteger) -> GMPInteger {
        precondition(a >= b, "GMPInteger: subtraction would be negative")
        return make { __gmpz_sub($0, a.value, b.value) }
    }

    /// The product `a * b`.
    public static func * (a: GMPInteger, b: GMPInteger) -> GMPInteger {
        make { __gmpz_mul($0, a.value, b.value) }
    }

    /// The floor quotient `a / b`; `b` must not be zero.
    public static func / (a: GMPInteger, b: GMPInteger) -> GMPInteger {
        precondition(!b.isZero, "GMPInteger: division by zero")
        return make { __gmpz_fdiv_q($0, a.value, b.value) }
    }

    /// The remainder `a mod b`, in `0..<b`; `b` must not be zero.
    public static func % (a: GMPInteger, b: GMPInteger) -> GMPInteger {
        precondition(!b.isZero, "GMPInteger: division by zero")
        return make { __gmpz_mod($0, a.value, b.value) }
    }

    /// The value shifted left by `bits` bits (multiplied by 2^bits).
    public static func << (a: GMPInteger, bits: Int) -> GMPInteger {
        precondition(bits >= 0, "GMPInteger: negative shift")
        return make { __gmpz_mul_2exp($0, a.value, UInt(bits)) }
    }

    /// The value shifted right by `bits` bits (floor division by 2^bits).
    public static func >> (a: GMPInteger, bits: Int) -> GMPInteger {
        precondition(bits >= 0, "GMPInteger: negative shift")
        return make { __gmpz_fdiv_q_2exp($0, a.value, UInt(bits)) }
    }

    /// Returns `self^e mod m`.
    ///
    /// - Parameters:
    ///   - e: The exponent.
    ///   - m: The modulus; must not be zero.
    public func powMod(_ e: GMPInteger, _ m: GMPInteger) -> GMPInteger {
        precondition(!m.isZero, "GMPInteger.powMod: modulus is zero")
        return Self.make { __gmpz_powm($0, value, e.value, m.value) }
    }

    /// Returns the inverse of `self` modulo `m`, in `0..<m`.
    ///
    /// - Parameter m: The modulus; must be greater than one.
    /// - Returns: `nil` when `self` and `m` are not coprime (for example `self ≡ 0`).
    public func inverseMod(_ m: GMPInteger) -> GMPInteger? {
        precondition(m > GMPInteger(1), "GMPInteger.inverseMod: modulus must be greater than one")
        let result = GMPInteger(uninitialized: ())
        return __gmpz_invert(result.value, value, m.value) != 0 ? result : nil
    }

    /// Whether `self` is a non-zero square modulo the odd prime `p`, that is whether the
    /// Legendre symbol `(self | p)` is 1. Zero is not counted as a residue.
    ///
    /// - Parameter p: An odd prime (not checked; for composite `p` this is the Jacobi symbol).
    public func isQuadraticResidue(mod p: GMPInteger) -> Bool {
        precondition(p.isOdd, "GMPInteger.isQuadraticResidue: the modulus must be odd")
        return __gmpz_jacobi(value, p.value) == 1
    }

    /// Returns a uniformly random integer in `0..<below`, drawn by rejection sampling.
    ///
    /// - Parameters:
    ///   - below: The exclusive upper bound; must be positive.
    ///   - rng: The source of randomness (a seeded generator makes tests replayable).
    public static func random(below: GMPInteger, using rng: inout some RandomNumberGenerator) -> GMPInteger {
        precondition(!below.isZero, "GMPInteger.random: the bound must be positive")
        let bits = below.bitWidth
        let limbCount = (bits + 63) / 64
        let topMask: UInt64 = bits % 64 == 0 ? ~0 : (1 << UInt64(bits % 64)) - 1
        while true {
            var limbs = (0..<limbCount).map { _ in rng.next() as UInt64 }
            limbs[limbCount - 1] &= topMask
            let candidate = GMPInteger(littleEndianLimbs: limbs)
            if candidate < below { return candidate }
        }
    }
}

extension GMPInteger: Equatable, Comparable, Hashable, CustomStringConvertible {
    /// Whether two integers are equal.
    public static func == (a: GMPInteger, b: GMPInteger) -> Bool { __gmpz_cmp(a.value, b.value) == 0 }

    /// Whether `a` is less than `b`.
    public static func < (a: GMPInteger, b: GMPInteger) -> Bool { __gmpz_cmp(a.value, b.value) < 0 }

    /// Hashes the limbs of the value.
    public func hash(into hasher: inout Hasher) {
        let size = Int(value.pointee._mp_size)
        hasher.combine(size)
        for index in 0..<size { hasher.combine(value.pointee._mp_d[index]) }
    }

    /// The value in decimal.
    public var description: String { string(base: 10) }
}
