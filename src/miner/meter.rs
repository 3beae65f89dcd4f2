//! Hashrate from the workers' progress reports, averaged over sliding windows.

use std::collections::VecDeque;

/// The longest window anyone asks about; older reports are dropped.
const HISTORY_MS: f64 = 60_000.0;

#[derive(Debug, Clone, Default)]
pub struct HashrateMeter {
    /// (time in ms, hashes reported then), oldest first.
    reports: VecDeque<(f64, u64)>,
    started_at: Option<f64>,
    total: u64,
}

impl HashrateMeter {
    /// Counts from `now_ms`: a window that began before mining did is averaged over less time.
    pub fn start(&mut self, now_ms: f64) {
        self.started_at = Some(now_ms);
        self.reports.clear();
    }

    pub fn stop(&mut self) {
        self.started_at = None;
        self.reports.clear();
    }

    pub fn record(&mut self, now_ms: f64, hashes: u64) {
        self.total += hashes;
        self.reports.push_back((now_ms, hashes));
        while self.reports.front().is_some_and(|&(at, _)| now_ms - at > HISTORY_MS) {
            self.reports.pop_front();
        }
    }

    /// Hashes per second over the last `window_ms`, or over the time since `start` if shorter.
    pub fn rate(&self, now_ms: f64, window_ms: f64) -> f64 {
        let Some(started_at) = self.started_at else { return 0.0 };
        let from = (now_ms - window_ms).max(started_at);
        let elapsed_ms = now_ms - from;
        if elapsed_ms < 500.0 {
            // Too little time to say anything that would not jump about.
            return 0.0;
        }
        let hashes: u64 = self.reports.iter().rev().take_while(|&&(at, _)| at > from).map(|&(_, hashes)| hashes).sum();
        hashes as f64 * 1_000.0 / elapsed_ms
    }

    /// Every hash counted since the page loaded.
    pub fn total(&self) -> u64 {
        self.total
    }
}

/// "4.12 MH/s": browser hashrates sit between kH/s and a few tens of MH/s.
pub fn format_rate(hashes_per_second: f64) -> String {
    const UNITS: [(&str, f64); 4] = [("GH/s", 1e9), ("MH/s", 1e6), ("kH/s", 1e3), ("H/s", 1.0)];
    let (unit, scale) = UNITS.iter().find(|(_, scale)| hashes_per_second >= *scale).copied().unwrap_or(UNITS[3]);
    format!("{:.2} {unit}", hashes_per_second / scale)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn a_steady_rate_reads_the_same_over_both_windows() {
        let mut meter = HashrateMeter::default();
        meter.start(0.0);
        for second in 1..=90 {
            meter.record(second as f64 * 1_000.0, 2_000_000);
        }
        let now = 90_000.0;
        assert!((meter.rate(now, 10_000.0) - 2e6).abs() < 1.0);
        assert!((meter.rate(now, 60_000.0) - 2e6).abs() < 1.0);
        assert_eq!(meter.total(), 180_000_000);
    }

    #[test]
    fn the_short_window_follows_a_change_first() {
        let mut meter = HashrateMeter::default();
        meter.start(0.0);
        for second in 1..=60 {
            let hashes = if second > 50 { 1_000_000 } else { 4_000_000 };
            meter.record(second as f64 * 1_000.0, hashes);
        }
        let now = 60_000.0;
        assert!((meter.rate(now, 10_000.0) - 1e6).abs() < 1.0);
        assert!(meter.rate(now, 60_000.0) > 3e6);
    }

    #[test]
    fn a_window_longer_than_the_run_averages_over_the_run() {
        let mut meter = HashrateMeter::default();
        meter.start(10_000.0);
        meter.record(11_000.0, 500_000);
        meter.record(12_000.0, 500_000);
        assert!((meter.rate(12_000.0, 60_000.0) - 500_000.0).abs() < 1.0);
        assert_eq!(meter.rate(10_100.0, 10_000.0), 0.0, "too early to tell");
        meter.stop();
        assert_eq!(meter.rate(12_000.0, 10_000.0), 0.0);
        assert_eq!(meter.total(), 1_000_000, "the total outlives a stop");
    }

    #[test]
    fn rates_and_counts_read_in_their_unit() {
        assert_eq!(format_rate(4_123_456.0), "4.12 MH/s");
        assert_eq!(format_rate(950.0), "950.00 H/s");
        assert_eq!(format_rate(0.0), "0.00 H/s");
    }
}
