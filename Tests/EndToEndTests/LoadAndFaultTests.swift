import Foundation
import XCTest

/// Load on one SQLite store, and the store failing in every way a disk and a host can make it
/// fail: decisions stay right, bounded and clear; nothing half-written is left behind.
final class LoadAndFaultTests: XCTestCase {
    var sandbox: Sandbox!

    override func setUpWithError() throws {
        sandbox = try Sandbox()
        try sandbox.register("a", "e")
    }
    override func tearDown() { sandbox = nil }

    private func auditRecords(_ extra: [String] = []) throws -> [[String: Any]] {
        let output = try sandbox.run([sandbox.binary, "audit", "--json", "--limit", "1000"] + extra)
        XCTAssertEqual(output.status, 0, output.all)
        return try pushRecords(output)
    }

    // MARK: load

    func testFiftyConcurrentPushesToFiftyRepositoriesOnOneStore() throws {
        let count = 50
        // Each repository's pre-receive first runs a kept hook (pre-receive.before-pushguard)
        // that holds its push at a barrier until all 50 pushes have reached it: then 50
        // PushGuard hooks decide and write the one store at the same moment. A push that waits
        // a minute without seeing all 50 gives up and says so.
        let barrier = sandbox.path("barrier")
        try FileManager.default.createDirectory(atPath: barrier, withIntermediateDirectories: true)
        let held = """
            #!/bin/sh
            cat > /dev/null
            touch '\(barrier)/started.'$$
            tries=0
            while [ "$(ls '\(barrier)' | grep -c '^started')" -lt \(count) ]; do
              tries=$((tries + 1))
              if [ $tries -gt 1200 ]; then touch '\(barrier)/gave-up.'$$; exit 0; fi
              sleep 0.05
            done
            touch '\(barrier)/released.'$$
            """
        var works: [String] = []
        for index in 0..<count {
            let app = "app\(index)"
            let repo = try sandbox.bareRepository(app)
            try held.write(toFile: repo + "/hooks/pre-receive.before-pushguard", atomically: true, encoding: .utf8)
            chmod(repo + "/hooks/pre-receive.before-pushguard", 0o755)
            // Even apps are in sync; odd ones have a staged key: half accepted, half rejected.
            let set = index % 2 == 0 ? ["config", "set", "--app", app, "--env", "production", "K=-", "--transmit"]
                                     : ["config", "set", "--app", app, "--env", "production", "K=-"]
            XCTAssertEqual(try sandbox.run([sandbox.binary] + set, input: "v\(index)").status, 0)
            works.append(try sandbox.workTree("work\(index)", remote: repo, files: ["app.json": manifest(requiring: ["K"])]))
        }
        let outputs = try sandbox.runAllAtOnce(works.map { (["git", "push", "origin", "HEAD:refs/heads/main"], $0) })
        let marks = try FileManager.default.contentsOfDirectory(atPath: barrier)
        XCTAssertEqual(marks.filter { $0.hasPrefix("started.") }.count, count, "every push reached the barrier")
        XCTAssertEqual(marks.filter { $0.hasPrefix("released.") }.count, count,
                       "all \(count) pushes were running at once: \(marks.filter { $0.hasPrefix("gave-up.") }.count) gave up waiting")
        for (index, push) in outputs.enumerated() {
            XCTAssertEqual(push.status == 0, index % 2 == 0, "app\(index): \(push.all)")
            XCTAssertFalse(push.all.contains("database is locked"), push.all)
            XCTAssertFalse(push.all.contains("store failed"), push.all)
            XCTAssertFalse(push.all.contains("audit record not written"), push.all)
        }
        let records = try auditRecords()
        XCTAssertEqual(records.count, count + count / 2, "one record per decision and per deploy, none lost")
        for index in 0..<count {
            let mine = records.filter { $0["app"] as? String == "app\(index)" }
            XCTAssertEqual(mine.map { $0["decision"] as? String }, index % 2 == 0 ? ["deployed", "accepted"] : ["rejected"])
        }
    }

    func testTwentyConcurrentPushesToOneRepository() throws {
        let repo = try sandbox.bareRepository("shop", config: [("pushguard.production.ref", "refs/heads/release/*")])
        try sandbox.pushguard("config", "set", "--app", "shop", "--env", "production", "K=-", input: "v")
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["K"])])
        let sandbox = self.sandbox!
        // Every other pusher overrides: half overridden, half rejected.
        let outputs = concurrently(20) { index in
            try? sandbox.push("HEAD:refs/heads/release/r\(index)", from: work,
                              options: index % 2 == 0 ? ["pushguard.ack=load \(index)"] : [])
        }
        for (index, output) in outputs.enumerated() {
            let push = try XCTUnwrap(output)
            XCTAssertEqual(push.status == 0, index % 2 == 0, "r\(index): \(push.all)")
            XCTAssertFalse(push.all.contains("database is locked"), push.all)
        }
        let records = try auditRecords()
        XCTAssertEqual(records.count, 30)
        XCTAssertEqual(records.filter { $0["decision"] as? String == "overridden" }.count, 10)
        XCTAssertEqual(records.filter { $0["decision"] as? String == "deployed" }.count, 10)
        XCTAssertEqual(records.filter { $0["decision"] as? String == "rejected" }.count, 10)
    }

    // MARK: faults

    private func guardedPush(_ timeout: String = "1s") throws -> (repo: String, work: String) {
        let repo = try sandbox.bareRepository("shop", config: [("pushguard.timeout", timeout)])
        try sandbox.pushguard("config", "set", "--app", "shop", "--env", "production", "K=-", "--transmit", input: "v")
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["K"])])
        return (repo, work)
    }

    func testStoreLockedByAnotherProcessPastTheTimeout() throws {
        let (repo, work) = try guardedPush()
        try sandbox.git("config", "pushguard.production.ref", "refs/heads/main", in: repo)
        try sandbox.git("config", "pushguard.staging.ref", "refs/heads/staging", in: repo)
        try sandbox.pushguard("config", "set", "--app", "shop", "--env", "staging", "K=-", input: "not transmitted")
        // Another process holds the write lock for six seconds.
        let holder = shell("""
            python3 -c 'import sqlite3,time; c=sqlite3.connect("\(sandbox.storePath)", isolation_level=None); \
            c.execute("BEGIN IMMEDIATE"); print("locked", flush=True); time.sleep(6)' > \(sandbox.path("holder.out")) 2>&1 </dev/null &
            """)
        XCTAssertEqual(holder?.status, 0)
        for _ in 0..<50 {
            if (try? String(contentsOfFile: sandbox.path("holder.out"), encoding: .utf8))?.contains("locked") == true { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        XCTAssertTrue((try? String(contentsOfFile: sandbox.path("holder.out"), encoding: .utf8))?.contains("locked") == true,
                      "the lock holder runs: \((try? String(contentsOfFile: sandbox.path("holder.out"), encoding: .utf8)) ?? "")")
        let started = Date()
        // An in-sync push is decided (WAL readers are not blocked) and warns that it could not be audited.
        let push = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertEqual(push.status, 0, push.all)
        XCTAssertTrue(push.stderr.contains("audit record not written: "), push.stderr)
        XCTAssertTrue(push.stderr.contains("another process kept the store locked for longer than pushguard.timeout (1000 ms)"), push.stderr)
        // An override that cannot be recorded is refused.
        let override = try sandbox.push("HEAD:refs/heads/staging", from: work, options: ["pushguard.ack=while locked"])
        XCTAssertNotEqual(override.status, 0, override.all)
        XCTAssertTrue(override.stderr.contains("refused: it cannot be recorded"), override.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(started), 5.5, "each decided within the timeout (+1 s)")
        XCTAssertFalse((push.all + override.all).contains("database is locked"))
        Thread.sleep(forTimeInterval: max(0, 6.5 - Date().timeIntervalSince(started)))
    }

    func testCorruptStoreFailsClosed() throws {
        let (_, work) = try guardedPush()
        try Data(repeating: 0x5a, count: 16_384).write(to: URL(fileURLWithPath: sandbox.storePath))
        try? FileManager.default.removeItem(atPath: sandbox.storePath + "-wal")
        try? FileManager.default.removeItem(atPath: sandbox.storePath + "-shm")
        let push = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(push.status, 0)
        XCTAssertTrue(push.stderr.contains("the config store failed"), push.stderr)
        XCTAssertTrue(push.stderr.contains("file is not a database"), push.stderr)
    }

    /// A `state.db` truncated to 0 bytes (a failed copy, a full disk) is a store that failed, per
    /// `onStoreError`, never a fresh store the hook fills with an empty schema (which told the
    /// pusher to register the app). Hooks and read-only commands create no schema: the file
    /// stays 0 bytes.
    func testEmptyStoreFileIsAStoreFailureAndStaysEmpty() throws {
        let (repo, work) = try guardedPush()
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: sandbox.storePath + suffix) }
        _ = try sandbox.run(["truncate", "-s", "0", sandbox.storePath])
        func size() -> Int { ((try? FileManager.default.attributesOfItem(atPath: sandbox.storePath))?[.size] as? Int) ?? -1 }
        XCTAssertEqual(size(), 0)
        let push = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertNotEqual(push.status, 0, "onStoreError = reject by default: \(push.all)")
        XCTAssertTrue(push.stderr.contains("the config store failed"), push.stderr)
        XCTAssertTrue(push.stderr.contains("is empty (0 bytes), not a PushGuard store"), push.stderr)
        XCTAssertTrue(push.stderr.contains("run `pushguard store init` if it is new, or restore it from a backup"), push.stderr)
        XCTAssertFalse(push.stderr.contains("does not know"), "not told to register the app: \(push.stderr)")
        XCTAssertEqual(size(), 0, "the hook wrote no schema")
        let status = try sandbox.pushguard("status", "--app", "shop")
        XCTAssertEqual(status.status, 3, status.all)
        XCTAssertTrue(status.stderr.contains("is empty (0 bytes), not a PushGuard store"), status.all)
        XCTAssertEqual(size(), 0, "status wrote no schema")
        // warn: accepted, saying why.
        try sandbox.git("config", "pushguard.onStoreError", "warn", in: repo)
        let warned = try sandbox.push("HEAD:refs/heads/main", from: work)
        XCTAssertEqual(warned.status, 0, warned.all)
        XCTAssertTrue(warned.stderr.contains("is empty (0 bytes), not a PushGuard store"), warned.stderr)
        XCTAssertEqual(size(), 0)
        // The admin's way out creates the schema.
        let initialized = try sandbox.pushguard("store", "init", "--user", "root")
        XCTAssertEqual(initialized.status, 0, initialized.all)
        XCTAssertGreaterThan(size(), 0)
    }

    /// A file that is not SQLite at all, opened by a read-only command, says the same.
    func testNonSQLiteStoreFileNamesTheWayOut() throws {
        try Data("not a database, just text that is long enough to be a header..........\n".utf8)
            .write(to: URL(fileURLWithPath: sandbox.storePath))
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: sandbox.storePath + suffix) }
        let status = try sandbox.pushguard("status")
        XCTAssertEqual(status.status, 3, status.all)
        XCTAssertTrue(status.stderr.contains("not a PushGuard store: file is not a database"), status.all)
        XCTAssertTrue(status.stderr.contains("restore it from a backup"), status.all)
    }

    func testReadOnlyStoreStillDecidesForAnotherUser() throws {
        let (repo, work) = try guardedPush()
        // The hook runs as an unprivileged user that may read the store but not write it.
        _ = try sandbox.run(["chmod", "a+rx", sandbox.root.path])
        for path in [repo, work, sandbox.path("home")] { _ = try sandbox.run(["chown", "-R", "nobody", path]) }
        _ = try sandbox.run(["chmod", "0755", sandbox.path("store")])
        _ = try sandbox.run(["sh", "-c", "chmod 0644 '\(sandbox.path("store"))'/*"])
        let push = try sandbox.run(["runuser", "-u", "nobody", "--", "env", "HOME=\(sandbox.path("home"))",
                                    "git", "push", "origin", "HEAD:refs/heads/main"], in: work)
        // K reached every instance: the push is accepted (the ref moves), and the pusher is told
        // that neither the decision nor the deploy could be recorded.
        XCTAssertEqual(push.status, 0, push.all)
        XCTAssertTrue(push.stderr.contains("* [new branch]      HEAD -> main"), push.stderr)
        XCTAssertTrue(push.stderr.contains("pushguard: warning: audit record not written: SQLite store \(sandbox.storePath): attempt to write a readonly database"), push.all)
        XCTAssertTrue(push.stderr.contains("pushguard: warning: deploy not recorded in the audit log"), push.all)
        XCTAssertTrue(FileManager.default.fileExists(atPath: repo + "/refs/heads/main"), "main exists on the server")
        XCTAssertFalse(push.stderr.contains("Fatal error"), push.all)
    }

    func testDiskFullWhileAuditingWarnsAndRefusesUnrecordableOverrides() throws {
        try requireOrSkip(getuid() == 0, "mounting a small tmpfs needs root (CI runs as root)")
        let mountPoint = sandbox.path("small-disk")
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        let mounted = try sandbox.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mountPoint])
        try requireOrSkip(mounted.status == 0, "tmpfs cannot be mounted here: \(mounted.all)")
        defer { _ = try? sandbox.run(["umount", "-l", mountPoint]) }
        sandbox.environment["PUSHGUARD_STORE"] = "sqlite:" + mountPoint + "/state.db"
        let repo = try sandbox.bareRepository("shop")
        try sandbox.pushguard("config", "set", "--app", "shop", "--env", "production", "K=-", input: "v")
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["K"])])
        XCTAssertNotEqual(try sandbox.push("HEAD:refs/heads/main", from: work).status, 0, "a rejection, audited while there is room")
        // Fill the disk.
        _ = try sandbox.run(["sh", "-c", "dd if=/dev/zero of='\(mountPoint)/filler' bs=4k 2>/dev/null; true"])
        let override = try sandbox.push("HEAD:refs/heads/main", from: work, options: ["pushguard.ack=disk full"])
        XCTAssertNotEqual(override.status, 0, "an override that cannot be recorded does not go through")
        // Depending on what SQLite must write first, the read or the audit insert meets the full disk.
        XCTAssertTrue(override.stderr.contains("refused: it cannot be recorded") || override.stderr.contains("the config store failed"),
                      override.stderr)
        XCTAssertTrue(override.stderr.contains("SQLite store \(mountPoint)/state.db: "), "names the store and what failed: \(override.stderr)")
        // Free the disk: everything works again and the store is intact.
        try FileManager.default.removeItem(atPath: mountPoint + "/filler")
        XCTAssertEqual(try sandbox.push("HEAD:refs/heads/main", from: work, options: ["pushguard.ack=room again"]).status, 0)
        let check = try sandbox.run(["sqlite3", mountPoint + "/state.db", "PRAGMA integrity_check"])
        XCTAssertEqual(check.stdout, "ok\n")
        let newest = try auditRecords().prefix(2)
        XCTAssertEqual(newest.map { $0["decision"] as? String }, ["deployed", "overridden"])
        XCTAssertEqual(newest.last?["reason"] as? String, "room again")
    }

    func testMissingDigestKeyIsNotSilentlyReplaced() throws {
        try sandbox.pushguard("config", "set", "--app", "a", "--env", "e", "K=-", input: "v")
        try FileManager.default.removeItem(atPath: sandbox.path("store/digest.key"))
        let output = try sandbox.pushguard("config", "set", "--app", "a", "--env", "e", "K=-", input: "v")
        XCTAssertEqual(output.status, 3, output.all)
        XCTAssertTrue(output.stderr.contains("is missing, but the store holds digests made with it"), output.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: sandbox.path("store/digest.key")))
    }

    func testUnreadableDigestKeyIsAClearError() throws {
        try sandbox.pushguard("config", "set", "--app", "a", "--env", "e", "K=-", input: "v")
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: sandbox.path("store/digest.key")))
        let short = try sandbox.pushguard("config", "set", "--app", "a", "--env", "e", "K=-", input: "v")
        XCTAssertEqual(short.status, 3)
        XCTAssertTrue(short.stderr.contains("shorter than 16 bytes"), short.stderr)
        try FileManager.default.removeItem(atPath: sandbox.path("store/digest.key"))
        try FileManager.default.createDirectory(atPath: sandbox.path("store/digest.key"), withIntermediateDirectories: true)
        let directory = try sandbox.pushguard("config", "set", "--app", "a", "--env", "e", "K=-", input: "v")
        XCTAssertEqual(directory.status, 3)
        XCTAssertTrue(directory.stderr.contains("cannot read the digest key"), directory.stderr)
    }

    // MARK: killed inside a write transaction

    /// The process holding SQLite's WAL write lock on the store, if any: byte 120 of the `-shm`
    /// file, which BEGIN IMMEDIATE takes and the end of COMMIT (or of the checkpoint after it)
    /// releases. Read with F_GETLK, which takes no lock.
    private func walWriter(_ shm: Int32) -> pid_t? {
        var lock = flock()
        lock.l_type = Int16(F_WRLCK)
        lock.l_whence = Int16(SEEK_SET)
        lock.l_start = 120
        lock.l_len = 1
        guard fcntl(shm, F_GETLK, &lock) == 0, lock.l_type != Int16(F_UNLCK) else { return nil }
        return lock.l_pid
    }

    /// Whether the WAL file holds a commit that the WAL index (-shm) does not show yet: a
    /// writer stopped while it finishes its COMMIT has its commit on disk (a later reader
    /// recovers it) though readers still see the old snapshot. The index's last frame is
    /// `mxFrame` (native byte order, offset 16 of -shm); a WAL frame is a 24-byte header
    /// (big-endian: page, commit size if it ends a transaction, the WAL header's two salts)
    /// and a page, after the 32-byte WAL header (page size at 8, salts at 16 and 20).
    private func commitWritten() -> Bool {
        guard let shm = FileManager.default.contents(atPath: sandbox.storePath + "-shm"), shm.count >= 48,
              let wal = FileManager.default.contents(atPath: sandbox.storePath + "-wal"), wal.count >= 32 else { return false }
        let bytes = [UInt8](wal)
        func bigEndian(_ offset: Int) -> UInt32 {
            bytes[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
        }
        let indexed = Int(shm.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 16, as: UInt32.self) })
        let pageSize = Int(bigEndian(8))
        guard pageSize >= 512 else { return false }
        let salts = (bigEndian(16), bigEndian(20))
        var frame = 1
        var offset = 32
        while offset + 24 + pageSize <= bytes.count {
            guard (bigEndian(offset + 8), bigEndian(offset + 12)) == salts else { break }
            if frame > indexed && bigEndian(offset + 4) != 0 { return true }
            frame += 1
            offset += 24 + pageSize
        }
        return false
    }

    private func count(_ sql: String) throws -> Int {
        let output = try sandbox.run(["sqlite3", sandbox.storePath, sql])
        XCTAssertEqual(output.status, 0, output.all)
        return Int(output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    /// How a run of `start()` ended: stopped and killed inside its write transaction (before
    /// its commit), stopped after its commit was written, or never stopped (its transaction
    /// was shorter than the delay).
    enum Kill: Equatable { case insideTransaction, afterCommit, neverWrote }

    /// Starts a process that writes `rows` rows (counted by `counting`) in one transaction;
    /// waits until it holds the store's write lock, lets it work `delay` seconds more, stops it
    /// (SIGSTOP) and, while it is stopped, checks that it still holds the lock and that none
    /// of its rows are committed: then it is provably inside its transaction, and is killed
    /// (SIGKILL) there. Every kill must leave all of the rows or none (checked after each).
    private func killInsideTransaction(rows: Int, counting: String, delay: Double,
                                       start: () throws -> Process) throws -> Kill {
        let before = try count(counting)
        let process = try start()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) }; process.waitUntilExit() }
        var shm: Int32 = -1
        defer { if shm >= 0 { close(shm) } }
        var writer: pid_t?
        let deadline = Date().addingTimeInterval(120)
        // The -shm file goes when the last connection closes and comes back with the next: the
        // lock is looked for on the file that is there now.
        // A lock held for less than `delay` (a statement's own short transaction, such as an
        // index that already exists) is let go: the writer is stopped only once it has held
        // the lock without a break for `delay` seconds.
        var opened = stat(), current = stat()
        var heldSince = Date()
        var heldLongEnough = false
        while process.isRunning && Date() < deadline {
            if stat(sandbox.storePath + "-shm", &current) != 0 { writer = nil; continue }
            if shm < 0 || fstat(shm, &opened) != 0 || opened.st_ino != current.st_ino {
                if shm >= 0 { close(shm) }
                shm = open(sandbox.storePath + "-shm", O_RDONLY)
                writer = nil
                continue
            }
            guard let holder = walWriter(shm) else { writer = nil; continue }
            if holder != writer { writer = holder; heldSince = Date() }
            if Date().timeIntervalSince(heldSince) >= delay { heldLongEnough = true; break }
        }
        guard heldLongEnough, let writer else {
            // Never stopped: the process ran to its end (or the deadline); still all or nothing.
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            let after = try count(counting) - before
            XCTAssertTrue(after == 0 || after == rows, "all \(rows) rows or none, not \(after)")
            return .neverWrote
        }
        // Stopped just as it changes the WAL index, the writer leaves readers unable to get a
        // snapshot (SQLITE_PROTOCOL): then it runs on for 2 ms and is stopped again.
        var stillWriting = false
        var committed: Int?
        for _ in 0..<50 {
            kill(writer, SIGSTOP)
            stillWriting = walWriter(shm) == writer
            let read = try sandbox.run(["sqlite3", sandbox.storePath, counting])
            if read.status == 0 { committed = Int(read.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).map { $0 - before }; break }
            kill(writer, SIGCONT)
            usleep(2000)
        }
        guard let committed else {
            XCTFail("the store could not be read while the writer was stopped")
            return .neverWrote
        }
        let kill: Kill = stillWriting && committed == 0 && !commitWritten() ? .insideTransaction : .afterCommit
        XCTAssertTrue(committed == 0 || committed == rows, "stopped with \(committed) of \(rows) rows committed: not one transaction")
        Glibc.kill(writer, SIGKILL)
        Glibc.kill(writer, SIGCONT)
        process.waitUntilExit()
        XCTAssertEqual(try sandbox.run(["sqlite3", sandbox.storePath, "PRAGMA integrity_check"]).stdout, "ok\n")
        let after = try count(counting) - before
        if kill == .insideTransaction {
            XCTAssertEqual(after, 0, "killed before its commit: none of its \(rows) rows are there")
        } else {
            XCTAssertTrue(after == 0 || after == rows, "all \(rows) rows or none, not \(after)")
        }
        return kill
    }

    func testAHookKilledInsideItsAuditTransactionLeavesNoHalfWrittenState() throws {
        let repo = try sandbox.bareRepository("shop", config: [("pushguard.production.ref", "refs/heads/release/*")])
        try sandbox.pushguard("config", "set", "--app", "shop", "--env", "production", "K=-", "--transmit", input: "v")
        let work = try sandbox.workTree("work", remote: repo, files: ["app.json": manifest(requiring: ["K"])])
        try sandbox.git("push", "-q", repo, "HEAD:refs/heads/side", in: work)
        let head = try sandbox.git("rev-parse", "HEAD", in: work).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // 2,000 refs: one audit transaction of 2,000 rows.
        let refs = 2000
        let input = (0..<refs).map { "\(String(repeating: "0", count: 40)) \(head) refs/heads/release/r\($0)\n" }.joined()
        try input.write(toFile: sandbox.path("refs.txt"), atomically: true, encoding: .utf8)
        let hook = { () throws -> Process in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: repo + "/hooks/pre-receive")
            process.environment = self.sandbox.environment.merging(["GIT_DIR": repo]) { $1 }
            process.currentDirectoryURL = URL(fileURLWithPath: repo)
            process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: self.sandbox.path("refs.txt")))
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        let counting = "SELECT COUNT(*) FROM audit WHERE decision NOT IN ('registered', 'removed')"
        var kills: [Kill] = []
        for delay in [0.001, 0.002, 0.004, 0.008, 0.016, 0.032] {
            kills.append(try killInsideTransaction(rows: refs, counting: counting, delay: delay, start: hook))
        }
        XCTAssertGreaterThanOrEqual(kills.filter { $0 == .insideTransaction }.count, 2, "kills landed inside the transaction: \(kills)")
        // The store still works for the next push.
        XCTAssertEqual(try sandbox.push("HEAD:refs/heads/release/after", from: work).status, 0)
    }

    func testACommandKilledInsideItsTransactionLeavesNoHalfWrittenState() throws {
        try sandbox.pushguard("config", "set", "--app", "a", "--env", "e", "FIRST=-", input: "v")
        // One `config set` of 2,000 keys: one transaction writing 2,000 change rows (each
        // attempt sets new values, so each is a change).
        let keys = 2000
        let counting = "SELECT COUNT(*) FROM config_changes"
        var kills: [Kill] = []
        for (attempt, delay) in [0.002, 0.005, 0.01, 0.02].enumerated() {
            let assignments = (0..<keys).map { "K\($0)=value-\(attempt)-\($0)" }
            kills.append(try killInsideTransaction(rows: keys, counting: counting, delay: delay) {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: self.sandbox.binary)
                process.arguments = ["config", "set", "--app", "a", "--env", "e"] + assignments
                process.environment = self.sandbox.environment
                process.standardInput = FileHandle.nullDevice
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                return process
            })
            // What status shows agrees: version 1 (nothing landed) or a whole new version.
            let document = try sandbox.pushguard("status", "--app", "a", "--env", "e", "--json")
            XCTAssertEqual(document.status, 0, document.all)
            let json = try JSONSerialization.jsonObject(with: Data(document.stdout.utf8)) as? [String: Any]
            let config = json?["config"] as? [[String: Any]] ?? []
            XCTAssertTrue(config.count == 1 || config.count == keys + 1, "\(config.count) keys")
        }
        XCTAssertGreaterThanOrEqual(kills.filter { $0 == .insideTransaction }.count, 2, "kills landed inside the transaction: \(kills)")
    }
}
