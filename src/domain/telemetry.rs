//! A rig's `TelemetryReported` history turned into what its twin page shows: charts over a time
//! window, uptime, share acceptance, and the measured figures the profitability panel starts from.
//!
//! Reports are what the rig's own agent says, counters included. Every figure here is derived so
//! that a late batch, a reporter outage or a reboot cannot make a rig look better than its counters
//! vouch for.

/// One report of a rig, field for field the contract's `TelemetryReport`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TelemetrySample {
    /// Unix seconds; strictly increasing per twin, which the contract enforces.
    pub timestamp: u64,
    pub hashrate_ghs: u64,
    pub power_watts: u32,
    /// Tenths of a degree Celsius.
    pub board_temp_deci_c: i16,
    pub fan_rpm: u32,
    /// Seconds since the miner last started; it and the share counters start again from zero.
    pub uptime_seconds: u32,
    pub accepted_shares: u64,
    pub rejected_shares: u64,
}

/// Points a chart is reduced to: a 30-day window of 5-minute reports is 8,640 samples, far more
/// than the pixels a phone-width chart has, and each point costs path text and hover work.
pub const CHART_POINTS: usize = 200;

/// How much the agent's timestamp and the miner's uptime counter may disagree, as they are read a
/// moment apart, before the difference counts as a restart.
const CLOCK_SLACK_SECONDS: u64 = 60;

/// Ordered by length: a longer window holds every report of a shorter one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Window {
    #[default]
    Day,
    Week,
    Month,
}

impl Window {
    pub const fn all() -> [Window; 3] {
        [Window::Day, Window::Week, Window::Month]
    }

    pub const fn seconds(self) -> u64 {
        match self {
            Window::Day => 24 * 3_600,
            Window::Week => 7 * 24 * 3_600,
            Window::Month => 30 * 24 * 3_600,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Window::Day => "24 h",
            Window::Week => "7 days",
            Window::Month => "30 days",
        }
    }
}

/// The samples of the last `window` before `now`. Samples stamped after `now` stay in: the
/// browser's clock may run behind the chain's, and the contract refuses reports from the future.
pub fn in_window(samples: &[TelemetrySample], window: Window, now: u64) -> &[TelemetrySample] {
    let start = now.saturating_sub(window.seconds());
    &samples[samples.partition_point(|sample| sample.timestamp < start)..]
}

/// What a chart plots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metric {
    /// TH/s.
    Hashrate,
    /// W.
    Power,
    /// J/TH; a sample without hashrate has none.
    Efficiency,
    /// °C.
    Temperature,
    /// RPM.
    FanSpeed,
}

impl Metric {
    pub const ALL: [Metric; 5] =
        [Metric::Hashrate, Metric::Power, Metric::Efficiency, Metric::Temperature, Metric::FanSpeed];

    pub fn label(self) -> &'static str {
        match self {
            Metric::Hashrate => "Hashrate",
            Metric::Power => "Power",
            Metric::Efficiency => "Efficiency",
            Metric::Temperature => "Board temperature",
            Metric::FanSpeed => "Fan speed",
        }
    }

    pub fn unit(self) -> &'static str {
        match self {
            Metric::Hashrate => "TH/s",
            Metric::Power => "W",
            Metric::Efficiency => "J/TH",
            Metric::Temperature => "°C",
            Metric::FanSpeed => "RPM",
        }
    }

    pub fn value(self, sample: &TelemetrySample) -> Option<f64> {
        match self {
            Metric::Hashrate => Some(sample.hashrate_ghs as f64 / 1_000.0),
            Metric::Power => Some(f64::from(sample.power_watts)),
            Metric::Efficiency => {
                (sample.hashrate_ghs > 0).then(|| f64::from(sample.power_watts) * 1_000.0 / sample.hashrate_ghs as f64)
            }
            Metric::Temperature => Some(f64::from(sample.board_temp_deci_c) / 10.0),
            Metric::FanSpeed => Some(f64::from(sample.fan_rpm)),
        }
    }
}

/// Points of one metric over time, oldest first: `(unix seconds, value)`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    pub points: Vec<(u64, f64)>,
}

impl Series {
    pub fn of(samples: &[TelemetrySample], metric: Metric) -> Series {
        Series { points: samples.iter().filter_map(|s| metric.value(s).map(|value| (s.timestamp, value))).collect() }
    }

    /// At most `max_points` points: time is cut into that many equal buckets and each non-empty one
    /// becomes the mean of its points, placed at their mean time. Means rather than picking one
    /// sample per bucket, so that a short dip or spike moves the line instead of vanishing or
    /// standing for hours; empty buckets stay empty, so outages still show as gaps.
    pub fn downsampled(&self, max_points: usize) -> Series {
        if self.points.len() <= max_points {
            return self.clone();
        }
        let (Some(&(start, _)), Some(&(end, _)), true) = (self.points.first(), self.points.last(), max_points > 0)
        else {
            return Series::default();
        };
        let span = u128::from(end.saturating_sub(start)) + 1;
        let mut points = Vec::with_capacity(max_points);
        let mut bucket = Bucket::default();
        for &(time, value) in &self.points {
            let index = u128::from(time.saturating_sub(start)) * max_points as u128 / span;
            if bucket.count > 0 && bucket.index != index {
                points.push(bucket.mean());
                bucket = Bucket::default();
            }
            bucket.index = index;
            bucket.add(time, value);
        }
        if bucket.count > 0 {
            points.push(bucket.mean());
        }
        Series { points }
    }

    pub fn time_range(&self) -> Option<(u64, u64)> {
        Some((self.points.first()?.0, self.points.last()?.0))
    }

    pub fn value_range(&self) -> Option<(f64, f64)> {
        let values = self.points.iter().map(|&(_, value)| value).filter(|value| value.is_finite());
        values.fold(None, |range, value| match range {
            None => Some((value, value)),
            Some((low, high)) => Some((f64::min(low, value), f64::max(high, value))),
        })
    }

    /// How long a silence between two points must be for the chart to break the line there: three
    /// typical spacings (the median, so that the outages themselves do not stretch it). Downsampled
    /// series space points by a bucket, raw ones by the reporting interval, and this fits either.
    pub fn gap_threshold(&self) -> u64 {
        let mut spacings: Vec<u64> = self.points.windows(2).map(|pair| pair[1].0.saturating_sub(pair[0].0)).collect();
        if spacings.is_empty() {
            return u64::MAX;
        }
        let middle = spacings.len() / 2;
        let (_, median, _) = spacings.select_nth_unstable(middle);
        median.saturating_mul(3).max(1)
    }
}

#[derive(Default)]
struct Bucket {
    index: u128,
    count: u32,
    time_sum: u128,
    value_sum: f64,
}

impl Bucket {
    fn add(&mut self, time: u64, value: f64) {
        self.count += 1;
        self.time_sum += u128::from(time);
        self.value_sum += value;
    }

    fn mean(&self) -> (u64, f64) {
        ((self.time_sum / u128::from(self.count)) as u64, self.value_sum / f64::from(self.count))
    }
}

/// The share of the window's reported time the rig was running, 0 to 100.
///
/// A report's uptime counter vouches for the rig having run for that long before it. So each
/// stretch between two reports is credited with what the later report's counter covers, and no
/// more: a rig that crashed and came back shows as down from the last report before the crash,
/// the most a twin's buyer can be sure of. A counter that dropped (a restart) needs no special
/// case: the later counter is then short, and so is the credit. Two things do not count as down:
///
/// - a gap in reports, when the counter spans it: the agent, not the rig, was away;
/// - the time after the newest report: batches arrive late by design, and "last report" is shown
///   beside this anyway.
///
/// A window with no report before it starts counting at the first report's boot. `None` without a
/// report in the window.
pub fn uptime_percent(samples: &[TelemetrySample], window: Window, now: u64) -> Option<f64> {
    let start = now.saturating_sub(window.seconds());
    let first = samples.partition_point(|sample| sample.timestamp < start);
    let mut covered = 0u64;
    let mut up = 0u64;
    for (index, sample) in samples.iter().enumerate().skip(first) {
        let vouched = u64::from(sample.uptime_seconds);
        let stretch_start = match index.checked_sub(1) {
            Some(previous) => samples[previous].timestamp,
            None => sample.timestamp.saturating_sub(vouched),
        };
        let stretch = sample.timestamp.saturating_sub(stretch_start.max(start));
        covered += stretch;
        up += vouched.min(stretch);
    }
    if first == samples.len() {
        return None;
    }
    if covered == 0 {
        // One report in the window, right at its start: its counter is all there is to go on.
        return Some(if samples[first].uptime_seconds > 0 { 100.0 } else { 0.0 });
    }
    Some((up as f64 * 100.0 / covered as f64).clamp(0.0, 100.0))
}

/// Shares the pool accepted and rejected over a run of reports.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShareRatio {
    pub accepted: u64,
    pub rejected: u64,
    /// Of all shares submitted, 0 to 100.
    pub accepted_percent: f64,
}

/// Counts the shares submitted between the first report and the last: the counters are totals
/// since the miner started, so the first report only sets the baseline. Where the miner restarted
/// in between (a counter went down, or the uptime is shorter than the time since the previous
/// report), the later report's counters are what it counted since. `None` when no share was
/// submitted.
pub fn share_ratio(samples: &[TelemetrySample]) -> Option<ShareRatio> {
    let (mut accepted, mut rejected) = (0u64, 0u64);
    for pair in samples.windows(2) {
        let (before, after) = (&pair[0], &pair[1]);
        let (new_accepted, new_rejected) = if restarted_between(before, after) {
            (after.accepted_shares, after.rejected_shares)
        } else {
            (after.accepted_shares - before.accepted_shares, after.rejected_shares - before.rejected_shares)
        };
        accepted = accepted.saturating_add(new_accepted);
        rejected = rejected.saturating_add(new_rejected);
    }
    let submitted = accepted as f64 + rejected as f64;
    (submitted > 0.0).then(|| ShareRatio { accepted, rejected, accepted_percent: accepted as f64 * 100.0 / submitted })
}

fn restarted_between(before: &TelemetrySample, after: &TelemetrySample) -> bool {
    let elapsed = after.timestamp.saturating_sub(before.timestamp);
    after.accepted_shares < before.accepted_shares
        || after.rejected_shares < before.rejected_shares
        || after.uptime_seconds < before.uptime_seconds
        || u64::from(after.uptime_seconds) + CLOCK_SLACK_SECONDS < elapsed
}

/// What the rig actually did, on average, as opposed to its nameplate spec.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measured {
    pub hashrate_ghs: f64,
    pub power_watts: f64,
}

impl Measured {
    pub fn hashrate_ths(&self) -> f64 {
        self.hashrate_ghs / 1_000.0
    }

    pub fn efficiency_j_per_th(&self) -> Option<f64> {
        (self.hashrate_ghs > 0.0).then(|| self.power_watts * 1_000.0 / self.hashrate_ghs)
    }
}

/// The mean of the window's reports. Reports while the rig was down but reachable (zero hashrate)
/// pull it down as they should; time with no reports at all is uptime's to show, not this.
pub fn measured(samples: &[TelemetrySample], window: Window, now: u64) -> Option<Measured> {
    let recent = in_window(samples, window, now);
    let count = recent.len() as f64;
    (!recent.is_empty()).then(|| Measured {
        hashrate_ghs: recent.iter().map(|s| s.hashrate_ghs as f64).sum::<f64>() / count,
        power_watts: recent.iter().map(|s| f64::from(s.power_watts)).sum::<f64>() / count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_762_128_000;
    const FIVE_MINUTES: u64 = 300;

    /// A healthy S19j Pro reporting every five minutes, up since well before the first report.
    fn steady(from: u64, count: u64) -> Vec<TelemetrySample> {
        (0..count)
            .map(|i| {
                let timestamp = from + i * FIVE_MINUTES;
                TelemetrySample {
                    timestamp,
                    hashrate_ghs: 104_000,
                    power_watts: 3_068,
                    board_temp_deci_c: 655,
                    fan_rpm: 5_400,
                    uptime_seconds: (timestamp - from + 86_400) as u32,
                    accepted_shares: 1_000 + i * 99,
                    rejected_shares: 10 + i,
                }
            })
            .collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn windows_span_a_day_a_week_and_thirty_days() {
        assert_eq!(Window::all().map(Window::seconds), [86_400, 604_800, 2_592_000]);
        assert_eq!(Window::all().map(Window::label), ["24 h", "7 days", "30 days"]);
    }

    #[test]
    fn picks_the_samples_of_the_window() {
        let samples = steady(NOW - 2 * 86_400, 2 * 288 + 1);
        let day = in_window(&samples, Window::Day, NOW);
        assert_eq!(day.len(), 289);
        assert_eq!(day[0].timestamp, NOW - 86_400);
        assert_eq!(in_window(&samples, Window::Week, NOW).len(), samples.len());
        assert!(in_window(&samples, Window::Day, NOW + 10 * 86_400).is_empty());
        assert!(in_window(&[], Window::Month, NOW).is_empty());
        // Before the epoch plus a window, the window starts at 0 rather than wrapping.
        assert_eq!(in_window(&samples[..3], Window::Month, 1_000).len(), 3);
    }

    #[test]
    fn series_convert_units() {
        let mut samples = steady(NOW, 2);
        samples[1].hashrate_ghs = 0;
        samples[1].board_temp_deci_c = -35;
        let series = |metric| Series::of(&samples, metric).points;
        assert_eq!(series(Metric::Hashrate), [(NOW, 104.0), (NOW + FIVE_MINUTES, 0.0)]);
        assert_eq!(series(Metric::Power), [(NOW, 3_068.0), (NOW + FIVE_MINUTES, 3_068.0)]);
        // No efficiency without hashrate: the point is left out, not infinite.
        assert_eq!(series(Metric::Efficiency), [(NOW, 29.5)]);
        assert_eq!(series(Metric::Temperature), [(NOW, 65.5), (NOW + FIVE_MINUTES, -3.5)]);
        assert_eq!(series(Metric::FanSpeed)[0], (NOW, 5_400.0));
        assert_eq!(Metric::Temperature.unit(), "°C");
    }

    #[test]
    fn thirty_days_of_five_minute_reports_downsample_to_bucket_means() {
        let samples = steady(NOW - Window::Month.seconds(), 8_640);
        let series = Series::of(&samples, Metric::Hashrate);
        let reduced = series.downsampled(CHART_POINTS);
        assert_eq!(reduced.points.len(), CHART_POINTS);
        assert!(reduced.points.iter().all(|&(_, value)| close(value, 104.0)));
        assert!(reduced.points.windows(2).all(|pair| pair[0].0 < pair[1].0));
        let bucket = Window::Month.seconds() / CHART_POINTS as u64;
        let (first, last) = reduced.time_range().unwrap();
        assert!(first > samples[0].timestamp && first < samples[0].timestamp + bucket);
        assert!(last < NOW && last > NOW - bucket);
        assert!(reduced.gap_threshold() < 4 * Window::Month.seconds() / CHART_POINTS as u64);
    }

    #[test]
    fn downsampling_averages_and_keeps_gaps() {
        let points = vec![(0, 1.0), (1, 3.0), (2, 5.0), (3, 7.0), (100, 10.0), (101, 20.0)];
        let reduced = Series { points }.downsampled(4);
        assert_eq!(reduced.points, [(1, 4.0), (100, 15.0)]);
        let short = Series { points: vec![(5, 1.0)] };
        assert_eq!(short.downsampled(4), short);
        assert_eq!(Series { points: vec![(1, 1.0), (2, 2.0)] }.downsampled(0), Series::default());
    }

    #[test]
    fn ranges_and_gap_thresholds() {
        let series = Series { points: vec![(0, 2.0), (300, -1.0), (600, f64::NAN), (900, 5.0), (10_000, 4.0)] };
        assert_eq!(series.time_range(), Some((0, 10_000)));
        assert_eq!(series.value_range(), Some((-1.0, 5.0)));
        assert_eq!(series.gap_threshold(), 900);
        assert_eq!(Series::default().value_range(), None);
        assert_eq!(Series::default().gap_threshold(), u64::MAX);
    }

    #[test]
    fn a_rig_up_throughout_has_full_uptime() {
        let samples = steady(NOW - 2 * 86_400, 2 * 288 + 1);
        assert_eq!(uptime_percent(&samples, Window::Day, NOW), Some(100.0));
        assert_eq!(uptime_percent(&samples, Window::Week, NOW), Some(100.0));
    }

    #[test]
    fn a_crash_counts_as_down_from_the_last_report_before_it() {
        let mut samples = steady(NOW - 86_400, 289);
        // Back up 30 minutes before the report six hours after the previous one: 5.5 h of the
        // window's 24 down (the first report's counter covers the window's first six hours).
        let resumed = samples[144].timestamp + 6 * 3_600;
        samples.truncate(145);
        samples.push(TelemetrySample { timestamp: resumed, uptime_seconds: 1_800, ..samples[144] });
        let expected = 100.0 * (24.0 - 5.5) / 24.0;
        assert!(close(uptime_percent(&samples, Window::Day, resumed).unwrap(), expected));
    }

    #[test]
    fn a_reporting_gap_the_counter_spans_is_not_downtime() {
        let mut samples = steady(NOW - 86_400, 100);
        let last = *samples.last().unwrap();
        let later = last.timestamp + 10 * 3_600;
        samples.push(TelemetrySample { timestamp: later, uptime_seconds: last.uptime_seconds + 36_000, ..last });
        assert_eq!(uptime_percent(&samples, Window::Day, later), Some(100.0));
    }

    #[test]
    fn uptime_starts_at_the_window_even_with_older_reports() {
        let mut samples = steady(NOW - 86_400 - 3_600, 2);
        // One report two hours into the window after a reboot an hour in: 1 h of 2 up.
        samples[1].timestamp = NOW - 86_400 + 7_200;
        samples[1].uptime_seconds = 3_600;
        assert!(close(uptime_percent(&samples, Window::Day, NOW).unwrap(), 50.0));
    }

    #[test]
    fn uptime_without_history_starts_at_the_first_boot() {
        let first = TelemetrySample { timestamp: NOW - 3_600, uptime_seconds: 600, ..TelemetrySample::default() };
        assert_eq!(uptime_percent(&[first], Window::Day, NOW), Some(100.0));
        let second = TelemetrySample { timestamp: NOW, uptime_seconds: 600, ..first };
        // Booted 10 min before the first report, then down until 10 min before the second.
        assert!(close(uptime_percent(&[first, second], Window::Day, NOW).unwrap(), 100.0 * 1_200.0 / 4_200.0));
        let just_booted = TelemetrySample { uptime_seconds: 0, ..first };
        assert_eq!(uptime_percent(&[just_booted], Window::Day, NOW), Some(0.0));
        assert_eq!(uptime_percent(&[], Window::Day, NOW), None);
        assert_eq!(uptime_percent(&[first], Window::Day, NOW + 2 * 86_400), None);
    }

    #[test]
    fn shares_are_counted_from_counter_deltas() {
        let samples = steady(NOW, 11);
        let ratio = share_ratio(&samples).unwrap();
        assert_eq!((ratio.accepted, ratio.rejected), (990, 10));
        assert!(close(ratio.accepted_percent, 99.0));
        assert_eq!(share_ratio(&samples[..1]), None);
        assert_eq!(share_ratio(&[]), None);
    }

    #[test]
    fn shares_after_a_restart_count_from_zero() {
        let mut samples = steady(NOW, 3);
        // Counters reset: the new run found 40 and 2 so far.
        samples[2] = TelemetrySample { accepted_shares: 40, rejected_shares: 2, uptime_seconds: 200, ..samples[2] };
        let ratio = share_ratio(&samples).unwrap();
        assert_eq!((ratio.accepted, ratio.rejected), (99 + 40, 1 + 2));

        // A restart long enough ago that the counters already passed their old values: only the
        // uptime, shorter than the time since the previous report, gives it away.
        let mut samples = steady(NOW, 2);
        samples[0].uptime_seconds = 600;
        samples[1] = TelemetrySample {
            timestamp: samples[0].timestamp + 7_200,
            uptime_seconds: 3_600,
            accepted_shares: 5_000,
            rejected_shares: 50,
            ..samples[1]
        };
        let ratio = share_ratio(&samples).unwrap();
        assert_eq!((ratio.accepted, ratio.rejected), (5_000, 50));
    }

    #[test]
    fn clock_slack_is_not_a_restart() {
        // Reported at boot, then 300 s later with a counter that read 280 s.
        let mut samples = steady(NOW, 2);
        samples[0].uptime_seconds = 0;
        samples[1].uptime_seconds = 280;
        assert_eq!(share_ratio(&samples).unwrap().accepted, 99);
    }

    #[test]
    fn no_submitted_shares_means_no_ratio() {
        let samples = vec![
            TelemetrySample::default(),
            TelemetrySample { timestamp: 300, uptime_seconds: 300, ..Default::default() },
        ];
        assert_eq!(share_ratio(&samples), None);
    }

    #[test]
    fn measures_the_window_mean() {
        let mut samples = steady(NOW - 3_600, 13);
        samples[12].hashrate_ghs = 0;
        samples[12].power_watts = 20;
        let measured = measured(&samples, Window::Day, NOW).unwrap();
        assert!(close(measured.hashrate_ghs, 104_000.0 * 12.0 / 13.0));
        assert!(close(measured.power_watts, (3_068.0 * 12.0 + 20.0) / 13.0));
        assert!(close(measured.hashrate_ths(), 96.0));
        assert!(close(measured.efficiency_j_per_th().unwrap(), measured.power_watts / 96.0));
        assert_eq!(super::measured(&samples, Window::Day, NOW + 3 * 86_400), None);
        assert_eq!(Measured { hashrate_ghs: 0.0, power_watts: 5.0 }.efficiency_j_per_th(), None);
    }
}
