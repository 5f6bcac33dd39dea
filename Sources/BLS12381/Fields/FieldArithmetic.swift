import CBarrier

/// Which code computes Fp and Fp2 products: the x86-64 BMI2/ADX assembly kernels
/// (Sources/CBarrier/fp_x86_64.S) or their portable Swift twin (Fp.swift, FpWide.swift,
/// Fp2.swift, Fp2Wide.swift). Chosen once at start-up: the kernels when the CPU reports BMI2 and
/// ADX, unless the environment variable `VRING_FIELD=portable` asks for the portable code
/// (`VRING_FIELD=adx` forces the kernels without asking CPUID: valgrind's emulated CPUID hides
/// ADX although it runs it). Both compute the same values; tests check one against the other.
public enum FieldArithmetic {
    /// "x86-64 BMI2/ADX kernels" or "portable Swift".
    public static var description: String { usingKernels ? "x86-64 BMI2/ADX kernels" : "portable Swift" }

    /// Short name for JSON: "adx" or "portable".
    public static var name: String { usingKernels ? "adx" : "portable" }

    /// True when products run in the assembly kernels.
    public static var usingKernels: Bool { vring_fp_asm_enabled() != 0 }

    /// True when this build and CPU have the kernels.
    public static var kernelsAvailable: Bool { vring_fp_asm_supported() != 0 }

    /// Selects the kernels (only if available) or the portable code; returns `usingKernels`.
    /// For tests and benchmarks comparing the two: values are the same either way, so switching
    /// while other threads compute changes no result.
    @discardableResult
    public static func select(kernels: Bool) -> Bool { vring_fp_asm_select(kernels ? 1 : 0) != 0 }
}
