import PushGuardCore
import PushGuardSystem

/// A value bound to or read from a statement.
enum SQLValue: Equatable {
    case null
    case integer(Int64)
    case text(String)

    /// The value as an integer (PostgreSQL returns every column as text).
    var integer: Int64 {
        switch self {
        case .integer(let value): return value
        case .text(let text): return Int64(text) ?? 0
        case .null: return 0
        }
    }

    /// The value as text.
    var text: String {
        switch self {
        case .text(let text): return text
        case .integer(let value): return String(value)
        case .null: return ""
        }
    }

    var isNull: Bool { self == .null }
}

/// One result row.
typealias SQLRow = [SQLValue]

/// A database call that failed. Carries the SQL's first line, never the bound values.
struct SQLError: Error, CustomStringConvertible {
    var message: String
    var sql: String?
    /// The database was locked or did not answer within the timeout.
    var timedOut: Bool = false
    /// PostgreSQL's SQLSTATE, when there is one.
    var state: String?

    var description: String {
        guard let sql else { return message }
        return message + " (in: " + (sql.split(separator: "\n").first.map(String.init) ?? sql) + ")"
    }
}

/// The SQL dialects the shared store speaks.
enum SQLDialect {
    case sqlite, postgres
}

/// A connection the shared SQL store runs on. SQL uses `$1, $2, …` placeholders and the
/// syntax both SQLite and PostgreSQL accept (`ON CONFLICT`, `CAST(… AS TEXT)`).
protocol SQLConnection: AnyObject {
    var dialect: SQLDialect { get }
    /// Runs one statement and returns its rows.
    @discardableResult
    func query(_ sql: String, _ values: [SQLValue]) throws(SQLError) -> [SQLRow]
    /// Runs `body` in a transaction. Write transactions serialize writers to one environment
    /// (`lock`) for the whole transaction; read transactions see one consistent snapshot.
    func transaction<T>(write: Bool, lock: String, _ body: () throws(SQLError) -> T) throws(SQLError) -> T
    func close()
}
