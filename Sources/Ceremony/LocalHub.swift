import Foundation
import Primitives

/// An in-process network: every member's link delivers to the others directly, for tests,
/// simulations and benchmarks that run several members in one process. `LinkFactory` hands
/// out links, so ceremonies and nodes run unchanged over it.
public final class LocalHub: @unchecked Sendable {
    private let lock = NSLock()
    private var continuations: [Int: AsyncStream<LinkEvent>.Continuation] = [:]
    private var offline: Set<Int> = []

    public init() {}

    public func link(for member: Int) -> LocalLink {
        let (stream, continuation) = AsyncStream<LinkEvent>.makeStream()
        lock.lock()
        let others = Array(continuations.keys)
        continuations[member] = continuation
        lock.unlock()
        for p in others {
            continuation.yield(.connected(p))
            deliver(.connected(member), to: p)
        }
        return LocalLink(hub: self, me: member, events: stream)
    }

    func deliver(_ event: LinkEvent, to member: Int) {
        lock.lock(); let c = continuations[member]; lock.unlock()
        c?.yield(event)
    }

    public func send(_ payload: [UInt8], from: Int, to: Int) {
        lock.lock(); let cut = offline.contains(from) || offline.contains(to); lock.unlock()
        if !cut { deliver(.message(from: from, payload: payload), to: to) }
    }

    func members() -> [Int] { lock.lock(); defer { lock.unlock() }; return Array(continuations.keys) }

    func leave(_ member: Int) {
        lock.lock(); let c = continuations.removeValue(forKey: member); lock.unlock()
        c?.finish()
    }

    /// Cuts a member off (true) or reconnects it (false): messages from or to it are dropped while cut.
    public func setOffline(_ member: Int, _ cut: Bool) {
        lock.lock(); if cut { offline.insert(member) } else { offline.remove(member) }; lock.unlock()
    }

    /// The factory ceremonies take.
    public var factory: LinkFactory {
        { setup, _ in self.link(for: setup.me) }
    }
}

public final class LocalLink: CeremonyLink, @unchecked Sendable {
    let hub: LocalHub
    let me: Int
    public let events: AsyncStream<LinkEvent>
    init(hub: LocalHub, me: Int, events: AsyncStream<LinkEvent>) { self.hub = hub; self.me = me; self.events = events }
    public func send(_ payload: [UInt8], to peer: Int) async { hub.send(payload, from: me, to: peer) }
    public func broadcast(_ payload: [UInt8]) async { for p in hub.members() where p != me { hub.send(payload, from: me, to: p) } }
    public func shutdown() async { hub.leave(me) }
}
