//! One line per event, on stderr in production and in a Vec in tests.
//!
//! Lines read `2025-11-25T17:55:00Z rig s21-rack3: <what happened>`; the subject is given by
//! the caller so that agent-wide events (`agent: ...`) share the format.

use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// Where event lines go. Implementations must never be handed secrets: callers only pass
/// addresses, hashes and miner data.
pub trait Logger: Send + Sync {
    fn event(&self, subject: &str, message: &str);
}

/// Production sink.
pub struct StderrLogger;

impl Logger for StderrLogger {
    fn event(&self, subject: &str, message: &str) {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        eprintln!("{} {subject}: {message}", utc_timestamp(now));
    }
}

/// Test sink: keeps `subject: message` lines (without the timestamp, so tests can match them).
#[derive(Default)]
pub struct VecLogger {
    lines: Mutex<Vec<String>>,
}

impl VecLogger {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Lines logged since the last call, so a test can look at one step at a time.
    pub fn take(&self) -> Vec<String> {
        self.lines.lock().map(|mut l| std::mem::take(&mut *l)).unwrap_or_default()
    }
}

impl Logger for VecLogger {
    fn event(&self, subject: &str, message: &str) {
        if let Ok(mut lines) = self.lines.lock() {
            lines.push(format!("{subject}: {message}"));
        }
    }
}

/// RFC 3339 UTC time for a unix timestamp, without pulling in a date crate for one format.
pub fn utc_timestamp(unix: u64) -> String {
    let days = (unix / 86_400) as i64;
    let secs = unix % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", secs / 3600, (secs / 60) % 60, secs % 60)
}

// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_timestamps() {
        assert_eq!(utc_timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc_timestamp(1_732_550_400), "2024-11-25T16:00:00Z");
        assert_eq!(utc_timestamp(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn vec_logger_keeps_subject_and_message() {
        let log = VecLogger::new();
        log.event("rig a", "hello");
        assert_eq!(log.take(), vec!["rig a: hello".to_string()]);
        assert!(log.lines().is_empty());
    }
}
