import CPostgres
import Glibc
import PushGuardCore
import PushGuardSystem

/// One PostgreSQL connection through libpq (loaded on first use). Every step, connecting
/// included, runs on libpq's non-blocking API against one deadline, so a server that is down,
/// hangs or holds a lock cannot keep a hook past `pushguard.timeout`.
final class PostgresConnection: SQLConnection {
    private var connection: OpaquePointer?
    private let timeoutMilliseconds: Int

    /// Connects with a libpq URL; passwords come from the URL, `PGPASSFILE`/`~/.pgpass` or
    /// `PGPASSWORD`, as libpq users expect. Errors may quote parts of `url` (libpq does, for
    /// a malformed one): the caller scrubs them with its `StoreURL`.
    init(url: String, timeoutMilliseconds: Int) throws(SQLError) {
        self.timeoutMilliseconds = timeoutMilliseconds
        var error = [CChar](repeating: 0, count: 512)
        guard pushguard_libpq_load(&error, error.count) == 0 else {
            throw SQLError(message: String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        let deadline = Clock.monotonicMilliseconds() + timeoutMilliseconds
        guard let connection = pg_PQconnectStart(url) else { throw SQLError(message: "out of memory") }
        self.connection = connection
        if pg_PQstatus(connection) == CONNECTION_BAD { throw connectionFailure() }
        var status = PGRES_POLLING_WRITING
        while status != PGRES_POLLING_OK {
            switch status {
            case PGRES_POLLING_FAILED: throw connectionFailure()
            case PGRES_POLLING_READING: try wait(for: Int16(POLLIN), until: deadline, what: "connecting")
            default: try wait(for: Int16(POLLOUT), until: deadline, what: "connecting")
            }
            status = pg_PQconnectPoll(connection)
        }
        pg_PQsetnonblocking(connection, 1)
        // The server gives up on its side too, so an abandoned lock wait does not linger.
        try query("SELECT set_config('statement_timeout', $1, false), set_config('lock_timeout', $1, false)",
                  [.text(String(timeoutMilliseconds))])
    }

    deinit { close() }

    func close() {
        if let connection { pg_PQfinish(connection) }
        connection = nil
    }

    @discardableResult
    func query(_ sql: String, _ values: [SQLValue]) throws(SQLError) -> [SQLRow] {
        guard let connection else { throw SQLError(message: "connection closed") }
        let deadline = Clock.monotonicMilliseconds() + timeoutMilliseconds
        let texts: [String?] = values.map(\.boundText)
        let pointers: [UnsafeMutablePointer<CChar>?] = texts.map { $0.map { strdup($0) } ?? nil }
        defer { for pointer in pointers { free(pointer) } }
        let sent = pointers.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: max(1, buffer.count)) { base in
                pg_PQsendQueryParams(connection, sql, Int32(values.count), nil, values.isEmpty ? nil : base, nil, nil, 0)
            }
        }
        guard sent == 1 else { throw SQLError(message: lastError(), sql: sql) }
        while true {
            let flushed = pg_PQflush(connection)
            if flushed == 0 { break }
            if flushed < 0 { throw SQLError(message: lastError(), sql: sql) }
            try wait(for: Int16(POLLOUT | POLLIN), until: deadline, what: "sending a query", sql: sql)
            _ = pg_PQconsumeInput(connection)
        }
        var rows: [SQLRow] = []
        var failure: SQLError?
        while true {
            while pg_PQisBusy(connection) == 1 {
                try wait(for: Int16(POLLIN), until: deadline, what: "waiting for an answer", sql: sql)
                guard pg_PQconsumeInput(connection) == 1 else { throw SQLError(message: lastError(), sql: sql) }
            }
            guard let result = pg_PQgetResult(connection) else { break }
            defer { pg_PQclear(result) }
            switch pg_PQresultStatus(result) {
            case PGRES_COMMAND_OK: break
            case PGRES_TUPLES_OK:
                let count = pg_PQntuples(result), width = pg_PQnfields(result)
                let columns = SQLColumns((0..<width).map { column in
                    pg_PQfname(result, column).map { String(cString: $0) } ?? ""
                })
                rows.reserveCapacity(Int(count))
                for row in 0..<count {
                    var values: [SQLValue] = []
                    values.reserveCapacity(Int(width))
                    for column in 0..<width {
                        if pg_PQgetisnull(result, row, column) == 1 {
                            values.append(.null)
                        } else {
                            values.append(.text(String(cString: pg_PQgetvalue(result, row, column))))
                        }
                    }
                    rows.append(SQLRow(columns: columns, values: values))
                }
            default:
                failure = failure ?? resultFailure(result, sql: sql, values: values)
            }
        }
        if let failure { throw failure }
        return rows
    }

    /// Write transactions take a transaction-scoped advisory lock on `lock` (an environment), so
    /// two git servers changing one environment queue instead of interleaving (an empty `lock`
    /// takes none); reads use one repeatable-read snapshot.
    func transaction<T>(write: Bool, lock: String, _ body: () throws(SQLError) -> T) throws(SQLError) -> T {
        try query(write ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", [])
        do {
            if write && !lock.isEmpty { try query("SELECT pg_advisory_xact_lock(hashtext($1))", [.text(lock)]) }
            let result = try body()
            try query("COMMIT", [])
            return result
        } catch {
            _ = try? query("ROLLBACK", [])
            throw error
        }
    }

    /// Waits until the socket is ready or the deadline passes.
    private func wait(for events: Int16, until deadline: Int, what: String, sql: String? = nil) throws(SQLError) {
        let socket = pg_PQsocket(connection)
        guard socket >= 0 else { throw SQLError(message: lastError(), sql: sql) }
        while true {
            let left = deadline - Clock.monotonicMilliseconds()
            if left <= 0 {
                throw SQLError(message: "no answer within \(timeoutMilliseconds) ms while \(what) (pushguard.timeout)",
                               sql: sql, timedOut: true)
            }
            var descriptor = pollfd(fd: socket, events: events, revents: 0)
            let ready = poll(&descriptor, 1, Int32(min(left, 1000)))
            if ready > 0 { return }
            if ready < 0 && errno != EINTR { throw SQLError(message: "poll: \(lastErrorText())", sql: sql) }
        }
    }

    private func connectionFailure() -> SQLError {
        SQLError(message: "cannot connect: " + lastError())
    }

    /// The server's error as its primary message and SQLSTATE only: the DETAIL, HINT and
    /// CONTEXT lines of the full text can quote row values (`Key (app)=(…) already exists`).
    /// The primary message itself quotes the input a data exception (class 22) could not take,
    /// so then every quoted part is hidden, and otherwise any quoted bound value.
    private func resultFailure(_ result: OpaquePointer, sql: String, values: [SQLValue]) -> SQLError {
        let field = { (code: Character) in pg_PQresultErrorField(result, Int32(code.asciiValue!)).map { String(cString: $0) } }
        let state = field("C")
        let primary = field("M") ?? "the server reported an error without a message"
        let bound = Set(values.compactMap(\.boundText).filter { !$0.isEmpty })
        let dataException = state?.hasPrefix("22") ?? false
        // Split on quotes: the odd parts are the quoted ones.
        let parts = primary.split(separator: "\"", omittingEmptySubsequences: false).enumerated().map { index, part in
            index % 2 == 1 && (dataException || bound.contains(String(part))) ? "***" : String(part)
        }
        let message = trimmed(parts.joined(separator: "\"")) + (state.map { " (SQLSTATE \($0))" } ?? "")
        // 57014 query_canceled (statement_timeout), 55P03 lock_not_available (lock_timeout).
        return SQLError(message: message, sql: sql, timedOut: state == "57014" || state == "55P03")
    }

    /// libpq's connection-level message (it cannot connect, the connection broke), without any
    /// DETAIL/HINT/CONTEXT lines a server error carried into it.
    private func lastError() -> String {
        guard let connection, let message = pg_PQerrorMessage(connection) else { return "unknown libpq error" }
        let lines = String(cString: message).split(separator: "\n").filter { line in
            let text = line.drop { $0 == " " || $0 == "\t" }
            return !["DETAIL:", "HINT:", "CONTEXT:", "QUERY:", "STATEMENT:", "LOCATION:"].contains { text.hasPrefix($0) }
        }
        return trimmed(lines.joined(separator: "\n"))
    }

    private func trimmed(_ text: String) -> String {
        escapedForTerminal(text.split(separator: "\n").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }.joined(separator: "; "))
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
