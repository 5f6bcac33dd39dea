import ArgumentParser
import BLS12381
import Foundation
import Primitives
import Staking

/// `vring keys …`: validator keys from a mnemonic (EIP-2333/2334), EIP-2335 keystores, and
/// deposit_data.json verification. Logic lives in the `Staking` module; this file reads files,
/// prints, and maps errors onto the exit statuses (0 success, 1 a verification that does not
/// hold, 2 bad input with one line on standard error naming the argument).
///
/// Secrets (mnemonic, passphrase, passwords, keys) are read from files, never from arguments,
/// so they do not appear in `ps` or shell history; secret keys are printed only with
/// `--reveal-secret`.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Validator keys: derive from a mnemonic, EIP-2335 keystores, deposit data checks.",
        discussion: """
            Mnemonics, passphrases, passwords and secret keys are read from files. A final newline \
            in a passphrase file is ignored; keystore passwords drop all control characters \
            (EIP-2335). The BIP-39 checksum of a mnemonic is not checked, only its word count: \
            compare the derived public key with the one you expect.
            """,
        subcommands: [Derive.self, Decrypt.self, Encrypt.self, VerifyDeposit.self])
}

/// Bad input to a `keys` command: the flag and why. Exit status 2.
struct KeysInputError: Error {
    let flag: String
    let reason: String
    init(_ flag: String, _ reason: String) {
        self.flag = flag
        self.reason = reason
    }
}

/// Runs `body`, turning `KeysInputError` into one line on stderr and exit status 2.
private func runReportingInput(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as KeysInputError {
        Output.error("\(error.flag): \(error.reason)")
        throw ExitCode(ExitStatus.badInput)
    }
}

private enum KeyFiles {
    static func read(_ path: String, _ flag: String) throws(KeysInputError) -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KeysInputError(flag, "cannot read \(path)")
        }
        return data
    }

    static func text(_ path: String, _ flag: String) throws(KeysInputError) -> String {
        let data = try read(path, flag)
        guard let text = String(data: data, encoding: .utf8) else { throw KeysInputError(flag, "\(path) is not UTF-8 text") }
        return text
    }

    /// A 32-byte hex secret key (optional 0x, surrounding whitespace ignored), decoded straight
    /// into secure memory; the file's bytes are wiped afterwards and never echoed.
    static func secretKey(_ path: String, _ flag: String) throws(KeysInputError) -> SecretKey {
        var data = try read(path, flag)
        defer { data.withUnsafeMutableBytes { secureZero($0) } }
        var digits = data.filter { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }
        defer { digits.withUnsafeMutableBytes { secureZero($0) } }
        var start = digits.startIndex
        if digits.count >= 2, digits[start] == UInt8(ascii: "0"), digits[start + 1] | 0x20 == UInt8(ascii: "x") { start += 2 }
        let count = digits.endIndex - start
        guard count == 64 else { throw KeysInputError(flag, "expected a 32-byte secret key as 64 hex digits") }
        var secret = SecureBytes(count: 32)
        var valid = true
        secret.withUnsafeMutableBytes { out in
            for i in 0..<32 {
                guard let hi = nibble(digits[start + 2 * i]), let lo = nibble(digits[start + 2 * i + 1]) else { valid = false; return }
                out[i] = hi << 4 | lo
            }
        }
        guard valid else { throw KeysInputError(flag, "not valid hex: contains a non-hex character") }
        guard let scalar = secret.withUnsafeBytes({ Fr(bigEndian: $0) }) else { throw KeysInputError(flag, "not below the group order r") }
        do { return try SecretKey(scalar: scalar) } catch { throw KeysInputError(flag, "zero is not a valid key") }
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Creates `path` with mode 0600 atomically: written and synced under a temporary name in the
    /// same directory, then hard-linked into place, which fails rather than overwrite a file.
    static func writeNew(_ bytes: [UInt8], to path: String, _ flag: String) throws(KeysInputError) {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(Hex.encode(SystemRandom.bytes(6))).tmp").path
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw KeysInputError(flag, "cannot create a file in the directory of \(path): \(String(cString: strerror(errno)))") }
        var ok = bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
        ok = ok && fsync(fd) == 0
        close(fd)
        guard ok else {
            unlink(temporary)
            throw KeysInputError(flag, "cannot write \(path): \(String(cString: strerror(errno)))")
        }
        defer { unlink(temporary) }
        guard link(temporary, path) == 0 else {
            let reason = errno == EEXIST ? "\(path) already exists; refusing to overwrite it" : "cannot create \(path): \(String(cString: strerror(errno)))"
            throw KeysInputError(flag, reason)
        }
    }
}

extension KeysCommand {
    struct Derive: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Derive a validator key from a BIP-39 mnemonic (EIP-2333, EIP-2334 paths).",
            discussion: """
                Signing key of validator i: m/12381/3600/i/0/0; withdrawal key: m/12381/3600/i/0. \
                Prints the public key; the secret key only with --reveal-secret.
                JSON: {"path", "public_key"[, "secret_key"]}.
                """)
        @Option(help: "File holding the mnemonic words.") var mnemonicFile: String
        @Option(help: "File holding the BIP-39 passphrase (default: none).") var passphraseFile: String?
        @Option(help: "EIP-2334 derivation path.") var path: String = "m/12381/3600/0/0/0"
        @Flag(help: "Also print the secret key.") var revealSecret = false
        @OptionGroup var output: OutputOptions

        func run() throws {
            try runReportingInput {
                let keyPath: KeyPath
                do { keyPath = try KeyPath(parsing: path) } catch { throw KeysInputError("--path", "\(error)") }
                let mnemonic = try KeyFiles.text(mnemonicFile, "--mnemonic-file")
                var passphrase = ""
                if let passphraseFile {
                    passphrase = try KeyFiles.text(passphraseFile, "--passphrase-file")
                    if passphrase.hasSuffix("\n") { passphrase.removeLast() }  // "\r\n" is one Character
                }
                let seed: SecureBytes
                do { seed = try Mnemonic.seed(mnemonic: mnemonic, passphrase: passphrase) } catch {
                    throw KeysInputError("--mnemonic-file", "\(error)")
                }
                let key: SecretKey
                do { key = try EIP2333.deriveSecretKey(seed: seed, path: keyPath) } catch { throw KeysInputError("--mnemonic-file", "\(error)") }
                let publicKey = Hex.encode(key.publicKey.compressed)
                if output.json {
                    var fields: [String: Any] = ["path": keyPath.description, "public_key": publicKey]
                    if revealSecret { fields["secret_key"] = key.revealHex() }
                    print(Output.json(fields))
                } else {
                    print("path        \(keyPath)")
                    print("public key  \(publicKey)")
                    if revealSecret { print("secret key  \(key.revealHex())") }
                }
            }
        }
    }

    struct Decrypt: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decrypt an EIP-2335 keystore and check the key against its pubkey.",
            discussion: """
                Exit 0 when the decrypted key's public key is the keystore's pubkey, 1 when it is \
                not, 2 for a wrong password or a malformed file. The secret key is printed only \
                with --reveal-secret. JSON: {"public_key", "path", "uuid", "kdf", "valid"[, "secret_key"]}.
                """)
        @Option(help: "The keystore JSON file.") var keystore: String
        @Option(help: "File holding the keystore password.") var passwordFile: String
        @Flag(help: "Also print the secret key.") var revealSecret = false
        @OptionGroup var output: OutputOptions

        func run() throws {
            var status = ExitStatus.success
            try runReportingInput {
                let json = Array(try KeyFiles.read(keystore, "--keystore"))
                let password = try KeyFiles.text(passwordFile, "--password-file")
                let info: KeystoreInfo
                do { info = try Keystore.parse(json: json) } catch { throw KeysInputError("--keystore", "\(error)") }
                var fields: [String: Any] = [
                    "public_key": Hex.encode(info.pubkey), "path": info.path, "uuid": info.uuid, "kdf": info.kdf.functionName,
                ]
                var lines = ["public key  \(Hex.encode(info.pubkey))", "path        \(info.path)", "uuid        \(info.uuid)"]
                do throws(KeystoreError) {
                    let key = try Keystore.decryptSecretKey(json: json, password: password)
                    fields["valid"] = true
                    if info.pubkey.isEmpty {
                        fields["public_key"] = Hex.encode(key.publicKey.compressed)
                        lines[0] = "public key  \(Hex.encode(key.publicKey.compressed)) (the keystore has no pubkey)"
                    }
                    lines.append("valid       the decrypted key matches the pubkey")
                    if revealSecret {
                        fields["secret_key"] = key.revealHex()
                        lines.append("secret key  \(key.revealHex())")
                    }
                } catch .publicKeyMismatch, .invalidSecretKey {
                    fields["valid"] = false
                    lines.append("invalid     the decrypted secret is not the key of this pubkey")
                    status = ExitStatus.verificationFailed
                } catch .wrongPassword {
                    throw KeysInputError("--password-file", "wrong password for \(keystore) (the checksum does not match)")
                } catch {
                    throw KeysInputError("--keystore", error.description)
                }
                print(output.json ? Output.json(fields) : lines.joined(separator: "\n"))
            }
            if status != ExitStatus.success { throw ExitCode(status) }
        }
    }

    struct Encrypt: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write an EIP-2335 keystore (mode 0600) for a secret key.",
            discussion: """
                scrypt (n=262144, r=8, p=1) by default, or pbkdf2 (c=262144, HMAC-SHA-256); AES-128-CTR. \
                The file is created atomically and never overwrites an existing one. \
                JSON: {"file", "public_key", "uuid", "kdf"}.
                """)
        enum KDFChoice: String, ExpressibleByArgument, CaseIterable { case scrypt, pbkdf2 }
        @Option(help: "File holding the 32-byte secret key (hex).") var secretKeyFile: String
        @Option(help: "File holding the password.") var passwordFile: String
        @Option(help: "Key derivation function: scrypt or pbkdf2.") var kdf: KDFChoice = .scrypt
        @Option(help: "The keystore file to create.") var out: String
        @Option(help: "EIP-2334 path to record (empty for a threshold share).") var path: String = ""
        @Option(help: "Free-text description to record.") var description: String = ""
        @OptionGroup var output: OutputOptions

        func run() throws {
            try runReportingInput {
                if !path.isEmpty {
                    do { _ = try KeyPath(parsing: path) } catch { throw KeysInputError("--path", "\(error)") }
                }
                let key = try KeyFiles.secretKey(secretKeyFile, "--secret-key-file")
                let password = try KeyFiles.text(passwordFile, "--password-file")
                if Keystore.processPassword(password).count == 0 { Output.warning("the password is empty") }
                let json: [UInt8]
                do {
                    json = try Keystore.encrypt(
                        secretKey: key, password: password, path: path, kdf: kdf == .scrypt ? .scryptDefault : .pbkdf2Default,
                        description: description)
                } catch { throw KeysInputError("--secret-key-file", "\(error)") }
                try KeyFiles.writeNew(json, to: out, "--out")
                let info = try? Keystore.parse(json: json)
                let publicKey = Hex.encode(key.publicKey.compressed)
                if output.json {
                    print(Output.json(["file": out, "public_key": publicKey, "uuid": info?.uuid ?? "", "kdf": kdf.rawValue]))
                } else {
                    print("wrote       \(out)")
                    print("public key  \(publicKey)")
                    print("uuid        \(info?.uuid ?? "")")
                }
            }
        }
    }

    struct VerifyDeposit: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify-deposit",
            abstract: "Verify a deposit_data.json file: roots, signatures, network name and fork version.",
            discussion: """
                Exit 0 when every entry passes every check, 1 when one fails (each failure names \
                the entry, counted from 0, and the check), 2 when the file is malformed.
                JSON: {"valid", "entries": [{"index", "pubkey", "network_name", "valid", "failures": ["check: reason", …]}]}.
                """)
        @Option(help: "The deposit_data-*.json file.") var file: String
        @OptionGroup var output: OutputOptions

        func run() throws {
            var allValid = true
            try runReportingInput {
                let entries: [DepositDataEntry]
                do { entries = try DepositDataFile.parse(Array(try KeyFiles.read(file, "--file"))) } catch let error as DepositDataError {
                    throw KeysInputError("--file", error.description)
                }
                var results: [[String: Any]] = []
                var lines: [String] = []
                for (index, entry) in entries.enumerated() {
                    let failures = entry.verify()
                    allValid = allValid && failures.isEmpty
                    results.append([
                        "index": index, "pubkey": Hex.encode(entry.pubkey), "network_name": entry.networkName,
                        "valid": failures.isEmpty, "failures": failures.map(\.description),
                    ])
                    if failures.isEmpty {
                        lines.append("entry \(index)  valid    \(Output.short(entry.pubkey))  \(entry.networkName)  \(entry.amount) gwei")
                    } else {
                        for failure in failures { lines.append("entry \(index)  INVALID  \(failure)") }
                    }
                }
                print(output.json ? Output.json(["valid": allValid, "entries": results]) : lines.joined(separator: "\n"))
            }
            if !allValid { throw ExitCode(ExitStatus.verificationFailed) }
        }
    }
}
