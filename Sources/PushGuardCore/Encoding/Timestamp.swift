/// RFC 3339 UTC timestamps to the second (`2026-11-27T18:36:00Z`), the form of every record's
/// time. Computed here rather than with the C library: glibc's `gmtime_r` reads /etc/localtime
/// the first time it runs, a file a hook has no use for.
public enum Timestamp {
    /// The time `seconds` after 1970-01-01T00:00:00Z, in the proleptic Gregorian calendar
    /// (years 0 to 9999 print with four digits).
    public static func utc(secondsSinceEpoch seconds: Int) -> String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        // Days since 1970-01-01 to year, month and day, counting in 400-year eras that start
        // on 0000-03-01 so that the leap day falls at the end of each year.
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return padded(year, 4) + "-" + padded(month, 2) + "-" + padded(day, 2) + "T" + padded(secondOfDay / 3_600, 2)
            + ":" + padded(secondOfDay / 60 % 60, 2) + ":" + padded(secondOfDay % 60, 2) + "Z"
    }

    private static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return value < 0 || digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
