#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Free loopback ports for tests and benchmarks that start pools of local processes.
public enum LocalPorts {
    /// A base `b` such that ports `b + 1 ... b + span` on 127.0.0.1 could all be bound just now.
    ///
    /// Bases are drawn below 32768, where Linux's default ephemeral range (32768–60999) starts:
    /// a port there can be taken at any time by an outgoing connection (a URLSession request,
    /// a peer dialling out), which is how a random port in 21000–60000 once made a CI run
    /// fail with "Address already in use". Each candidate range is then probed by binding
    /// every port in it, so one another process holds is skipped as well.
    public static func freeBase(span: Int, attempts: Int = 64) -> Int? {
        precondition(span > 0 && span < 2000)
        for _ in 0..<attempts {
            let base = Int.random(in: 10_000...(32_000 - span))
            if (1...span).allSatisfy({ canBind(port: base + $0) }) { return base }
        }
        return nil
    }

    /// Whether a TCP socket can bind 127.0.0.1:`port` (SO_REUSEADDR, as the listeners use).
    public static func canBind(port: Int) -> Bool {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
