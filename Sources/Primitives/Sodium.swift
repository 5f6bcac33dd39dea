import CSodium

/// The result of the one call to `sodium_init()`. Swift initialises a global `let` lazily
/// and exactly once (through `swift_once`), so concurrent first uses are safe.
private let sodiumInitResult: Int32 = sodium_init()

/// libsodium's process-wide initialisation.
public enum Sodium {
    /// Initialises libsodium once for the whole process; later calls cost one atomic load.
    ///
    /// Every API in this module that uses libsodium calls this itself, so callers need it
    /// only when they use libsodium directly.
    @inline(__always)
    public static func ensureInitialized() {
        // sodium_init() returns 0 on success, 1 if already initialised, -1 on failure.
        precondition(sodiumInitResult >= 0, "libsodium could not be initialised (sodium_init failed)")
    }
}
