import ArgumentParser
import Foundation
import Primitives

extension BLSCommand {
    /// `vring bls batch`: JSON lines in, JSON lines out, one result per request in order.
    struct Batch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run BLS operations from JSON lines on standard input.",
            discussion: """
                Each line is an object like {"op":"sign","secret_key":"…","message":"…"}. op is a \
                subcommand name; fields are the flag names with _ (secret_key, public_key, message, \
                signature, proof, ikm, group, dst, dst_hex, encode) and list flags are arrays \
                (public_keys, messages, signatures). Each result is {"ok":true,…the command's --json \
                fields…} or {"ok":false,"error":"…"}. Blank lines are skipped. Output is flushed \
                whenever the input has no complete line waiting, so a co-process can drive it line \
                by line. Exits 0 at end of input.
                """)

        func run() throws {
            var input = LineReader(fileDescriptor: STDIN_FILENO)
            var output = BufferedOutput(fileDescriptor: STDOUT_FILENO)
            var lineNumber = 0
            while true {
                var next = input.nextLine(mayBlock: false)
                if next == nil {  // about to wait for input: deliver what we have first
                    output.flush()
                    next = input.nextLine(mayBlock: true)
                }
                guard var line = next else { break }
                lineNumber += 1
                defer { line.withUnsafeMutableBytes { secureZero($0) } }  // lines may carry secret keys
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0d }) { continue }
                output.writeLine(Output.json(Self.respond(to: line, lineNumber: lineNumber)))
            }
            output.flush()
        }

        /// The result object for one request line.
        static func respond(to line: [UInt8], lineNumber: Int) -> [String: Any] {
            let request: [String: Any]
            do {
                guard let object = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                    return ["ok": false, "error": "line \(lineNumber): expected a JSON object"]
                }
                request = object
            } catch {
                return ["ok": false, "error": "line \(lineNumber): invalid JSON"]
            }
            do {
                var fields = try BLSOperation(request: request).run().fields
                fields["ok"] = true
                return fields
            } catch {
                return ["ok": false, "error": error.batchMessage]
            }
        }
    }
}

extension BLSOperation {
    /// The operation a `batch` line asks for. Unknown fields are ignored (so lines may carry
    /// an id of the caller's); missing or mistyped ones are bad input naming the field.
    init(request: [String: Any]) throws(BLSInputError) {
        let fields = BatchFields(request)
        let opName = try fields.string(.op)
        guard let name = Name(rawValue: opName) else {
            throw BLSInputError(.op, "unknown operation; expected one of \(Name.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        switch name {
        case .keygen: self = .keygen(ikm: try fields.optionalString(.ikm))
        case .pubkey: self = .pubkey(secretKey: try fields.string(.secretKey))
        case .sign: self = .sign(secretKey: try fields.string(.secretKey), message: try fields.string(.message))
        case .verify:
            self = .verify(
                publicKey: try fields.string(.publicKey), message: try fields.string(.message),
                signature: try fields.string(.signature))
        case .aggregate: self = .aggregate(signatures: try fields.strings(.signatures))
        case .fastAggregateVerify:
            self = .fastAggregateVerify(
                publicKeys: try fields.strings(.publicKeys), message: try fields.string(.message),
                signature: try fields.string(.signature))
        case .aggregateVerify:
            self = .aggregateVerify(
                publicKeys: try fields.strings(.publicKeys), messages: try fields.strings(.messages),
                signature: try fields.string(.signature))
        case .popProve: self = .popProve(secretKey: try fields.string(.secretKey))
        case .popVerify: self = .popVerify(publicKey: try fields.string(.publicKey), proof: try fields.string(.proof))
        case .hashToCurve:
            self = .hashToCurve(
                group: try fields.string(.group), message: try fields.string(.message),
                dst: try fields.optionalString(.dst), dstHex: try fields.optionalString(.dstHex),
                encode: try fields.optionalBool(.encode) ?? false)
        }
    }
}

/// Typed access to a request object's fields, with errors that name the field.
private struct BatchFields {
    let object: [String: Any]
    init(_ object: [String: Any]) { self.object = object }

    func optionalString(_ argument: BLSArgument) throws(BLSInputError) -> String? {
        guard let value = object[argument.field], !(value is NSNull) else { return nil }
        guard let text = value as? String else { throw BLSInputError(argument, "expected a string") }
        return text
    }

    func string(_ argument: BLSArgument) throws(BLSInputError) -> String {
        guard let text = try optionalString(argument) else { throw BLSInputError(argument, "missing") }
        return text
    }

    func strings(_ argument: BLSArgument) throws(BLSInputError) -> [String] {
        guard let value = object[argument.field], !(value is NSNull) else { throw BLSInputError(argument, "missing") }
        guard let texts = value as? [String] else { throw BLSInputError(argument, "expected an array of strings") }
        return texts
    }

    func optionalBool(_ argument: BLSArgument) throws(BLSInputError) -> Bool? {
        guard let value = object[argument.field], !(value is NSNull) else { return nil }
        guard let flag = value as? Bool, !(value is String) else { throw BLSInputError(argument, "expected true or false") }
        return flag
    }
}

/// Lines from a file descriptor through one reusable buffer (no per-line system calls).
struct LineReader {
    private let fileDescriptor: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false

    init(fileDescriptor: Int32) { self.fileDescriptor = fileDescriptor }

    /// The next line without its terminator. Without `mayBlock`, nil when no complete line is
    /// buffered yet; with it, reads until a line (or the unterminated last one) or end of input.
    mutating func nextLine(mayBlock: Bool) -> [UInt8]? {
        while true {
            if let newline = buffer[start...].firstIndex(of: 0x0a) {
                let line = Array(buffer[start..<newline])
                start = newline + 1
                return line
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                let line = Array(buffer[start...])
                start = buffer.count
                return line
            }
            guard mayBlock else { return nil }
            fill()
        }
    }

    private mutating func fill() {
        if start > 0 {  // drop consumed bytes, wiping them first
            buffer.withUnsafeMutableBytes { secureZero(UnsafeMutableRawBufferPointer(rebasing: $0[..<start])) }
            buffer.removeFirst(start)
            start = 0
        }
        let chunk = 1 << 16
        let old = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: chunk))
        var n: Int
        repeat {
            n = buffer.withUnsafeMutableBytes { read(fileDescriptor, $0.baseAddress! + old, chunk) }
        } while n < 0 && errno == EINTR
        buffer.removeLast(chunk - max(n, 0))
        if n <= 0 { atEnd = true }
    }
}

/// Output collected in memory and written in large pieces.
struct BufferedOutput {
    private let fileDescriptor: Int32
    private var buffer: [UInt8] = []

    init(fileDescriptor: Int32) { self.fileDescriptor = fileDescriptor }

    mutating func writeLine(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        buffer.append(0x0a)
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        var offset = 0
        while offset < buffer.count {
            let n = buffer.withUnsafeBytes { write(fileDescriptor, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }  // a closed pipe: nothing more can be delivered
            offset += n
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
