import PushGuardCore
import PushGuardSystem

/// A value bound to or read from a statement. PostgreSQL returns every column as text; SQLite
/// returns integers as integers and anything else (real, blob) as its text.
enum SQLValue: Equatable {
    case null
    case integer(Int64)
    case text(String)

    /// The text libpq sends for a bound value; nil for NULL.
    var boundText: String? {
        switch self {
        case .null: return nil
        case .integer(let value): return String(value)
        case .text(let text): return text
        }
    }

    /// The value as a message shows it: NULL, a number, or quoted, escaped and cut text.
    var shown: String {
        switch self {
        case .null: return "NULL"
        case .integer(let value): return String(value)
        case .text(let text):
            let cut = text.count > 60
            let inner = escapedForTerminal(String(text.prefix(60))).replacingEvery("\"", with: "\\\"")
            return "\"" + inner + (cut ? "…" : "") + "\""
        }
    }
}

/// The column names of one result, shared by its rows.
final class SQLColumns {
    let names: [String]

    init(_ names: [String]) { self.names = names }

    /// The first column named `name`. A scan, not a dictionary: results have a dozen columns at
    /// most, and hashing the name on every access cost reading 1,000 instances more than the
    /// comparisons (short names are compared in place).
    func index(of name: String) -> Int? { names.firstIndex(of: name) }
}

/// One result row, read by column name. Every accessor checks what it reads: a NULL, a number
/// that is not one, a value outside its set is a `SQLError` naming `table.column` and the
/// value, never a default.
struct SQLRow {
    let columns: SQLColumns
    let values: [SQLValue]
    /// The table the row was read from, for messages (set by `SQLConnection.records`).
    var table = ""

    init(columns: SQLColumns, values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    /// The raw value of `column`.
    func value(_ column: String) throws(SQLError) -> SQLValue {
        guard let index = columns.index(of: column), index < values.count else {
            throw SQLError(message: "the result has no column \(qualified(column)) (a pushguard bug)")
        }
        return values[index]
    }

    /// An integer column: SQLite's INTEGER, or PostgreSQL's text of one.
    func int64(_ column: String) throws(SQLError) -> Int64 {
        let value = try value(column)
        switch value {
        case .integer(let number): return number
        case .text(let text): if let number = Int64(text) { return number }
        case .null: break
        }
        throw corrupt(column, value, expected: "an integer")
    }

    /// A text column.
    func string(_ column: String) throws(SQLError) -> String {
        let value = try value(column)
        guard case .text(let text) = value else { throw corrupt(column, value, expected: "text") }
        return text
    }

    /// A 0/1 flag column.
    func flag(_ column: String) throws(SQLError) -> Bool {
        let value = try value(column)
        switch try? int64(column) {
        case 0: return false
        case 1: return true
        default: throw corrupt(column, value, expected: "0 or 1")
        }
    }

    /// A text column holding a raw value of `T`; `known` lists them for the message.
    func oneOf<T: RawRepresentable>(_ column: String, _ known: [T]) throws(SQLError) -> T where T.RawValue == String {
        let value = try value(column)
        if case .text(let text) = value, let parsed = T(rawValue: text) { return parsed }
        throw corrupt(column, value, expected: "one of " + known.map(\.rawValue).joined(separator: ", "))
    }

    func corrupt(_ column: String, _ value: SQLValue, expected: String) -> SQLError {
        let what = value == .null ? "is NULL" : "holds " + value.shown
        return SQLError(message: "unreadable row: \(qualified(column)) \(what), not \(expected)")
    }

    private func qualified(_ column: String) -> String { table.isEmpty ? column : table + "." + column }
}

/// A record read from one table, column by column.
protocol SQLRecord {
    static var table: String { get }
    init(row: SQLRow) throws(SQLError)
}

/// A database call that failed. Carries the SQL's first line, never the bound values.
struct SQLError: Error, CustomStringConvertible {
    var message: String
    var sql: String?
    /// The database was locked or did not answer within the timeout.
    var timedOut: Bool = false
    /// SQLite found no database in the file (SQLITE_NOTADB).
    var notADatabase = false

    var description: String {
        guard let sql else { return message }
        return message + " (in: " + (sql.split(separator: "\n").first.map(String.init) ?? sql) + ")"
    }
}

/// The SQL dialects the shared store's schema is written for.
enum SQLDialect {
    case sqlite, postgres
}

/// A connection the shared SQL store runs on. SQL uses `$1, $2, …` placeholders and the
/// syntax both SQLite and PostgreSQL accept (`ON CONFLICT`, `CAST(… AS TEXT)`).
protocol SQLConnection: AnyObject {
    /// Runs one statement and returns its rows.
    @discardableResult
    func query(_ sql: String, _ values: [SQLValue]) throws(SQLError) -> [SQLRow]
    /// Runs `body` in a transaction. Write transactions serialize writers to one environment
    /// (`lock`) for the whole transaction; read transactions see one consistent snapshot.
    func transaction<T>(write: Bool, lock: String, _ body: () throws(SQLError) -> T) throws(SQLError) -> T
    /// Runs one statement and hands each row to `body` as it is read (SQLite: without keeping
    /// every row's values until the last one is read).
    func forEachRow(_ sql: String, _ values: [SQLValue], _ body: (SQLRow) throws(SQLError) -> Void) throws(SQLError)
    func close()
}

extension SQLConnection {
    func forEachRow(_ sql: String, _ values: [SQLValue], _ body: (SQLRow) throws(SQLError) -> Void) throws(SQLError) {
        for row in try query(sql, values) { try body(row) }
    }

    /// Runs one statement and reads each row as a `Record` of its table.
    func records<Record: SQLRecord>(_ sql: String, _ values: [SQLValue], as type: Record.Type = Record.self) throws(SQLError) -> [Record] {
        var records: [Record] = []
        try forEachRow(sql, values) { (row: SQLRow) throws(SQLError) in
            var row = row
            row.table = Record.table
            records.append(try Record(row: row))
        }
        return records
    }
}
