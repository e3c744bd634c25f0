//! Times as the people at this station read them: the store's UTC milliseconds in the computer's local time zone (chrono reads `TZ` and /etc/localtime), as "Today 14:05" or a date and time.

use crate::app::i18n::{Lang, T};
use chrono::{DateTime, Datelike, Local, NaiveDate, Offset, TimeZone, Timelike, Utc};

/// A moment in local time: the calendar day (days since 1970-01-01) and the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    pub day: i64,
    pub year: i64,
    pub month: u32,
    pub mday: u32,
    pub hour: u32,
    pub minute: u32,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// "Today 14:05", "Yesterday 09:12", "1 Dec 2026 08:27" (今天 14:05, 昨天 09:12,
/// 2026年12月1日 08:27): `when` as seen from `now`, both local.
pub(crate) fn readable(when: LocalTime, now: LocalTime, lang: Lang) -> String {
    let clock = format!("{:02}:{:02}", when.hour, when.minute);
    match now.day - when.day {
        0 => T::Today.fmt(lang, &[&clock]),
        1 => T::Yesterday.fmt(lang, &[&clock]),
        _ => match lang {
            Lang::En => {
                let month = MONTHS[(when.month.clamp(1, 12) - 1) as usize];
                format!("{} {month} {} {clock}", when.mday, when.year)
            }
            Lang::Zh => format!("{}年{}月{}日 {clock}", when.year, when.month, when.mday),
        },
    }
}

/// Days from 0001-01-01 (chrono's day 1) to 1970-01-01.
const UNIX_EPOCH_DAYS_FROM_CE: i64 = 719_163;

fn utc(ms: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

/// `ms` (UTC milliseconds) in the time zone `tz`.
pub(crate) fn local_time_in<Tz: TimeZone>(ms: i64, tz: &Tz) -> LocalTime {
    let t = utc(ms).with_timezone(tz);
    LocalTime {
        day: i64::from(t.date_naive().num_days_from_ce()) - UNIX_EPOCH_DAYS_FROM_CE,
        year: i64::from(t.year()),
        month: t.month(),
        mday: t.day(),
        hour: t.hour(),
        minute: t.minute(),
    }
}

/// `ms` in this computer's time zone.
pub(crate) fn local_time(ms: i64) -> LocalTime {
    local_time_in(ms, &Local)
}

/// "Today 14:05", "Yesterday 09:12", "1 Dec 2026 08:27" (今天 14:05 …): `ms` as seen at
/// `now_ms`, both in `tz`.
pub(crate) fn readable_in<Tz: TimeZone>(ms: i64, now_ms: i64, tz: &Tz, lang: Lang) -> String {
    readable(local_time_in(ms, tz), local_time_in(now_ms, tz), lang)
}

/// [`readable_in`] in this computer's time zone.
pub fn readable_local(ms: i64, now_ms: i64, lang: Lang) -> String {
    readable_in(ms, now_ms, &Local, lang)
}

/// `2026-12-01 16:27` in `tz` (a file name's stamp, a chart label, a CSV cell).
pub(crate) fn stamp_in<Tz: TimeZone>(ms: i64, tz: &Tz) -> String {
    let t = local_time_in(ms, tz);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        t.year, t.month, t.mday, t.hour, t.minute
    )
}

/// [`stamp_in`] in this computer's time zone.
pub(crate) fn stamp(ms: i64) -> String {
    stamp_in(ms, &Local)
}

/// The UTC offset of `tz` at `ms`, as `+08:00` (for a CSV header that says which zone).
pub(crate) fn offset_in<Tz: TimeZone>(ms: i64, tz: &Tz) -> String {
    let secs = utc(ms).with_timezone(tz).offset().fix().local_minus_utc();
    let sign = if secs < 0 { '-' } else { '+' };
    let m = secs.unsigned_abs() / 60;
    format!("{sign}{:02}:{:02}", m / 60, m % 60)
}

/// [`offset_in`] for this computer's time zone.
pub(crate) fn offset(ms: i64) -> String {
    offset_in(ms, &Local)
}

/// The first millisecond of the day `date` (`YYYY-MM-DD`) in `tz`; `None` for text that
/// is no date. A day whose midnight a clock change skips starts at its first real minute.
pub(crate) fn day_start_in<Tz: TimeZone>(date: &str, tz: &Tz) -> Option<i64> {
    let day = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").ok()?;
    (0..=3 * 60).find_map(|minute| {
        let at = day.and_hms_opt(minute / 60, minute % 60, 0)?;
        tz.from_local_datetime(&at)
            .earliest()
            .map(|t| t.timestamp_millis())
    })
}

/// [`day_start_in`] in this computer's time zone.
pub(crate) fn day_start(date: &str) -> Option<i64> {
    day_start_in(date, &Local)
}

/// The first millisecond after the day `date` in `tz` (the start of the next day).
pub(crate) fn day_end_in<Tz: TimeZone>(date: &str, tz: &Tz) -> Option<i64> {
    let next = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
        .ok()?
        .succ_opt()?;
    day_start_in(&next.format("%Y-%m-%d").to_string(), tz)
}

/// [`day_end_in`] in this computer's time zone.
pub(crate) fn day_end(date: &str) -> Option<i64> {
    day_end_in(date, &Local)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (year, month, day) of a day number (days since 1970-01-01), proleptic Gregorian:
    /// the records' calendar (`records::time`), with month and day as the screen keeps them.
    fn civil_from_days(z: i64) -> (i64, u32, u32) {
        let (y, m, d) = crate::core::records::time::civil_from_days(z);
        (y, m as u32, d as u32)
    }

    fn at(day: i64, hour: u32, minute: u32) -> LocalTime {
        let (year, month, mday) = civil_from_days(day);
        LocalTime {
            day,
            year,
            month,
            mday,
            hour,
            minute,
        }
    }

    #[test]
    fn times_read_as_today_yesterday_or_a_date() {
        // 2026-12-01 is day 20_788.
        assert_eq!(civil_from_days(20_788), (2026, 12, 1));
        let now = at(20_788, 16, 0);
        assert_eq!(readable(at(20_788, 14, 5), now, Lang::En), "Today 14:05");
        assert_eq!(readable(at(20_788, 14, 5), now, Lang::Zh), "今天 14:05");
        assert_eq!(readable(at(20_787, 9, 2), now, Lang::En), "Yesterday 09:02");
        assert_eq!(readable(at(20_787, 9, 2), now, Lang::Zh), "昨天 09:02");
        let old = at(20_788 - 30, 8, 27);
        assert_eq!(readable(old, now, Lang::En), "1 Nov 2026 08:27");
        assert_eq!(readable(old, now, Lang::Zh), "2026年11月1日 08:27");
    }
    use chrono::FixedOffset;

    const MS: i64 = 1_764_577_624_000; // 2025-12-01T08:27:04Z

    fn east(hours: i32) -> FixedOffset {
        FixedOffset::east_opt(hours * 3600).expect("offset")
    }

    #[test]
    fn a_utc_time_reads_in_the_stations_zone() {
        assert_eq!(stamp_in(MS, &Utc), "2025-12-01 08:27");
        assert_eq!(stamp_in(MS, &east(8)), "2025-12-01 16:27");
        // West of Greenwich the same moment is still the previous evening.
        assert_eq!(stamp_in(MS, &east(-10)), "2025-11-30 22:27");
        assert_eq!(offset_in(MS, &east(8)), "+08:00");
        assert_eq!(offset_in(MS, &east(-10)), "-10:00");
    }

    #[test]
    fn today_and_yesterday_follow_the_local_day_not_the_utc_day() {
        let now = MS + 2 * 3_600_000; // 10:27 UTC, 18:27 in Beijing
        assert_eq!(readable_in(MS, now, &east(8), Lang::En), "Today 16:27");
        assert_eq!(readable_in(MS, now, &east(8), Lang::Zh), "今天 16:27");
        // 20:00 UTC is 04:00 the next day in Beijing: the morning's attempt is yesterday's.
        let late = MS + (20 * 60 - (8 * 60 + 27)) * 60_000;
        assert_eq!(readable_in(MS, late, &Utc, Lang::En), "Today 08:27");
        assert_eq!(readable_in(MS, late, &east(8), Lang::En), "Yesterday 16:27");
        let month_later = MS + 30 * 86_400_000;
        assert_eq!(
            readable_in(MS, month_later, &east(8), Lang::En),
            "1 Dec 2025 16:27"
        );
        assert_eq!(
            readable_in(MS, month_later, &east(8), Lang::Zh),
            "2025年12月1日 16:27"
        );
    }

    #[test]
    fn a_filter_day_is_the_local_day() {
        let utc_start = day_start_in("2025-12-01", &Utc).expect("date");
        assert_eq!(stamp_in(utc_start, &Utc), "2025-12-01 00:00");
        let beijing = day_start_in("2025-12-01", &east(8)).expect("date");
        assert_eq!(utc_start - beijing, 8 * 3_600_000);
        assert_eq!(
            day_end_in("2025-12-01", &east(8)),
            Some(beijing + 86_400_000)
        );
        assert_eq!(day_start_in("2025-12-32", &Utc), None);
        assert_eq!(day_start_in("1 Dec", &Utc), None);
    }

    #[test]
    fn the_computers_zone_agrees_with_chrono() {
        let here = Local.timestamp_millis_opt(MS).single().expect("time");
        assert_eq!(stamp(MS), here.format("%Y-%m-%d %H:%M").to_string());
    }
}
