//! 北京时间: times are stored in UTC (RFC 3339, e.g. `2026-12-02T10:05:07.123Z`) and every time a
//! person reads — on a page, in an export, on the command line — is Beijing time (Asia/Shanghai,
//! UTC+8 all year: China has kept no daylight saving time since 1991), labelled as such.

use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// UTC+8.
pub const BEIJING: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(o) => o,
    Err(_) => panic!("a valid offset"),
};

/// The label beside a time column: "时间（北京时间）".
pub const LABEL: &str = "北京时间";

fn parse(stored: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(stored.trim(), &Rfc3339).ok().map(|t| t.to_offset(BEIJING))
}

fn minutes(t: OffsetDateTime) -> String {
    format!("{}-{:02}-{:02} {:02}:{:02}", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute())
}

/// A date and time as people read it, to the second: "2026-12-02 18:05:07" (already Beijing time).
pub fn seconds_text(t: time::PrimitiveDateTime) -> String {
    format!("{} {:02}:{:02}:{:02}", crate::format_date(t.date()), t.hour(), t.minute(), t.second())
}

/// A stored time in Beijing time to the minute: "2026-12-02 18:05". Text that is not a stored time is
/// shown as it is (nothing is hidden by a bad value).
pub fn beijing(stored: &str) -> String {
    parse(stored).map_or_else(|| stored.to_string(), minutes)
}

/// A stored time in Beijing time to the second: "2026-12-02 18:05:07" (the audit log).
pub fn beijing_seconds(stored: &str) -> String {
    beijing_datetime(stored).map_or_else(|| stored.to_string(), seconds_text)
}

/// A stored time as a Beijing date and time (for a date-time cell of a workbook); `None` when the
/// text is not a stored time.
pub fn beijing_datetime(stored: &str) -> Option<time::PrimitiveDateTime> {
    parse(stored).map(|t| time::PrimitiveDateTime::new(t.date(), t.time()))
}

/// A unix time in Beijing time to the minute; "—" when out of range.
pub fn beijing_unix(t: i64) -> String {
    OffsetDateTime::from_unix_timestamp(t).map_or_else(|_| "—".into(), |t| minutes(t.to_offset(BEIJING)))
}

/// The UTC instant at which a Beijing day begins, as the prefix of a stored time
/// ("2026-12-01T16:00:00" for 2026-12-02): `stored >= start_of(d)` holds for every time from that
/// Beijing midnight on, `stored < start_of(d + 1 day)` for every time up to the end of that day.
pub fn start_of(day: time::Date) -> String {
    let t = day.midnight().assume_offset(BEIJING).to_offset(UtcOffset::UTC);
    format!(
        "{}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_utc_time_is_shown_eight_hours_later_across_midnight_and_the_year() {
        assert_eq!(beijing("2026-12-02T10:05:07.123Z"), "2026-12-02 18:05");
        assert_eq!(beijing("2019-12-31T16:30:00Z"), "2020-01-01 00:30", "new year in Beijing first");
        assert_eq!(beijing_seconds("2026-06-30T23:59:59Z"), "2026-07-01 07:59:59", "no summer time");
        assert_eq!(beijing("2026-12-02T18:05:00+08:00"), "2026-12-02 18:05", "an offset already Beijing");
    }

    #[test]
    fn a_beijing_day_starts_at_four_pm_utc_the_day_before() {
        let d = time::macros::date!(2026 - 12 - 02);
        assert_eq!(start_of(d), "2026-12-01T16:00:00");
        // A record at Beijing 00:00:00.5 belongs to the day; one at 23:59:59.9 the day before does not.
        assert!("2026-12-01T16:00:00.5Z" >= start_of(d).as_str());
        assert!("2026-12-01T15:59:59.9Z" < start_of(d).as_str());
    }

    #[test]
    fn unix_times_and_bad_values() {
        assert_eq!(beijing_unix(0), "1970-01-01 08:00");
        assert_eq!(beijing_unix(i64::MAX), "—");
        assert_eq!(beijing("not a time"), "not a time", "shown as it is");
    }
}
