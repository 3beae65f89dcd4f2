//! Geometry for the telemetry charts and the rig badge: everything that decides where a line or a
//! label goes, so that views only place SVG elements and the arithmetic is tested natively.

use std::fmt::Write;

use super::calendar::{Date, SECONDS_PER_DAY};
use super::twin::{RigSpec, TwinStatus};

/// More ticks than this never fit a chart; the cap also bounds the work whatever a caller asks.
const MAX_TICKS: usize = 100;

/// Round axis values spanning at least `min..=max`: steps of 1, 2 or 5 × 10^k, the first tick at
/// or below `min` and the last at or above `max`, so that the caller can use the outer ticks as the
/// axis domain and the line never leaves the grid. At most `max_count` ticks, but never fewer than 3
/// allowed: a range across zero needs a tick each side of it and one at it.
pub fn nice_ticks(min: f64, max: f64, max_count: usize) -> Vec<f64> {
    if !min.is_finite() || !max.is_finite() || max_count == 0 {
        return Vec::new();
    }
    let (mut low, mut high) = if min <= max { (min, max) } else { (max, min) };
    if low == high {
        // A flat line still needs an axis; put it in the middle, or at the bottom when it is zero.
        let pad = if low == 0.0 { 1.0 } else { low.abs() / 10.0 };
        (low, high) = if low == 0.0 { (0.0, pad) } else { (low - pad, high + pad) };
    }
    let span = high - low;
    if !span.is_finite() {
        return Vec::new();
    }
    let max_count = max_count.clamp(3, MAX_TICKS);
    let mut exponent = (span / (max_count - 1) as f64).log10().floor() as i32;
    loop {
        for mantissa in [1.0, 2.0, 5.0] {
            let step = scaled(mantissa, exponent);
            // The tolerance keeps 0.3 / 0.1 = 2.9999999999999996 from adding a tick below.
            let first = (low / step + 1e-9).floor();
            let last = (high / step - 1e-9).ceil();
            if last - first < max_count as f64 {
                return (first as i64..=last as i64).map(|index| scaled(index as f64 * mantissa, exponent)).collect();
            }
        }
        exponent += 1;
    }
}

/// `value × 10^exponent`, dividing for negative exponents: 10^-k is not exact in binary, but
/// dividing by the exact 10^k rounds once, so 3 × 0.1 prints as 0.3 and not 0.30000000000000004.
fn scaled(value: f64, exponent: i32) -> f64 {
    if exponent >= 0 {
        value * 10f64.powi(exponent)
    } else {
        value / 10f64.powi(-exponent)
    }
}

/// A linear map from data values (`domain`) to pixels (`range`). A range may run backwards, as a
/// y axis does in SVG, where pixels count down from the top.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    pub domain: (f64, f64),
    pub range: (f64, f64),
}

impl Scale {
    pub fn new(domain: (f64, f64), range: (f64, f64)) -> Scale {
        Scale { domain, range }
    }

    /// A domain of one value maps to the middle of the range, where a single point reads best.
    pub fn map(&self, value: f64) -> f64 {
        let (d0, d1) = self.domain;
        let (r0, r1) = self.range;
        if d1 == d0 {
            return (r0 + r1) / 2.0;
        }
        r0 + (value - d0) * (r1 - r0) / (d1 - d0)
    }

    /// The data value at pixel `position`, for hovering.
    pub fn invert(&self, position: f64) -> f64 {
        let (d0, d1) = self.domain;
        let (r0, r1) = self.range;
        if r1 == r0 {
            return d0;
        }
        d0 + (position - r0) * (d1 - d0) / (r1 - r0)
    }
}

/// Candidate steps between time ticks, each aligned to UTC midnight (the hourly ones divide a day).
const TIME_STEPS: [u64; 13] = [
    60,
    5 * 60,
    15 * 60,
    30 * 60,
    3_600,
    2 * 3_600,
    3 * 3_600,
    6 * 3_600,
    12 * 3_600,
    SECONDS_PER_DAY,
    2 * SECONDS_PER_DAY,
    7 * SECONDS_PER_DAY,
    14 * SECONDS_PER_DAY,
];

/// Weekly ticks fall on Mondays: 1970-01-01 was a Thursday, so the first Monday was day 4.
const MONDAY_OFFSET: u64 = 4 * SECONDS_PER_DAY;

/// Labelled ticks for a time axis, in UTC, at most `max_count` of them: "14:00" when the steps are
/// shorter than a day, with the date ("Nov 3") at midnight so that a 24 h chart shows where the
/// day turns; "Nov 3" for steps of days and weeks. Ticks sit on round times (whole hours, midnight,
/// Mondays), not on the first sample's odd second.
pub fn time_ticks(t_min: u64, t_max: u64, max_count: usize) -> Vec<(u64, String)> {
    if max_count == 0 {
        return Vec::new();
    }
    let (low, high) = if t_min <= t_max { (t_min, t_max) } else { (t_max, t_min) };
    let max_count = max_count.min(MAX_TICKS) as u64;
    // Past the table, steps double: 4 weeks, 8 weeks… still on Mondays.
    let mut steps = TIME_STEPS.into_iter();
    let mut step = 0u64;
    let first = loop {
        step = steps.next().unwrap_or(step.saturating_mul(2));
        let offset = if step >= 7 * SECONDS_PER_DAY { MONDAY_OFFSET } else { 0 };
        let first = first_aligned(low, step, offset);
        if first > high || (high - first) / step < max_count || step == u64::MAX {
            break first;
        }
    };
    (0..max_count)
        .map_while(|index| first.checked_add(index.checked_mul(step)?))
        .take_while(|&tick| tick <= high)
        .map(|tick| (tick, time_label(tick, step)))
        .collect()
}

/// The first time at or after `time` that is `offset` plus a multiple of `step`; in u128 because
/// the sums overflow u64 for the largest steps.
fn first_aligned(time: u64, step: u64, offset: u64) -> u64 {
    let (time, step, offset) = (u128::from(time), u128::from(step), u128::from(offset));
    let phase = (time + step - offset % step) % step;
    let aligned = if phase == 0 { time } else { time + step - phase };
    u64::try_from(aligned).unwrap_or(u64::MAX)
}

fn time_label(time: u64, step: u64) -> String {
    let second_of_day = time % SECONDS_PER_DAY;
    if step >= SECONDS_PER_DAY || second_of_day == 0 {
        Date::from_unix(time).short_label()
    } else {
        format!("{:02}:{:02}", second_of_day / 3_600, second_of_day % 3_600 / 60)
    }
}

/// An SVG path through `points` (time, value), coordinates rounded to 0.1 px. Where two
/// consecutive points are more than `max_gap` seconds apart, or a value is not a number, the line
/// breaks: a straight line across an outage would draw data that never existed. A point with no
/// neighbour on either side becomes a zero-length segment, which a round line cap shows as a dot.
pub fn path_d(points: &[(u64, f64)], x: &Scale, y: &Scale, max_gap: u64) -> String {
    let mut d = String::with_capacity(points.len() * 12);
    let mut previous_time: Option<u64> = None;
    let mut run_length = 0;
    for &(time, value) in points {
        let (px, py) = (x.map(time as f64), y.map(value));
        if !px.is_finite() || !py.is_finite() {
            end_run(&mut d, run_length);
            (previous_time, run_length) = (None, 0);
            continue;
        }
        let continues = previous_time.is_some_and(|previous| time.saturating_sub(previous) <= max_gap);
        if continues {
            d.push('L');
        } else {
            end_run(&mut d, run_length);
            run_length = 0;
            d.push('M');
        }
        push_coordinate(&mut d, px);
        d.push(',');
        push_coordinate(&mut d, py);
        previous_time = Some(time);
        run_length += 1;
    }
    end_run(&mut d, run_length);
    d
}

fn end_run(d: &mut String, run_length: usize) {
    if run_length == 1 {
        d.push_str("h0");
    }
}

/// Tenths without a trailing ".0" and never "-0": paths for 200 points stay short.
fn push_coordinate(d: &mut String, value: f64) {
    let tenths = (value * 10.0).round() as i64;
    if tenths < 0 {
        d.push('-');
    }
    let tenths = tenths.unsigned_abs();
    let _ = write!(d, "{}", tenths / 10);
    if !tenths.is_multiple_of(10) {
        let _ = write!(d, ".{}", tenths % 10);
    }
}

/// The index of the point nearest in time to `time` (the earlier one on a tie), for the hover
/// readout; `None` without points. `points` must be sorted by time, as every series is.
pub fn nearest_point(points: &[(u64, f64)], time: u64) -> Option<usize> {
    if points.is_empty() {
        return None;
    }
    let after = points.partition_point(|&(t, _)| t < time);
    if after == 0 {
        return Some(0);
    }
    if after == points.len() {
        return Some(points.len() - 1);
    }
    let before = after - 1;
    Some(if time - points[before].0 <= points[after].0 - time { before } else { after })
}

/// Escapes text for SVG/XML text and attribute values the way the contract's `escapeXml` does for
/// the on-chain badge: the five entities, and control characters (which XML 1.0 forbids) as spaces.
pub fn escape_xml(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            // U+FFFE and U+FFFF are not XML characters either.
            c if c < ' ' || c == '\u{fffe}' || c == '\u{ffff}' => escaped.push(' '),
            c => escaped.push(c),
        }
    }
    escaped
}

/// FNV-1a, 64-bit: a stable hash for picking colours, which need spread, not security.
fn fnv1a(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (index, part) in parts.iter().enumerate() {
        // A separator, so that ("ab", "c") and ("a", "bc") hash apart.
        let separator: &[u8] = if index > 0 { &[0] } else { &[] };
        for &byte in separator.iter().chain(part.as_bytes()) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

/// Characters of the model shown on a badge: about what 12 px bold fits in 132 px.
const BADGE_MODEL_CHARS: usize = 18;

/// A 160 × 120 SVG badge of a rig for cards and the twin page: a chassis with fans (more of them
/// for more hashrate), its model and hashrate, and a status light. Colours come from a hash of the
/// maker and model, so every rig of a model looks alike and different models look different. The
/// SVG is self-contained (no ids, which would clash between badges inlined on one page, no
/// external references) and the same spec and status always give the same bytes.
pub fn badge_svg(spec: &RigSpec, status: TwinStatus) -> String {
    let hash = fnv1a(&[&spec.manufacturer, &spec.model]);
    let hue = (hash % 360) as f64;
    let accent_hue = (hue + 150.0 + ((hash >> 16) % 60) as f64) % 360.0;
    // A decommissioned rig keeps its shape but loses its colour.
    let saturation = if status == TwinStatus::Decommissioned { 0.0 } else { 0.55 };
    let background = hex_color(hue, saturation, 0.14);
    let chassis = hex_color(hue, saturation, 0.38);
    let chassis_edge = hex_color(hue, saturation, 0.60);
    let fan_body = hex_color(accent_hue, saturation, 0.12);
    let fan_blades = hex_color(accent_hue, saturation, 0.65);
    let hashrate_text = hex_color(accent_hue, saturation, 0.75);
    let light = match status {
        TwinStatus::Active => "#22c55e",
        TwinStatus::Offline => "#f59e0b",
        TwinStatus::Decommissioned => "#64748b",
    };
    let hashrate = badge_hashrate(spec.hashrate_ghs);
    let name = escape_xml(&spec.display_name());

    let mut svg = String::with_capacity(1_600);
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="160" height="120" viewBox="0 0 160 120" role="img" aria-label="{name}, {hashrate}, {status}">"#
    );
    let _ = write!(svg, "<title>{name}</title>");
    let _ = write!(svg, r#"<rect width="160" height="120" rx="12" fill="{background}"/>"#);
    let _ = write!(
        svg,
        r#"<rect x="14" y="14" width="132" height="58" rx="6" fill="{chassis}" stroke="{chassis_edge}" stroke-width="1.5"/>"#
    );

    let fans = fan_count(spec.hashrate_ghs);
    let slot = 132.0 / fans as f64;
    let radius = (slot / 2.0 - 4.0).min(22.0);
    for fan in 0..fans {
        let cx = 14.0 + slot * (fan as f64 + 0.5);
        let cy = 43.0;
        let blade = radius * 0.7;
        let _ = write!(
            svg,
            r#"<circle cx="{cx:.1}" cy="{cy}" r="{radius:.1}" fill="{fan_body}" stroke="{fan_blades}" stroke-width="2"/>"#
        );
        let _ = write!(
            svg,
            r#"<path d="M{:.1},{:.1}L{:.1},{:.1}M{:.1},{:.1}L{:.1},{:.1}" stroke="{fan_blades}" stroke-width="2" stroke-linecap="round"/>"#,
            cx - blade,
            cy - blade,
            cx + blade,
            cy + blade,
            cx - blade,
            cy + blade,
            cx + blade,
            cy - blade,
        );
    }
    let _ = write!(svg, r##"<circle cx="138" cy="22" r="4" fill="{light}" stroke="#0f172a" stroke-width="1"/>"##);
    let _ = write!(
        svg,
        r##"<text x="14" y="93" font-family="sans-serif" font-size="12" font-weight="bold" fill="#f8fafc">{}</text>"##,
        escape_xml(&shortened(&spec.model, BADGE_MODEL_CHARS))
    );
    let _ = write!(
        svg,
        r#"<text x="14" y="110" font-family="monospace" font-size="11" fill="{hashrate_text}">{hashrate}</text>"#
    );
    svg.push_str("</svg>");
    svg
}

/// `#rrggbb` from hue (degrees), saturation and lightness (0–1). Hex rather than CSS `hsl()`, which
/// some SVG renderers outside browsers (wallets rasterising NFT images) do not read.
fn hex_color(hue: f64, saturation: f64, lightness: f64) -> String {
    let chroma = (1.0 - (2.0 * lightness - 1.0).abs()) * saturation;
    let sector = hue / 60.0;
    let second = chroma * (1.0 - (sector % 2.0 - 1.0).abs());
    let (r, g, b) = match sector as u32 {
        0 => (chroma, second, 0.0),
        1 => (second, chroma, 0.0),
        2 => (0.0, chroma, second),
        3 => (0.0, second, chroma),
        4 => (second, 0.0, chroma),
        _ => (chroma, 0.0, second),
    };
    let base = lightness - chroma / 2.0;
    let channel = |value: f64| ((value + base) * 255.0).round().clamp(0.0, 255.0) as u8;
    format!("#{:02x}{:02x}{:02x}", channel(r), channel(g), channel(b))
}

/// One fan for a hobby miner, up to four for the largest rigs: the picture tells a 1 TH/s Bitaxe
/// from a 200 TH/s Antminer at a glance.
fn fan_count(hashrate_ghs: u64) -> usize {
    match hashrate_ghs {
        0..=9_999 => 1,
        10_000..=89_999 => 2,
        90_000..=179_999 => 3,
        _ => 4,
    }
}

/// TH/s to one decimal, a zero decimal dropped, rounded as the contract's metadata rounds it, so
/// that the app's badge and the one wallets show agree.
fn badge_hashrate(hashrate_ghs: u64) -> String {
    let tenths = (u128::from(hashrate_ghs) + 50) / 100;
    if tenths.is_multiple_of(10) {
        format!("{} TH/s", tenths / 10)
    } else {
        format!("{}.{} TH/s", tenths / 10, tenths % 10)
    }
}

fn shortened(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        text.to_string()
    } else {
        let mut short: String = text.chars().take(max_chars - 1).collect();
        short.push('…');
        short
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Monday 3 November 2025, 00:00 UTC.
    const NOV_3_2025: u64 = 1_762_128_000;

    #[test]
    fn ticks_are_round_and_cover_the_data() {
        assert_eq!(nice_ticks(0.0, 100.0, 6), [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        assert_eq!(nice_ticks(3.0, 97.0, 6), [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        assert_eq!(nice_ticks(100.0, 0.0, 6), [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        assert_eq!(nice_ticks(0.1, 0.95, 5), [0.0, 0.5, 1.0]);
        assert_eq!(nice_ticks(0.3, 0.7, 5), [0.3, 0.4, 0.5, 0.6, 0.7]);
        assert_eq!(nice_ticks(-3.5, 65.5, 6), [-20.0, 0.0, 20.0, 40.0, 60.0, 80.0]);
        assert_eq!(nice_ticks(-3.5, 65.5, 5), [-50.0, 0.0, 50.0, 100.0]);
        assert_eq!(nice_ticks(0.0, 100.0, 1), [0.0, 50.0, 100.0]);
        assert_eq!(nice_ticks(-787.4, 56_437.6, 2), [-100_000.0, 0.0, 100_000.0]);
        assert_eq!(nice_ticks(2_990.0, 3_110.0, 5), [2_950.0, 3_000.0, 3_050.0, 3_100.0, 3_150.0]);
    }

    #[test]
    fn a_flat_line_gets_an_axis() {
        assert_eq!(nice_ticks(104.0, 104.0, 5), [90.0, 100.0, 110.0, 120.0]);
        assert_eq!(nice_ticks(0.0, 0.0, 5), [0.0, 0.5, 1.0]);
        assert_eq!(nice_ticks(-2.0, -2.0, 5), [-2.2, -2.1, -2.0, -1.9, -1.8]);
    }

    #[test]
    fn odd_inputs_give_no_or_few_ticks() {
        assert!(nice_ticks(f64::NAN, 1.0, 5).is_empty());
        assert!(nice_ticks(0.0, f64::INFINITY, 5).is_empty());
        assert!(nice_ticks(-f64::MAX, f64::MAX, 5).is_empty());
        assert!(nice_ticks(0.0, 1.0, 0).is_empty());
        assert!(nice_ticks(0.0, f64::MAX, 5).len() <= 5);
        assert!(nice_ticks(0.0, 1.0, usize::MAX).len() <= MAX_TICKS);
    }

    #[test]
    fn ticks_hold_their_promises_over_many_ranges() {
        let mut state = 0x5eed_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..2_000 {
            let low = (next() % 2_000_000) as f64 / 1_000.0 - 1_000.0;
            let high = low + (next() % 1_000_000) as f64 / 10f64.powi((next() % 8) as i32);
            let max_count = 3 + (next() % 9) as usize;
            let ticks = nice_ticks(low, high, max_count);
            assert!(ticks.len() >= 2 && ticks.len() <= max_count, "{low}..{high} in {max_count}: {ticks:?}");
            let step = ticks[1] - ticks[0];
            let slack = step * 1e-6;
            assert!(ticks[0] <= low + slack && *ticks.last().unwrap() >= high - slack, "{low}..{high}: {ticks:?}");
            let mantissa = step / 10f64.powi(step.log10().floor() as i32);
            assert!([1.0, 2.0, 5.0, 10.0].iter().any(|m| (mantissa - m).abs() < 1e-6), "{step}");
            assert!(ticks.windows(2).all(|pair| (pair[1] - pair[0] - step).abs() < step * 1e-6));
        }
    }

    #[test]
    fn ticks_print_without_binary_noise() {
        let printed: Vec<String> = nice_ticks(0.0, 0.7, 8).iter().map(f64::to_string).collect();
        assert_eq!(printed, ["0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7"]);
    }

    #[test]
    fn scales_map_both_ways() {
        let y = Scale::new((0.0, 200.0), (110.0, 10.0));
        assert_eq!(y.map(0.0), 110.0);
        assert_eq!(y.map(200.0), 10.0);
        assert_eq!(y.map(50.0), 85.0);
        assert_eq!(y.invert(85.0), 50.0);
        for value in [-7.5, 0.0, 12.25, 199.0, 1e6] {
            assert!((y.invert(y.map(value)) - value).abs() < 1e-9);
        }
        let flat = Scale::new((5.0, 5.0), (0.0, 100.0));
        assert_eq!(flat.map(5.0), 50.0);
        assert_eq!(Scale::new((0.0, 1.0), (3.0, 3.0)).invert(3.0), 0.0);
    }

    #[test]
    fn a_day_is_ticked_in_hours_with_the_date_at_midnight() {
        let start = NOV_3_2025 + 14 * 3_600 + 123;
        let ticks = time_ticks(start, start + 86_400, 6);
        let labels: Vec<&str> = ticks.iter().map(|(_, label)| label.as_str()).collect();
        assert_eq!(labels, ["18:00", "Nov 4", "06:00", "12:00"]);
        assert_eq!(ticks[1].0, NOV_3_2025 + 86_400);
        let dense = time_ticks(start, start + 86_400, 25);
        assert_eq!(dense[0], (NOV_3_2025 + 15 * 3_600, "15:00".to_string()));
        assert_eq!(dense.len(), 24);
    }

    #[test]
    fn a_week_is_ticked_in_days_and_a_month_on_mondays() {
        let start = NOV_3_2025 + 14 * 3_600;
        let week: Vec<String> = time_ticks(start, start + 7 * 86_400, 8).into_iter().map(|(_, label)| label).collect();
        assert_eq!(week, ["Nov 4", "Nov 5", "Nov 6", "Nov 7", "Nov 8", "Nov 9", "Nov 10"]);
        let month = time_ticks(start, start + 30 * 86_400, 6);
        let labels: Vec<&str> = month.iter().map(|(_, label)| label.as_str()).collect();
        assert_eq!(labels, ["Nov 10", "Nov 17", "Nov 24", "Dec 1"]);
        assert!(month.iter().all(|(time, _)| Date::from_unix(*time).days_since_epoch() % 7 == 4));
    }

    #[test]
    fn time_ticks_stay_within_bounds_for_any_span() {
        assert!(time_ticks(0, 100, 0).is_empty());
        assert_eq!(time_ticks(NOV_3_2025, NOV_3_2025, 5), [(NOV_3_2025, "Nov 3".to_string())]);
        assert!(time_ticks(NOV_3_2025 + 1, NOV_3_2025 + 2, 5).is_empty());
        assert_eq!(time_ticks(NOV_3_2025 + 86_400, NOV_3_2025, 2).len(), 2);
        let year = time_ticks(NOV_3_2025, NOV_3_2025 + 365 * 86_400, 6);
        assert!(!year.is_empty() && year.len() <= 6);
        assert!(time_ticks(0, u64::MAX, 5).len() <= 5);
        assert!(time_ticks(u64::MAX - 10, u64::MAX, 3).len() <= 3);
    }

    fn scales() -> (Scale, Scale) {
        (Scale::new((0.0, 100.0), (0.0, 200.0)), Scale::new((0.0, 10.0), (100.0, 0.0)))
    }

    #[test]
    fn paths_join_close_points() {
        let (x, y) = scales();
        assert_eq!(path_d(&[(0, 0.0), (10, 5.0), (20, 10.0)], &x, &y, 15), "M0,100L20,50L40,0");
        assert_eq!(path_d(&[(0, 3.3333), (10, 6.66666)], &x, &y, 15), "M0,66.7L20,33.3");
        assert_eq!(path_d(&[], &x, &y, 15), "");
    }

    #[test]
    fn paths_break_at_gaps_and_missing_values() {
        let (x, y) = scales();
        assert_eq!(path_d(&[(0, 0.0), (10, 5.0), (50, 5.0), (60, 2.5)], &x, &y, 15), "M0,100L20,50M100,50L120,75");
        assert_eq!(path_d(&[(0, 0.0), (50, 5.0), (100, 10.0)], &x, &y, 15), "M0,100h0M100,50h0M200,0h0");
        assert_eq!(path_d(&[(0, 0.0), (10, f64::NAN), (20, 10.0), (30, 10.0)], &x, &y, 15), "M0,100h0M40,0L60,0");
    }

    #[test]
    fn coordinates_round_to_tenths_without_negative_zero() {
        let (x, _) = scales();
        let y = Scale::new((0.0, 1.0), (0.0, 1.0));
        assert_eq!(path_d(&[(0, -0.04), (1, -0.06), (2, -12.35), (3, 7.0)], &x, &y, 5), "M0,0L2,-0.1L4,-12.4L6,7");
    }

    #[test]
    fn hover_finds_the_nearest_point() {
        let points = [(10, 1.0), (20, 2.0), (40, 3.0)];
        assert_eq!(nearest_point(&points, 0), Some(0));
        assert_eq!(nearest_point(&points, 14), Some(0));
        assert_eq!(nearest_point(&points, 15), Some(0));
        assert_eq!(nearest_point(&points, 16), Some(1));
        assert_eq!(nearest_point(&points, 20), Some(1));
        assert_eq!(nearest_point(&points, 30), Some(1));
        assert_eq!(nearest_point(&points, 31), Some(2));
        assert_eq!(nearest_point(&points, u64::MAX), Some(2));
        assert_eq!(nearest_point(&[], 5), None);
    }

    #[test]
    fn escapes_like_the_contract() {
        assert_eq!(
            escape_xml(r#"<a href="x">Tom & Jerry's</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&apos;s&lt;/a&gt;"
        );
        assert_eq!(escape_xml("a\tb\nc\u{0}d\u{fffe}"), "a b c d ");
        assert_eq!(escape_xml("Zürich 日本"), "Zürich 日本");
    }

    #[test]
    fn converts_colours() {
        assert_eq!(hex_color(0.0, 1.0, 0.5), "#ff0000");
        assert_eq!(hex_color(120.0, 1.0, 0.5), "#00ff00");
        assert_eq!(hex_color(240.0, 1.0, 0.5), "#0000ff");
        assert_eq!(hex_color(359.0, 0.0, 0.5), "#808080");
        assert_eq!(hex_color(30.0, 0.55, 0.14), "#372410");
    }

    fn spec(manufacturer: &str, model: &str, hashrate_ghs: u64) -> RigSpec {
        RigSpec {
            manufacturer: manufacturer.into(),
            model: model.into(),
            serial_hash: [1; 32],
            hashrate_ghs,
            power_watts: 3_000,
            location: "Texas".into(),
            commissioned_at: NOV_3_2025,
        }
    }

    fn fans(svg: &str) -> usize {
        // Every circle but the status light is a fan.
        svg.matches("<circle").count() - 1
    }

    #[test]
    fn badges_are_deterministic_and_self_contained() {
        let s21 = spec("Bitmain", "Antminer S21", 200_000);
        let svg = badge_svg(&s21, TwinStatus::Active);
        assert_eq!(svg, badge_svg(&s21, TwinStatus::Active));
        assert!(svg
            .starts_with(r#"<svg xmlns="http://www.w3.org/2000/svg" width="160" height="120" viewBox="0 0 160 120""#));
        assert!(svg.ends_with("</svg>"));
        for forbidden in ["href", "url(", "id=", "<script", "<image", "hsl("] {
            assert!(!svg.contains(forbidden), "{forbidden}");
        }
        assert!(svg.contains(">Antminer S21</text>"));
        assert!(svg.contains(">200 TH/s</text>"));
        assert!(svg.contains("<title>Bitmain Antminer S21</title>"));
        assert!(svg.contains(r##"fill="#22c55e""##));
    }

    #[test]
    fn badge_colours_follow_maker_and_model() {
        let colours = |spec: &RigSpec| {
            let svg = badge_svg(spec, TwinStatus::Active);
            svg[svg.find("fill=\"#").unwrap()..][6..13].to_string()
        };
        let s21 = colours(&spec("Bitmain", "Antminer S21", 200_000));
        assert_eq!(s21, colours(&spec("Bitmain", "Antminer S21", 100_000)));
        assert_ne!(s21, colours(&spec("Bitmain", "Antminer S19j Pro", 200_000)));
        assert_ne!(s21, colours(&spec("MicroBT", "Antminer S21", 200_000)));
        assert_ne!(fnv1a(&["ab", "c"]), fnv1a(&["a", "bc"]));
        // The reference FNV-1a 64 value of "a".
        assert_eq!(fnv1a(&["a"]), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn badges_show_status_and_scale_fans_with_hashrate() {
        assert_eq!(fans(&badge_svg(&spec("Bitaxe", "Gamma 601", 1_200), TwinStatus::Active)), 1);
        assert_eq!(fans(&badge_svg(&spec("Bitmain", "Antminer S9", 14_000), TwinStatus::Active)), 2);
        assert_eq!(fans(&badge_svg(&spec("Bitmain", "Antminer S19j Pro", 104_000), TwinStatus::Active)), 3);
        assert_eq!(fans(&badge_svg(&spec("Bitmain", "Antminer S21 XP Hyd", 473_000), TwinStatus::Active)), 4);
        assert!(badge_svg(&spec("A", "B", 1), TwinStatus::Offline).contains("#f59e0b"));
        let retired = badge_svg(&spec("Bitmain", "Antminer S9", 14_000), TwinStatus::Decommissioned);
        assert!(retired.contains("#64748b") && retired.contains("Decommissioned"));
        // No colour left: every hex colour of the rig is a grey.
        for (index, _) in retired.match_indices("=\"#") {
            let colour = &retired[index + 3..index + 9];
            if colour != "64748b" && colour != "0f172a" && colour != "f8fafc" {
                assert!(colour[0..2] == colour[2..4] && colour[2..4] == colour[4..6], "{colour}");
            }
        }
    }

    #[test]
    fn badge_hashrate_rounds_like_the_contract() {
        assert_eq!(badge_hashrate(104_000), "104 TH/s");
        assert_eq!(badge_hashrate(104_450), "104.5 TH/s");
        assert_eq!(badge_hashrate(104_449), "104.4 TH/s");
        assert_eq!(badge_hashrate(850), "0.9 TH/s");
        assert_eq!(badge_hashrate(u64::MAX), "18446744073709551.6 TH/s");
    }

    #[test]
    fn badge_text_is_escaped_and_shortened() {
        let hostile = spec("<b>&Co</b>", "</text><script>alert('x')</script>", 100_000);
        let svg = badge_svg(&hostile, TwinStatus::Active);
        assert!(!svg.contains("<script") && !svg.contains("<b>"));
        assert!(svg.contains("&lt;/text&gt;&lt;script&gt;al…</text>"));
        assert!(svg.contains("&lt;b&gt;&amp;Co&lt;/b&gt;"));
        assert_eq!(svg.matches("<text").count(), 2);
        assert_eq!(shortened("Antminer S21 XP Hydro", 18), "Antminer S21 XP H…");
        assert_eq!(shortened("日本語", 18), "日本語");
    }
}
