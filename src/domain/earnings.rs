//! What a twin earns its holder: the terms it was minted with, the periods its operator settled,
//! and each payout held against what the rig's own telemetry says it should have earned.
//!
//! The contract caps what the operator keeps; it cannot know what the rig really earned. That is
//! the app's part: the rig's measured hash work over a period, at the hashprice the network's
//! figures give, is the gross a pool would have paid. Paid ÷ expected says how close the operator's
//! declared gross came to it.

use super::hashprice::NetworkFigures;
use super::telemetry::TelemetrySample;
use super::{Address, Wei};

/// The longest stretch between two reports that counts: the registry's energy meter caps gaps at
/// this, and the hash work is measured by the same rule so that both describe the same hours.
pub const MAX_METERED_GAP: u64 = 3_600;

/// Above this share of the gross kept back (fee and electricity), the Payouts panel warns.
pub const KEPT_SHARE_WARNING: f64 = 0.5;

const SECONDS_A_DAY: u64 = 86_400;
/// The window over which the paid ratio and the yield are taken.
pub const TRAILING_WINDOW: u64 = 30 * SECONDS_A_DAY;
const WEI_AN_ETHER: f64 = 1e18;

/// How a twin's rig pays its holder, fixed at mint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EarningTerms {
    pub service_fee_bps: u16,
    /// Millionths of a US dollar per kWh.
    pub tariff_micro_usd_per_kwh: u32,
    /// Seconds.
    pub settlement_period: u32,
    /// Seconds after a period is due before it counts as late.
    pub grace_period: u32,
}

impl EarningTerms {
    /// The tariff in US dollars per kWh.
    pub fn tariff_usd_per_kwh(&self) -> f64 {
        f64::from(self.tariff_micro_usd_per_kwh) / 1e6
    }

    /// When a period that started at `start` is due, and when it is late.
    pub fn schedule(&self, start: u64) -> Schedule {
        let due_at = start + u64::from(self.settlement_period);
        Schedule { due_at, late_at: due_at + u64::from(self.grace_period) }
    }

    /// The period in words: "daily", "weekly", or hours.
    pub fn period_words(&self) -> String {
        match self.settlement_period {
            86_400 => "daily".to_string(),
            604_800 => "weekly".to_string(),
            seconds => format!("every {}", duration_words(u64::from(seconds))),
        }
    }
}

/// A duration in the largest whole unit that fits: "36 hours", "2 days", "90 minutes".
pub fn duration_words(seconds: u64) -> String {
    let plural = |n: u64, unit: &str| if n == 1 { format!("1 {unit}") } else { format!("{n} {unit}s") };
    if seconds == 0 {
        "no time".to_string()
    } else if seconds.is_multiple_of(SECONDS_A_DAY) {
        plural(seconds / SECONDS_A_DAY, "day")
    } else if seconds.is_multiple_of(3_600) {
        plural(seconds / 3_600, "hour")
    } else if seconds.is_multiple_of(60) {
        plural(seconds / 60, "minute")
    } else {
        plural(seconds, "second")
    }
}

/// When the next settlement is due and when it turns late.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub due_at: u64,
    pub late_at: u64,
}

/// Where a twin's next settlement stands at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Punctuality {
    /// Not yet due.
    Upcoming,
    /// Due, still within its grace.
    Due,
    /// Past its grace: the operator has not paid.
    Late,
}

impl Schedule {
    pub fn at(&self, now: u64) -> Punctuality {
        if now > self.late_at {
            Punctuality::Late
        } else if now >= self.due_at {
            Punctuality::Due
        } else {
            Punctuality::Upcoming
        }
    }
}

/// The network as the deployment's feeds stood when a period was settled, as the contract
/// recorded them: a figure of zero or less means its feed had none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordedFigures {
    /// BTC/USD with its feed's decimals.
    pub btc_usd: i128,
    pub difficulty: i128,
    /// BTC per block with 8 decimals.
    pub fees_per_block: i128,
    /// When the oldest of the three was published, unix seconds.
    pub oldest_at: u64,
}

impl RecordedFigures {
    /// The figures as hashprice takes them; `None` when a feed had nothing to give.
    pub fn network(&self, btc_usd_decimals: u8) -> Option<NetworkFigures> {
        if self.btc_usd <= 0 || self.difficulty <= 0 || self.fees_per_block < 0 {
            return None;
        }
        NetworkFigures {
            difficulty: self.difficulty as f64,
            mean_fees_btc: self.fees_per_block as f64 / 1e8,
            btc_usd: self.btc_usd as f64 / 10f64.powi(i32::from(btc_usd_decimals)),
        }
        .checked()
        .ok()
    }
}

/// One settled period, every figure as the contract recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement {
    /// Counting from 0 for each twin.
    pub index: u32,
    /// Who held the twin when it landed, and was credited the net.
    pub holder: Address,
    pub period_start: u64,
    pub period_end: u64,
    pub energy_wh: u64,
    /// Settled after the period's grace had run out.
    pub late: bool,
    pub gross: Wei,
    pub service_fee: Wei,
    pub electricity: Wei,
    pub net: Wei,
    pub shortfall: Wei,
    pub service_fee_cap: Wei,
    pub electricity_cap: Wei,
    /// ETH/USD as the feed answered, with `price_decimals` decimals.
    pub eth_usd: u128,
    pub price_decimals: u8,
    pub network: RecordedFigures,
}

impl Settlement {
    pub fn eth_usd(&self) -> f64 {
        self.eth_usd as f64 / 10f64.powi(i32::from(self.price_decimals))
    }

    /// What the operator kept back, fee and electricity, as a share of the gross.
    pub fn kept_share(&self) -> Option<f64> {
        share(self.service_fee.0 + self.electricity.0, self.gross.0)
    }
}

fn share(part: u128, whole: u128) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// The hash work a rig measured over `(start, end]`, in TH·s: each report's hashrate over the time
/// since the report before it (`start` for the first in the window), at most `MAX_METERED_GAP`.
/// `samples` must be in time order and include what the window holds; others are skipped.
pub fn measured_work_ths(samples: &[TelemetrySample], start: u64, end: u64) -> f64 {
    let mut previous = start;
    let mut work = 0.0;
    for sample in samples.iter().filter(|sample| sample.timestamp > start && sample.timestamp <= end) {
        let gap = (sample.timestamp - previous).min(MAX_METERED_GAP);
        work += sample.hashrate_ghs as f64 / 1_000.0 * gap as f64;
        previous = sample.timestamp;
    }
    work
}

/// What a pool would have paid for `work_ths` TH·s at `figures`, in wei at `eth_usd`.
pub fn expected_gross_wei(work_ths: f64, figures: &NetworkFigures, eth_usd: f64) -> f64 {
    let usd = figures.usd_per_th_day() * work_ths / SECONDS_A_DAY as f64;
    usd / eth_usd * WEI_AN_ETHER
}

/// Which figures the expected revenue is computed from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Yardstick {
    /// Each period at the figures the contract recorded when it was settled.
    Recorded { btc_usd_decimals: u8 },
    /// Every period at figures the user typed in.
    Override(NetworkFigures),
}

/// One row of the Payouts panel.
#[derive(Debug, Clone, PartialEq)]
pub struct PayoutRow {
    pub settlement: Settlement,
    /// Mean TH/s measured over the period; `None` without telemetry for it.
    pub measured_ths: Option<f64>,
    pub energy_kwh: f64,
    /// What the measured work should have grossed, in wei; `None` when the figures or the
    /// telemetry give nothing to hold the payout against.
    pub expected_gross: Option<f64>,
    /// Gross paid ÷ expected gross.
    pub paid_ratio: Option<f64>,
}

/// How far above its nameplate power a rig's metered energy may run before the page flags it: rigs
/// tuned up draw a little more than their data sheet, not a third more.
pub const NAMEPLATE_ENERGY_MARGIN: f64 = 1.25;

impl PayoutRow {
    /// Whether the energy metered over the period is more than a rig of `nameplate_watts` could draw
    /// in it: the reporter key, which is the operator's, says what the rig drew, and the contract
    /// caps the electricity at it. The registry cannot check it cheaply; the page can.
    pub fn energy_beyond_nameplate(&self, nameplate_watts: u32) -> bool {
        let hours = self.settlement.period_end.saturating_sub(self.settlement.period_start) as f64 / 3_600.0;
        self.energy_kwh > f64::from(nameplate_watts) / 1_000.0 * hours * NAMEPLATE_ENERGY_MARGIN
    }

    /// What the holder should have received on the expected gross: the same fee rate and the
    /// electricity the operator actually charged.
    pub fn expected_net(&self, terms: &EarningTerms) -> Option<f64> {
        let gross = self.expected_gross?;
        let fee = gross * f64::from(terms.service_fee_bps) / 10_000.0;
        Some((gross - fee - self.settlement.electricity.0 as f64).max(0.0))
    }
}

/// The payout rows of `settlements`, each held against the telemetry `samples` (in time order).
pub fn payout_rows(settlements: &[Settlement], samples: &[TelemetrySample], yardstick: Yardstick) -> Vec<PayoutRow> {
    settlements
        .iter()
        .map(|settlement| {
            let seconds = settlement.period_end.saturating_sub(settlement.period_start);
            let covered =
                samples.iter().any(|s| s.timestamp > settlement.period_start && s.timestamp <= settlement.period_end);
            let work = covered.then(|| measured_work_ths(samples, settlement.period_start, settlement.period_end));
            let figures = match yardstick {
                Yardstick::Recorded { btc_usd_decimals } => settlement.network.network(btc_usd_decimals),
                Yardstick::Override(figures) => Some(figures),
            };
            let eth_usd = settlement.eth_usd();
            let expected_gross = match (work, figures) {
                (Some(work), Some(figures)) if eth_usd > 0.0 => Some(expected_gross_wei(work, &figures, eth_usd)),
                _ => None,
            };
            PayoutRow {
                measured_ths: work.filter(|_| seconds > 0).map(|work| work / seconds as f64),
                energy_kwh: settlement.energy_wh as f64 / 1_000.0,
                paid_ratio: expected_gross.filter(|&e| e > 0.0).map(|e| settlement.gross.0 as f64 / e),
                expected_gross,
                settlement: settlement.clone(),
            }
        })
        .collect()
}

/// One point of the cumulative chart: at the end of a period, net paid so far and net expected.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CumulativePoint {
    pub time: u64,
    pub net_eth: f64,
    /// `None` once a period has nothing to hold it against: a sum with a gap would mislead.
    pub expected_net_eth: Option<f64>,
}

pub fn cumulative(rows: &[PayoutRow], terms: &EarningTerms) -> Vec<CumulativePoint> {
    let mut net = 0.0;
    let mut expected = Some(0.0);
    rows.iter()
        .map(|row| {
            net += row.settlement.net.0 as f64 / WEI_AN_ETHER;
            expected = expected.zip(row.expected_net(terms)).map(|(sum, more)| sum + more / WEI_AN_ETHER);
            CumulativePoint { time: row.settlement.period_end, net_eth: net, expected_net_eth: expected }
        })
        .collect()
}

/// What the Payouts panel sums up over all rows, and over the trailing 30 days.
#[derive(Debug, Clone, PartialEq)]
pub struct PayoutSummary {
    pub gross: Wei,
    pub net: Wei,
    /// Fee and electricity over all periods, as a share of the gross.
    pub kept_share: Option<f64>,
    /// Gross ÷ expected over the periods ending in the 30 days to the newest one.
    pub paid_ratio_30d: Option<f64>,
    pub late_settlements: usize,
}

impl PayoutSummary {
    pub fn kept_too_much(&self) -> bool {
        self.kept_share.is_some_and(|share| share > KEPT_SHARE_WARNING)
    }
}

pub fn summarise(rows: &[PayoutRow]) -> PayoutSummary {
    let gross: u128 = rows.iter().map(|row| row.settlement.gross.0).sum();
    let net: u128 = rows.iter().map(|row| row.settlement.net.0).sum();
    let kept: u128 = rows.iter().map(|row| row.settlement.service_fee.0 + row.settlement.electricity.0).sum();
    let recent = trailing(rows, |row| row.settlement.period_end);
    let expected: Option<f64> = recent.iter().map(|row| row.expected_gross).sum();
    let paid: u128 = recent.iter().map(|row| row.settlement.gross.0).sum();
    PayoutSummary {
        gross: Wei(gross),
        net: Wei(net),
        kept_share: share(kept, gross),
        paid_ratio_30d: expected.filter(|&e| e > 0.0 && !recent.is_empty()).map(|e| paid as f64 / e),
        late_settlements: rows.iter().filter(|row| row.settlement.late).count(),
    }
}

/// The items whose time falls in the 30 days up to the newest one's.
fn trailing<T>(items: &[T], time: impl Fn(&T) -> u64) -> Vec<&T> {
    let Some(newest) = items.iter().map(&time).max() else {
        return Vec::new();
    };
    items.iter().filter(|item| time(item) + TRAILING_WINDOW > newest).collect()
}

/// The net of the 30 days to the newest settlement, a year's worth of it, as a share of `price`:
/// what holding the twin bought at that price would yield. `None` without settlements or price.
/// Taken from [`yield_bps_30d`], so that a twin's page, its card and the indexer agree.
pub fn annualised_yield(settlements: &[Settlement], price: Wei) -> Option<f64> {
    yield_bps_30d(settlements, price).map(|bps| bps as f64 / 10_000.0)
}

const BPS: u128 = 10_000;
const DAYS_A_YEAR: u128 = 365;
const WINDOW_DAYS: u128 = 30;

/// The settlements (oldest first) whose period ended in the 30 days to the newest one's end.
pub fn trailing_30d(settlements: &[Settlement]) -> &[Settlement] {
    let Some(newest) = settlements.last().map(|settlement| settlement.period_end) else { return &[] };
    let first = settlements.partition_point(|settlement| settlement.period_end + TRAILING_WINDOW <= newest);
    &settlements[first..]
}

/// The 30 days' net × 365 / 30 in basis points of `price`, rounded down, exactly as the indexer's
/// `yieldBps`, so that both sources sort alike. `None` before the first settlement or at no price.
pub fn yield_bps_30d(settlements: &[Settlement], price: Wei) -> Option<u64> {
    if settlements.is_empty() || price.0 == 0 {
        return None;
    }
    let net: u128 = trailing_30d(settlements).iter().map(|settlement| settlement.net.0).sum();
    let bps = net.saturating_mul(DAYS_A_YEAR * BPS) / (WINDOW_DAYS * price.0);
    Some(u64::try_from(bps).unwrap_or(u64::MAX))
}

/// Which periods' nets an account was credited, twin by twin: the holder of record of each.
pub fn credited_to<'a>(settlements: impl IntoIterator<Item = &'a Settlement>, account: Address) -> Wei {
    Wei(settlements.into_iter().filter(|s| s.holder == account).map(|s| s.net.0).sum())
}

/// The figures an operator types before settling, checked against the caps the contract will
/// apply, so that no wallet opens on a settlement that would revert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettleClaim {
    pub gross: Wei,
    pub service_fee: Wei,
    pub electricity: Wei,
}

/// What the contract's `quote` answered: the caps on a gross, as of now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    pub service_fee: Wei,
    pub electricity: Wei,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClaimError {
    #[error("The service fee is over what the terms allow on this gross: at most {cap}.")]
    FeeAboveCap { cap: String },
    #[error("The electricity is over the metered energy at the twin's tariff: at most {cap}.")]
    ElectricityAboveCap { cap: String },
}

impl SettleClaim {
    /// The net the holder receives, and the shortfall when fee and electricity exceed the gross.
    pub fn split(&self) -> (Wei, Wei) {
        let kept = self.service_fee.0 + self.electricity.0;
        if kept <= self.gross.0 {
            (Wei(self.gross.0 - kept), Wei::ZERO)
        } else {
            (Wei::ZERO, Wei(kept - self.gross.0))
        }
    }

    pub fn check(&self, caps: &Caps) -> Result<(), ClaimError> {
        if self.service_fee > caps.service_fee {
            return Err(ClaimError::FeeAboveCap { cap: caps.service_fee.format_ether(6) });
        }
        if self.electricity > caps.electricity {
            return Err(ClaimError::ElectricityAboveCap { cap: caps.electricity.format_ether(6) });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const ETHER: u128 = 1_000_000_000_000_000_000;

    fn sample(timestamp: u64, hashrate_ghs: u64) -> TelemetrySample {
        TelemetrySample {
            timestamp,
            hashrate_ghs,
            power_watts: 3_500,
            board_temp_deci_c: 650,
            fan_rpm: 4_000,
            uptime_seconds: 1,
            accepted_shares: 0,
            rejected_shares: 0,
        }
    }

    fn figures() -> RecordedFigures {
        RecordedFigures { btc_usd: 9_100_000_000_000, difficulty: 152_000_000_000_000, fees_per_block: 0, oldest_at: 0 }
    }

    fn settlement(index: u32, start: u64, end: u64, gross: u128) -> Settlement {
        let fee = gross / 10;
        let electricity = gross / 5;
        Settlement {
            index,
            holder: Address([1; 20]),
            period_start: start,
            period_end: end,
            energy_wh: 84_000,
            late: false,
            gross: Wei(gross),
            service_fee: Wei(fee),
            electricity: Wei(electricity),
            net: Wei(gross - fee - electricity),
            shortfall: Wei::ZERO,
            service_fee_cap: Wei(fee),
            electricity_cap: Wei(electricity),
            eth_usd: 300_000_000_000,
            price_decimals: 8,
            network: figures(),
        }
    }

    #[test]
    fn work_counts_each_report_over_its_gap_capped_at_an_hour() {
        let samples = [sample(3_700, 1_000), sample(7_300, 2_000), sample(24_000, 3_000), sample(40_000, 9_000)];
        // 1 TH/s × 3,600 s, then 2 TH/s × 3,600 s, then 3 TH/s × the capped hour; 40,000 is outside.
        assert_eq!(measured_work_ths(&samples, 100, 24_000), 3_600.0 + 7_200.0 + 10_800.0);
        assert_eq!(measured_work_ths(&samples, 3_700, 7_300), 7_200.0, "the window's start is the first gap's floor");
        assert_eq!(measured_work_ths(&samples, 40_000, 50_000), 0.0);
    }

    #[test]
    fn a_day_of_a_200_th_rig_at_the_worked_example_is_worth_its_hashprice() {
        let day: Vec<_> = (1..=24).map(|hour| sample(hour * 3_600, 200_000)).collect();
        let work = measured_work_ths(&day, 0, 86_400);
        let network = figures().network(8).unwrap();
        let wei = expected_gross_wei(work, &network, 3_000.0);
        // 200 TH/s × $0.03764 a TH/s a day is $7.528, or 0.0025093 ETH at $3,000.
        assert!((wei / 1e18 - 7.528 / 3_000.0).abs() < 1e-6, "{}", wei / 1e18);
    }

    #[test]
    fn rows_hold_the_paid_gross_against_the_expected() {
        let day: Vec<_> = (1..=24).map(|hour| sample(hour * 3_600, 200_000)).collect();
        let expected = expected_gross_wei(86_400.0 * 200.0, &figures().network(8).unwrap(), 3_000.0);
        let paid = (expected * 0.85) as u128;
        let rows = payout_rows(&[settlement(0, 0, 86_400, paid)], &day, Yardstick::Recorded { btc_usd_decimals: 8 });
        let row = &rows[0];
        assert!((row.paid_ratio.unwrap() - 0.85).abs() < 1e-9);
        assert_eq!(row.measured_ths, Some(200.0));
        assert_eq!(row.energy_kwh, 84.0);
    }

    #[test]
    fn a_period_without_telemetry_or_figures_has_no_expected() {
        let rows = payout_rows(&[settlement(0, 0, 86_400, ETHER)], &[], Yardstick::Recorded { btc_usd_decimals: 8 });
        assert_eq!((rows[0].expected_gross, rows[0].paid_ratio, rows[0].measured_ths), (None, None, None));
        let mut unpublished = settlement(0, 0, 86_400, ETHER);
        unpublished.network.difficulty = 0;
        let day: Vec<_> = (1..=24).map(|hour| sample(hour * 3_600, 200_000)).collect();
        let rows = payout_rows(&[unpublished], &day, Yardstick::Recorded { btc_usd_decimals: 8 });
        assert_eq!(rows[0].expected_gross, None, "a feed with nothing published gives no yardstick");
    }

    #[test]
    fn an_override_replaces_the_recorded_figures() {
        let day: Vec<_> = (1..=24).map(|hour| sample(hour * 3_600, 200_000)).collect();
        let doubled = NetworkFigures { difficulty: 76e12, mean_fees_btc: 0.0, btc_usd: 91_000.0 };
        let recorded =
            payout_rows(&[settlement(0, 0, 86_400, ETHER)], &day, Yardstick::Recorded { btc_usd_decimals: 8 });
        let overridden = payout_rows(&[settlement(0, 0, 86_400, ETHER)], &day, Yardstick::Override(doubled));
        let ratio = overridden[0].expected_gross.unwrap() / recorded[0].expected_gross.unwrap();
        assert!((ratio - 2.0).abs() < 1e-9, "half the difficulty, twice the expected");
    }

    #[test]
    fn energy_beyond_what_the_nameplate_could_draw_is_flagged() {
        // 84 kWh over a day is 3.5 kW: an S21's nameplate exactly.
        let rows = payout_rows(&[settlement(0, 0, 86_400, ETHER)], &[], Yardstick::Recorded { btc_usd_decimals: 8 });
        assert!(!rows[0].energy_beyond_nameplate(3_500));
        assert!(!rows[0].energy_beyond_nameplate(2_900), "within a quarter above the nameplate");
        assert!(rows[0].energy_beyond_nameplate(2_700));
    }

    #[test]
    fn the_summary_warns_when_more_than_half_the_gross_is_kept_back() {
        let mut greedy = settlement(0, 0, 86_400, 100);
        greedy.electricity = Wei(45);
        greedy.net = Wei(45);
        let rows = payout_rows(&[greedy], &[], Yardstick::Recorded { btc_usd_decimals: 8 });
        let summary = summarise(&rows);
        assert_eq!(summary.kept_share, Some(0.55));
        assert!(summary.kept_too_much());
        let fair =
            summarise(&payout_rows(&[settlement(0, 0, 86_400, 100)], &[], Yardstick::Recorded { btc_usd_decimals: 8 }));
        assert!(!fair.kept_too_much(), "30% kept back is no warning");
    }

    #[test]
    fn the_paid_ratio_is_taken_over_the_trailing_30_days() {
        let day = |d: u64| (1..=24).map(move |hour| sample(d * 86_400 + hour * 3_600, 200_000));
        let samples: Vec<_> = (0..40).flat_map(day).collect();
        let expected = expected_gross_wei(86_400.0 * 200.0, &figures().network(8).unwrap(), 3_000.0);
        let settlements: Vec<_> = (0..40u64)
            .map(|d| {
                // Underpaid by half for the first ten days, in full for the thirty after.
                let share = if d < 10 { 0.5 } else { 1.0 };
                settlement(d as u32, d * 86_400, (d + 1) * 86_400, (expected * share) as u128)
            })
            .collect();
        let summary = summarise(&payout_rows(&settlements, &samples, Yardstick::Recorded { btc_usd_decimals: 8 }));
        assert!((summary.paid_ratio_30d.unwrap() - 1.0).abs() < 1e-6, "{:?}", summary.paid_ratio_30d);
    }

    #[test]
    fn the_yield_annualises_the_trailing_net_on_the_price() {
        // 0.01 ETH net a day is 3.65 ETH a year: on a 3.65 ETH price, 100%.
        let settlements: Vec<_> = (0..30u64)
            .map(|d| {
                let mut s = settlement(d as u32, d * 86_400, (d + 1) * 86_400, ETHER);
                s.net = Wei(ETHER / 100);
                s
            })
            .collect();
        let yearly = annualised_yield(&settlements, Wei(365 * ETHER / 100)).unwrap();
        assert!((yearly - 1.0).abs() < 1e-9, "0.01 a day × 365 on 3.65 is 100%: {yearly}");
        assert_eq!(annualised_yield(&settlements, Wei::ZERO), None);
        assert_eq!(annualised_yield(&[], Wei(ETHER)), None);
    }

    #[test]
    fn a_schedule_is_due_after_a_period_and_late_after_its_grace() {
        let terms = EarningTerms {
            service_fee_bps: 1_000,
            tariff_micro_usd_per_kwh: 65_000,
            settlement_period: 86_400,
            grace_period: 21_600,
        };
        let schedule = terms.schedule(1_000);
        assert_eq!(schedule, Schedule { due_at: 87_400, late_at: 109_000 });
        assert_eq!(schedule.at(87_399), Punctuality::Upcoming);
        assert_eq!(schedule.at(87_400), Punctuality::Due);
        assert_eq!(schedule.at(109_000), Punctuality::Due);
        assert_eq!(schedule.at(109_001), Punctuality::Late);
        assert_eq!(terms.period_words(), "daily");
        assert_eq!(terms.tariff_usd_per_kwh(), 0.065);
        assert_eq!(duration_words(5_400), "90 minutes");
        assert_eq!(duration_words(3 * 86_400), "3 days");
        assert_eq!(duration_words(3_600), "1 hour");
    }

    #[test]
    fn a_claim_splits_into_net_or_shortfall_and_respects_the_caps() {
        let claim = SettleClaim { gross: Wei(100), service_fee: Wei(10), electricity: Wei(30) };
        assert_eq!(claim.split(), (Wei(60), Wei::ZERO));
        let under = SettleClaim { gross: Wei(30), service_fee: Wei(3), electricity: Wei(40) };
        assert_eq!(under.split(), (Wei::ZERO, Wei(13)));
        let caps = Caps { service_fee: Wei(10), electricity: Wei(29) };
        assert!(matches!(claim.check(&caps), Err(ClaimError::ElectricityAboveCap { .. })));
        let caps = Caps { service_fee: Wei(9), electricity: Wei(30) };
        assert!(matches!(claim.check(&caps), Err(ClaimError::FeeAboveCap { .. })));
        assert_eq!(claim.check(&Caps { service_fee: Wei(10), electricity: Wei(30) }), Ok(()));
    }

    #[test]
    fn an_account_is_credited_the_periods_it_held_the_twin_for() {
        let mut before = settlement(0, 0, 86_400, 100);
        before.holder = Address([1; 20]);
        let mut after = settlement(1, 86_400, 172_800, 200);
        after.holder = Address([2; 20]);
        let all = [before.clone(), after.clone()];
        assert_eq!(credited_to(&all, Address([1; 20])), before.net);
        assert_eq!(credited_to(&all, Address([2; 20])), after.net);
    }
}
