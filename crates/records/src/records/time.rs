//! Timestamps in the records store: UTC, milliseconds since the Unix epoch; dates as YYYY-MM-DD.

use crate::records::RecordsError;
use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;

/// Now, in UTC milliseconds since 1970-01-01T00:00:00Z (0 if the clock is before 1970).
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date (year, month, day) of a day number since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Parses `YYYY-MM-DD` to the first millisecond of that day in UTC.
pub fn parse_date(text: &str) -> Result<i64, RecordsError> {
    let bad = || RecordsError::BadDate {
        text: text.to_string(),
    };
    let t = text.trim();
    let bytes = t.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return Err(bad());
    }
    let num = |s: &str| -> Result<i64, RecordsError> {
        if s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse::<i64>().map_err(|_| bad())
        } else {
            Err(bad())
        }
    };
    let y = num(&t[0..4])?;
    let m = num(&t[5..7])?;
    let d = num(&t[8..10])?;
    let month_days = [
        31,
        if is_leap(y) { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&m) {
        return Err(bad());
    }
    let max_d = month_days[usize::try_from(m - 1).map_err(|_| bad())?];
    if d < 1 || d > max_d {
        return Err(bad());
    }
    Ok(days_from_civil(y, m, d) * DAY_MS)
}

/// Formats UTC milliseconds as ISO-8601, `2026-03-01T09:30:00Z`.
pub fn format_utc(ms: i64) -> String {
    let days = ms.div_euclid(DAY_MS);
    let rem = ms.rem_euclid(DAY_MS) / 1000;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// Formats UTC milliseconds as RFC 3339 with milliseconds, `2026-03-01T09:30:00.123Z`
/// (the form xAPI timestamps take).
pub(crate) fn format_utc_ms(ms: i64) -> String {
    let days = ms.div_euclid(DAY_MS);
    let rem = ms.rem_euclid(DAY_MS);
    let secs = rem / 1000;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60,
        rem % 1000
    )
}

/// UTC milliseconds as the date only, `2026-03-01` (the inverse of [`parse_date`]); the
/// assignments' due dates, which are UTC days (docs/learning.md, "Assignments").
pub fn format_date(ms: i64) -> String {
    let (y, m, d) = civil_from_days(ms.div_euclid(DAY_MS));
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        assert_eq!(parse_date("1970-01-01").ok(), Some(0));
        assert_eq!(parse_date("2000-03-01").ok(), Some(951_868_800_000));
        assert_eq!(
            format_utc(951_868_800_000 + 3_723_000),
            "2000-03-01T01:02:03Z"
        );
        assert_eq!(format_date(-1), "1969-12-31");
        for text in ["2024-02-29", "2026-12-31", "1999-01-01"] {
            let ms = parse_date(text).unwrap_or(i64::MIN);
            assert_eq!(format_date(ms), text);
        }
    }

    #[test]
    fn bad_dates_are_refused() {
        for text in [
            "2023-02-29",
            "2026-13-01",
            "2026-1-01",
            "26-01-01",
            "2026/01/01",
            "",
            "2026-01-0x",
        ] {
            assert!(parse_date(text).is_err(), "{text}");
        }
    }
}
