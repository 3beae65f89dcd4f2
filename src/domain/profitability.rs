//! What a rig earns a day: hashprice × hashrate − power cost.
//!
//! Hashprice (what a TH/s earns a day, fees and subsidy included, at the current difficulty and
//! BTC price) folds every market input into one number the user can look up and type in, so the
//! estimate needs no price feed and no difficulty oracle.

/// The market figures an estimate rests on; the user edits both.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Economics {
    pub hashprice_usd_per_th_day: f64,
    pub electricity_usd_per_kwh: f64,
}

impl Economics {
    /// Hashprice hovered around $0.04–0.06 per TH/s a day in late 2025.
    pub const DEFAULT_HASHPRICE_USD_PER_TH_DAY: f64 = 0.05;
    /// A typical industrial mining tariff in late 2025; homes pay two to five times as much.
    pub const DEFAULT_ELECTRICITY_USD_PER_KWH: f64 = 0.06;
    /// Above the 2021 peak many times over: anything higher is a typo (TH/s typed as PH/s).
    pub const MAX_HASHPRICE_USD_PER_TH_DAY: f64 = 10.0;
    /// Several times the worst European retail prices of 2022.
    pub const MAX_ELECTRICITY_USD_PER_KWH: f64 = 5.0;
}

impl Default for Economics {
    fn default() -> Self {
        Economics {
            hashprice_usd_per_th_day: Self::DEFAULT_HASHPRICE_USD_PER_TH_DAY,
            electricity_usd_per_kwh: Self::DEFAULT_ELECTRICITY_USD_PER_KWH,
        }
    }
}

/// Why a typed figure was refused, in words for the field's hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("Enter a number.")]
    Empty,
    #[error("Use digits and at most one decimal point, like 0.06.")]
    NotANumber,
    #[error("The number can't be negative.")]
    Negative,
    #[error("That is more than {limit}; check for a typo.")]
    TooHigh { limit: &'static str },
}

/// A hashprice as typed, in USD per TH/s per day; a leading `$` is allowed.
pub fn parse_hashprice(text: &str) -> Result<f64, InputError> {
    parse_dollars(text, Economics::MAX_HASHPRICE_USD_PER_TH_DAY, "$10 per TH/s a day")
}

/// An electricity price as typed, in USD per kWh; a leading `$` is allowed. Zero is fine: some
/// rigs run on power that would otherwise be flared or curtailed.
pub fn parse_electricity_price(text: &str) -> Result<f64, InputError> {
    parse_dollars(text, Economics::MAX_ELECTRICITY_USD_PER_KWH, "$5 per kWh")
}

fn parse_dollars(text: &str, max: f64, limit: &'static str) -> Result<f64, InputError> {
    let text = text.trim();
    let (negative, text) = match text.strip_prefix(['-', '−']) {
        Some(rest) => (true, rest.trim_start()),
        None => (false, text),
    };
    let text = text.strip_prefix('$').unwrap_or(text).trim_start();
    if text.is_empty() {
        return Err(if negative { InputError::NotANumber } else { InputError::Empty });
    }
    // Checked by hand because f64's parser also takes "inf", "NaN" and "1e3", which no one means.
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !digits(whole) || !digits(fraction) {
        return Err(InputError::NotANumber);
    }
    let value: f64 = text.parse().map_err(|_| InputError::NotANumber)?;
    if negative && value > 0.0 {
        return Err(InputError::Negative);
    }
    if value > max {
        return Err(InputError::TooHigh { limit });
    }
    Ok(value)
}

/// One day of running a rig.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Daily {
    pub revenue_usd: f64,
    pub power_cost_usd: f64,
    pub net_usd: f64,
    /// The electricity price at which the rig stops paying for itself; `None` for a rig that
    /// draws no power.
    pub break_even_usd_per_kwh: Option<f64>,
}

impl Daily {
    /// The same figures over `days` days, for monthly and yearly views.
    pub fn over_days(&self, days: f64) -> Daily {
        Daily {
            revenue_usd: self.revenue_usd * days,
            power_cost_usd: self.power_cost_usd * days,
            net_usd: self.net_usd * days,
            break_even_usd_per_kwh: self.break_even_usd_per_kwh,
        }
    }
}

/// A day's revenue and power bill. Negative or non-finite inputs count as zero, so that a
/// half-typed field shows zeros rather than NaN.
pub fn daily(hashrate_ths: f64, power_watts: f64, economics: &Economics) -> Daily {
    let sane = |value: f64| if value.is_finite() && value > 0.0 { value } else { 0.0 };
    let kwh_per_day = sane(power_watts) * 24.0 / 1_000.0;
    let revenue_usd = sane(hashrate_ths) * sane(economics.hashprice_usd_per_th_day);
    let power_cost_usd = kwh_per_day * sane(economics.electricity_usd_per_kwh);
    Daily {
        revenue_usd,
        power_cost_usd,
        net_usd: revenue_usd - power_cost_usd,
        break_even_usd_per_kwh: (kwh_per_day > 0.0).then(|| revenue_usd / kwh_per_day),
    }
}

/// A portfolio's rigs added up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Totals {
    pub rigs: usize,
    pub hashrate_ths: f64,
    pub power_watts: f64,
    pub daily: Daily,
}

impl Totals {
    /// The portfolio's overall J/TH: total power over total hashrate, not a mean of the rigs'
    /// figures, which would weigh a 14 TH/s rig like a 200 TH/s one.
    pub fn efficiency_j_per_th(&self) -> Option<f64> {
        (self.hashrate_ths > 0.0).then(|| self.power_watts / self.hashrate_ths)
    }
}

/// Totals over `(TH/s, W)` per rig. Revenue and cost are linear, so the totals' day is the sum of
/// the rigs' days, and its break-even price is the portfolio's.
pub fn totals(rigs: impl IntoIterator<Item = (f64, f64)>, economics: &Economics) -> Totals {
    let sane = |value: f64| if value.is_finite() && value > 0.0 { value } else { 0.0 };
    let (count, hashrate_ths, power_watts) =
        rigs.into_iter().fold((0, 0.0, 0.0), |(count, ths, watts), (rig_ths, rig_watts)| {
            (count + 1, ths + sane(rig_ths), watts + sane(rig_watts))
        });
    Totals { rigs: count, hashrate_ths, power_watts, daily: daily(hashrate_ths, power_watts, economics) }
}

/// "$1,234.56", "−$1.20" (a true minus sign, which reads as one and lines up with digits), "$0.00"
/// for anything that rounds to zero cents, "—" for a number that is not one.
pub fn format_usd(value: f64) -> String {
    if !value.is_finite() {
        return "—".to_string();
    }
    let cents = (value.abs() * 100.0).round() as u128;
    let sign = if value < 0.0 && cents > 0 { "−" } else { "" };
    format!("{sign}${}.{:02}", group_thousands(cents / 100), cents % 100)
}

fn group_thousands(whole: u128) -> String {
    let digits = whole.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn defaults_are_the_documented_figures() {
        let economics = Economics::default();
        assert_eq!(economics.hashprice_usd_per_th_day, 0.05);
        assert_eq!(economics.electricity_usd_per_kwh, 0.06);
    }

    #[test]
    fn a_day_of_an_s19j_pro() {
        let day = daily(104.0, 3_068.0, &Economics::default());
        assert!(close(day.revenue_usd, 5.2));
        // 73.632 kWh at $0.06.
        assert!(close(day.power_cost_usd, 4.41792));
        assert!(close(day.net_usd, 5.2 - 4.41792));
        assert!(close(day.break_even_usd_per_kwh.unwrap(), 5.2 / 73.632));
        let month = day.over_days(30.0);
        assert!(close(month.net_usd, 30.0 * day.net_usd));
        assert_eq!(month.break_even_usd_per_kwh, day.break_even_usd_per_kwh);
    }

    #[test]
    fn losses_are_negative_and_nonsense_counts_as_zero() {
        let expensive = Economics { electricity_usd_per_kwh: 0.25, ..Economics::default() };
        assert!(daily(14.0, 1_372.0, &expensive).net_usd < 0.0);
        let day = daily(f64::NAN, -5.0, &Economics::default());
        assert_eq!(
            (day.revenue_usd, day.power_cost_usd, day.net_usd, day.break_even_usd_per_kwh),
            (0.0, 0.0, 0.0, None)
        );
    }

    #[test]
    fn totals_add_up_the_rigs() {
        let economics = Economics::default();
        let totals = totals([(104.0, 3_068.0), (200.0, 3_500.0), (f64::INFINITY, 10.0)], &economics);
        assert_eq!(totals.rigs, 3);
        assert!(close(totals.hashrate_ths, 304.0));
        assert!(close(totals.power_watts, 6_578.0));
        let separate = daily(104.0, 3_068.0, &economics).net_usd + daily(200.0, 3_500.0, &economics).net_usd;
        assert!(close(totals.daily.net_usd, separate - 0.24 * 0.06));
        assert!(close(totals.efficiency_j_per_th().unwrap(), 6_578.0 / 304.0));
        let none = super::totals(std::iter::empty(), &economics);
        assert_eq!((none.rigs, none.efficiency_j_per_th(), none.daily.break_even_usd_per_kwh), (0, None, None));
    }

    #[test]
    fn formats_dollars() {
        assert_eq!(format_usd(12.34), "$12.34");
        assert_eq!(format_usd(-1.2), "−$1.20");
        assert_eq!(format_usd(1_234_567.891), "$1,234,567.89");
        assert_eq!(format_usd(999.999), "$1,000.00");
        assert_eq!(format_usd(100_000.0), "$100,000.00");
        assert_eq!(format_usd(0.0), "$0.00");
        assert_eq!(format_usd(-0.004), "$0.00");
        assert_eq!(format_usd(-0.005), "−$0.01");
        assert_eq!(format_usd(f64::NAN), "—");
        assert_eq!(format_usd(f64::NEG_INFINITY), "—");
    }

    #[test]
    fn parses_what_people_type() {
        assert_eq!(parse_electricity_price("0.06"), Ok(0.06));
        assert_eq!(parse_electricity_price(" $0.12 "), Ok(0.12));
        assert_eq!(parse_electricity_price(".1"), Ok(0.1));
        assert_eq!(parse_electricity_price("0"), Ok(0.0));
        assert_eq!(parse_electricity_price("-0"), Ok(0.0));
        assert_eq!(parse_hashprice("$ 0.045"), Ok(0.045));
        assert_eq!(parse_hashprice("10"), Ok(10.0));
    }

    #[test]
    fn refuses_what_is_not_a_price() {
        assert_eq!(parse_electricity_price("  "), Err(InputError::Empty));
        assert_eq!(parse_electricity_price("$"), Err(InputError::Empty));
        for text in ["abc", "1e3", "inf", "NaN", "0,06", "1.2.3", ".", "0.06 $", "-", "--1", "$-1"] {
            assert_eq!(parse_electricity_price(text), Err(InputError::NotANumber), "{text}");
        }
        assert_eq!(parse_electricity_price("-0.06"), Err(InputError::Negative));
        assert_eq!(parse_electricity_price("−$0.06"), Err(InputError::Negative));
        assert_eq!(parse_electricity_price("6"), Err(InputError::TooHigh { limit: "$5 per kWh" }));
        assert_eq!(parse_hashprice("50"), Err(InputError::TooHigh { limit: "$10 per TH/s a day" }));
    }

    #[test]
    fn errors_read_as_sentences() {
        assert_eq!(InputError::Empty.to_string(), "Enter a number.");
        assert_eq!(InputError::Negative.to_string(), "The number can't be negative.");
        assert_eq!(
            InputError::TooHigh { limit: "$5 per kWh" }.to_string(),
            "That is more than $5 per kWh; check for a typo."
        );
    }
}
