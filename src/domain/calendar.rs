//! Dates in UTC from unix seconds and back, for chart labels and the mint form. A date crate would
//! weigh more in the wasm bundle than these two conversions (Howard Hinnant's civil-from-days
//! algorithms, exact over the whole proleptic Gregorian calendar).

use std::fmt;

pub const SECONDS_PER_DAY: u64 = 86_400;

const MONTH_ABBREVIATIONS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// A day of the Gregorian calendar, in UTC wherever it comes from unix time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateError {
    /// Not written as YYYY-MM-DD.
    Format,
    /// Written right, but no such day exists (2025-02-30, 2025-13-01).
    NoSuchDay,
}

impl Date {
    /// `None` unless the day exists in that month of that year.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        ((1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month)).then_some(Date {
            year,
            month,
            day,
        })
    }

    /// The UTC day that unix second `seconds` falls in.
    pub fn from_unix(seconds: u64) -> Date {
        Date::from_days_since_epoch((seconds / SECONDS_PER_DAY) as i64)
    }

    pub fn from_days_since_epoch(days: i64) -> Date {
        let shifted = days + 719_468;
        let era = shifted.div_euclid(146_097);
        let day_of_era = shifted.rem_euclid(146_097);
        let year_of_era = (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        // Counting months from March puts the leap day last, where it cannot shift the others.
        let month_from_march = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
        let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        Date { year: year as i32, month: month as u8, day: day as u8 }
    }

    pub fn days_since_epoch(self) -> i64 {
        let month = i64::from(self.month);
        let year = i64::from(self.year) - i64::from(month <= 2);
        let era = year.div_euclid(400);
        let year_of_era = year.rem_euclid(400);
        let month_from_march = if month > 2 { month - 3 } else { month + 9 };
        let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(self.day) - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }

    /// Midnight UTC at the start of the day; `None` before 1970, which unix seconds as the
    /// contract stores them (uint64) cannot express.
    pub fn unix_seconds(self) -> Option<u64> {
        u64::try_from(self.days_since_epoch()).ok().map(|days| days * SECONDS_PER_DAY)
    }

    /// Strictly `YYYY-MM-DD`, what `<input type="date">` submits whatever the user's locale shows.
    pub fn parse_iso(text: &str) -> Result<Date, DateError> {
        let text = text.trim();
        let bytes = text.as_bytes();
        let digits_at = |range: std::ops::Range<usize>| bytes[range].iter().all(u8::is_ascii_digit);
        let well_formed = bytes.len() == 10
            && bytes[4] == b'-'
            && bytes[7] == b'-'
            && digits_at(0..4)
            && digits_at(5..7)
            && digits_at(8..10);
        if !well_formed {
            return Err(DateError::Format);
        }
        let number = |range: std::ops::Range<usize>| text[range].parse::<u16>().map_err(|_| DateError::Format);
        let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
        Date::new(i32::from(year), month as u8, day as u8).ok_or(DateError::NoSuchDay)
    }

    pub fn month_abbreviation(self) -> &'static str {
        MONTH_ABBREVIATIONS[usize::from(self.month.clamp(1, 12)) - 1]
    }

    /// "Nov 3": short enough for an axis label.
    pub fn short_label(self) -> String {
        format!("{} {}", self.month_abbreviation(), self.day)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// "2025-11-03 12:00 UTC": a moment people act by, such as an expiry, to the minute.
pub fn format_moment(unix_seconds: u64) -> String {
    let minutes = unix_seconds % SECONDS_PER_DAY / 60;
    format!("{} {:02}:{:02} UTC", Date::from_unix(unix_seconds), minutes / 60, minutes % 60)
}

/// "2025-11-03T12:00": what `<input type="datetime-local">` shows and gives back, meant as UTC here
/// like every moment the app shows.
pub fn format_input_moment(unix_seconds: u64) -> String {
    let minutes = unix_seconds % SECONDS_PER_DAY / 60;
    format!("{}T{:02}:{:02}", Date::from_unix(unix_seconds), minutes / 60, minutes % 60)
}

/// `YYYY-MM-DDTHH:MM`, with `:SS` where the input asks for seconds, as UTC unix seconds.
pub fn parse_input_moment(text: &str) -> Result<u64, DateError> {
    let text = text.trim();
    let (day, time) = text.split_once('T').ok_or(DateError::Format)?;
    let date = Date::parse_iso(day)?;
    let mut fields = time.split(':');
    let mut field = |limit: u64| -> Result<Option<u64>, DateError> {
        let Some(digits) = fields.next() else { return Ok(None) };
        let value = (digits.len() == 2 && digits.bytes().all(|byte| byte.is_ascii_digit()))
            .then(|| digits.parse::<u64>().ok())
            .flatten()
            .ok_or(DateError::Format)?;
        if value >= limit {
            return Err(DateError::NoSuchDay);
        }
        Ok(Some(value))
    };
    let hours = field(24)?.ok_or(DateError::Format)?;
    let minutes = field(60)?.ok_or(DateError::Format)?;
    let seconds = field(60)?.unwrap_or(0);
    if fields.next().is_some() {
        return Err(DateError::Format);
    }
    let midnight = date.unix_seconds().ok_or(DateError::NoSuchDay)?;
    Ok(midnight + hours * 3_600 + minutes * 60 + seconds)
}

pub fn is_leap_year(year: i32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

pub fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_moments_round_trip_as_utc_and_refuse_what_no_clock_shows() {
        assert_eq!(format_input_moment(1_231_006_505), "2009-01-03T18:15");
        assert_eq!(parse_input_moment("2009-01-03T18:15"), Ok(1_231_006_500));
        assert_eq!(parse_input_moment(" 2009-01-03T18:15:05 "), Ok(1_231_006_505));
        assert_eq!(parse_input_moment("2009-01-03 18:15"), Err(DateError::Format));
        assert_eq!(parse_input_moment("2009-01-03T18"), Err(DateError::Format));
        assert_eq!(parse_input_moment("2009-01-03T18:15:05:00"), Err(DateError::Format));
        assert_eq!(parse_input_moment("2009-01-03T24:00"), Err(DateError::NoSuchDay));
        assert_eq!(parse_input_moment("2009-02-30T10:00"), Err(DateError::NoSuchDay));
    }

    #[test]
    fn moments_read_to_the_minute_in_utc() {
        assert_eq!(format_moment(1_231_006_505), "2009-01-03 18:15 UTC");
        assert_eq!(format_moment(1_762_214_399), "2025-11-03 23:59 UTC");
    }

    #[test]
    fn converts_known_days() {
        assert_eq!(Date::from_unix(0), Date { year: 1970, month: 1, day: 1 });
        // The Bitcoin genesis block.
        assert_eq!(Date::from_unix(1_231_006_505), Date { year: 2009, month: 1, day: 3 });
        assert_eq!(Date::from_unix(1_709_164_800), Date { year: 2024, month: 2, day: 29 });
        assert_eq!(Date::from_unix(1_762_128_000), Date { year: 2025, month: 11, day: 3 });
        assert_eq!(Date::from_days_since_epoch(-1), Date { year: 1969, month: 12, day: 31 });
        assert_eq!(Date::new(2000, 3, 1).unwrap().unix_seconds(), Some(951_868_800));
    }

    #[test]
    fn days_round_trip_across_centuries() {
        // From 1600 to 2400, covering every leap-year rule, one day at a time.
        let mut expected = Date { year: 1600, month: 1, day: 1 };
        for days in
            Date::new(1600, 1, 1).unwrap().days_since_epoch()..=Date::new(2400, 12, 31).unwrap().days_since_epoch()
        {
            let date = Date::from_days_since_epoch(days);
            assert_eq!(date, expected);
            assert_eq!(date.days_since_epoch(), days);
            expected = if expected.day < days_in_month(expected.year, expected.month) {
                Date { day: expected.day + 1, ..expected }
            } else if expected.month < 12 {
                Date { month: expected.month + 1, day: 1, ..expected }
            } else {
                Date { year: expected.year + 1, month: 1, day: 1 }
            };
        }
    }

    #[test]
    fn knows_leap_years() {
        assert!(is_leap_year(2024));
        assert!(is_leap_year(2000));
        assert!(!is_leap_year(1900));
        assert!(!is_leap_year(2025));
        assert_eq!(Date::new(2025, 2, 29), None);
        assert!(Date::new(2024, 2, 29).is_some());
    }

    #[test]
    fn parses_iso_dates_only() {
        assert_eq!(Date::parse_iso(" 2025-11-03 "), Ok(Date { year: 2025, month: 11, day: 3 }));
        assert_eq!(Date::parse_iso("2025-02-30"), Err(DateError::NoSuchDay));
        assert_eq!(Date::parse_iso("2025-13-01"), Err(DateError::NoSuchDay));
        assert_eq!(Date::parse_iso("2025-00-10"), Err(DateError::NoSuchDay));
        for text in [
            "",
            "2025-1-3",
            "03/11/2025",
            "2025/11/03",
            "2025-11-0x",
            "+025-11-03",
            "2025-11-03T00:00",
            "２０２５-11-03",
        ] {
            assert_eq!(Date::parse_iso(text), Err(DateError::Format), "{text}");
        }
    }

    #[test]
    fn labels_and_prints() {
        let date = Date::new(2025, 11, 3).unwrap();
        assert_eq!(date.short_label(), "Nov 3");
        assert_eq!(date.to_string(), "2025-11-03");
        assert_eq!(Date::new(1969, 12, 31).unwrap().unix_seconds(), None);
    }
}
