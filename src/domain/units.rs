//! Ether amounts as integers of wei, end to end: parsing what people type and formatting what the
//! chain holds, with no floating point anywhere on the way.

use std::fmt;

pub const WEI_PER_GWEI: u128 = 1_000_000_000;
pub const WEI_PER_ETHER: u128 = 1_000_000_000_000_000_000;
const ETHER_DECIMALS: usize = 18;
const GWEI_DECIMALS: usize = 9;

/// An amount of wei. u128 holds 3.4 × 10^20 ether, far beyond any supply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize, serde::Deserialize)]
pub struct Wei(pub u128);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("enter an amount")]
    Empty,
    #[error("the amount cannot be negative")]
    Negative,
    #[error("use digits and at most one decimal point")]
    NotANumber,
    #[error("at most {max} decimals: {unit} cannot be split finer")]
    TooManyDecimals { max: usize, unit: &'static str },
    #[error("the amount is too large")]
    TooLarge,
}

impl Wei {
    pub const ZERO: Wei = Wei(0);

    /// Parses an ether amount as typed ("1", "0.25", ".5"). Thousands separators and exponents
    /// are refused rather than guessed at.
    pub fn parse_ether(text: &str) -> Result<Self, AmountError> {
        parse_decimal(text, ETHER_DECIMALS, "ether").map(Wei)
    }

    pub fn parse_gwei(text: &str) -> Result<Self, AmountError> {
        parse_decimal(text, GWEI_DECIMALS, "gwei").map(Wei)
    }

    pub fn checked_add(self, other: Wei) -> Option<Wei> {
        self.0.checked_add(other.0).map(Wei)
    }

    /// At most `max_decimals` decimals of ether, rounded DOWN (a balance is never shown larger
    /// than it is), trailing zeros dropped: "1.5 ETH", "0.0001 ETH". A non-zero amount too small
    /// to show says so ("< 0.0001 ETH") instead of rounding to zero.
    pub fn format_ether(self, max_decimals: usize) -> String {
        format_decimal(self.0, ETHER_DECIMALS, max_decimals, "ETH")
    }

    /// Ether as a float, for drawing: a chart's scale, never an amount that is paid.
    pub fn ether_f64(self) -> f64 {
        self.0 as f64 / 10f64.powi(ETHER_DECIMALS as i32)
    }

    /// The exact amount in ether as a person types it, with no unit: what an input field shows
    /// for a price it was given, so that submitting it unchanged sends the same wei.
    pub fn ether_digits(self) -> String {
        let text = self.format_ether(ETHER_DECIMALS);
        text.trim_end_matches(" ETH").to_string()
    }

    /// Gwei with up to `max_decimals` decimals, rounded down, for gas prices.
    pub fn format_gwei(self, max_decimals: usize) -> String {
        format_decimal(self.0, GWEI_DECIMALS, max_decimals, "gwei")
    }
}

impl fmt::Display for Wei {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.format_ether(4))
    }
}

/// Parses a decimal amount of a token with `decimals` decimals into its smallest units; `unit` names
/// the token in the message when the amount is finer than it can be split.
pub fn parse_units(text: &str, decimals: usize, unit: &'static str) -> Result<u128, AmountError> {
    parse_decimal(text, decimals, unit)
}

/// Formats smallest units of a token with `decimals` decimals, as [`Wei::format_ether`] does ether.
pub fn format_units(units: u128, decimals: usize, max_decimals: usize, unit: &str) -> String {
    format_decimal(units, decimals, max_decimals, unit)
}

fn parse_decimal(text: &str, decimals: usize, unit: &'static str) -> Result<u128, AmountError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(AmountError::Empty);
    }
    if text.starts_with('-') {
        return Err(AmountError::Negative);
    }
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let all_digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !all_digits(whole) || !all_digits(fraction) {
        return Err(AmountError::NotANumber);
    }
    let fraction = fraction.trim_end_matches('0');
    if fraction.len() > decimals {
        return Err(AmountError::TooManyDecimals { max: decimals, unit });
    }
    let scale = 10u128.pow(decimals as u32);
    let whole: u128 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| AmountError::TooLarge)? };
    let fraction_units: u128 = if fraction.is_empty() {
        0
    } else {
        fraction.parse::<u128>().map_err(|_| AmountError::NotANumber)? * 10u128.pow((decimals - fraction.len()) as u32)
    };
    whole.checked_mul(scale).and_then(|units| units.checked_add(fraction_units)).ok_or(AmountError::TooLarge)
}

fn format_decimal(units: u128, decimals: usize, max_decimals: usize, unit: &str) -> String {
    let max_decimals = max_decimals.min(decimals);
    let scale = 10u128.pow(decimals as u32);
    let whole = units / scale;
    let fraction = units % scale;
    let shown = fraction / 10u128.pow((decimals - max_decimals) as u32);
    if whole == 0 && shown == 0 && fraction != 0 {
        let smallest = if max_decimals == 0 { "1".to_string() } else { format!("0.{}1", "0".repeat(max_decimals - 1)) };
        return format!("< {smallest} {unit}");
    }
    let digits = format!("{shown:0max_decimals$}");
    let digits = digits.trim_end_matches('0');
    if digits.is_empty() {
        format!("{whole} {unit}")
    } else {
        format!("{whole}.{digits} {unit}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_whole_and_fractional_ether() {
        assert_eq!(Wei::parse_ether("1"), Ok(Wei(WEI_PER_ETHER)));
        assert_eq!(Wei::parse_ether("0.25"), Ok(Wei(WEI_PER_ETHER / 4)));
        assert_eq!(Wei::parse_ether(".5"), Ok(Wei(WEI_PER_ETHER / 2)));
        assert_eq!(Wei::parse_ether("2."), Ok(Wei(2 * WEI_PER_ETHER)));
        assert_eq!(Wei::parse_ether(" 0.000000000000000001 "), Ok(Wei(1)));
        assert_eq!(Wei::parse_ether("1.500000000000000000000"), Ok(Wei(3 * WEI_PER_ETHER / 2)));
    }

    #[test]
    fn refuses_what_is_not_an_amount() {
        assert_eq!(Wei::parse_ether(""), Err(AmountError::Empty));
        assert_eq!(Wei::parse_ether("-1"), Err(AmountError::Negative));
        assert_eq!(Wei::parse_ether("1e18"), Err(AmountError::NotANumber));
        assert_eq!(Wei::parse_ether("1,000"), Err(AmountError::NotANumber));
        assert_eq!(Wei::parse_ether("."), Err(AmountError::NotANumber));
        assert_eq!(Wei::parse_ether("1.2.3"), Err(AmountError::NotANumber));
        assert_eq!(
            Wei::parse_ether("0.0000000000000000001"),
            Err(AmountError::TooManyDecimals { max: 18, unit: "ether" })
        );
        assert_eq!(Wei::parse_ether("999999999999999999999999"), Err(AmountError::TooLarge));
    }

    #[test]
    fn parses_gwei() {
        assert_eq!(Wei::parse_gwei("1.5"), Ok(Wei(1_500_000_000)));
        assert_eq!(Wei::parse_gwei("0.0000000001"), Err(AmountError::TooManyDecimals { max: 9, unit: "gwei" }));
    }

    #[test]
    fn formats_ether_rounding_down() {
        assert_eq!(Wei(WEI_PER_ETHER * 3 / 2).format_ether(4), "1.5 ETH");
        assert_eq!(Wei(WEI_PER_ETHER * 3 / 2).ether_digits(), "1.5");
        assert_eq!(Wei(1).ether_digits(), "0.000000000000000001");
        assert_eq!(Wei(0).format_ether(4), "0 ETH");
        assert_eq!(Wei(12 * WEI_PER_ETHER).format_ether(4), "12 ETH");
        assert_eq!(Wei(WEI_PER_ETHER - 1).format_ether(4), "0.9999 ETH");
        assert_eq!(Wei(123_456_789_000_000_000).format_ether(6), "0.123456 ETH");
        assert_eq!(Wei(WEI_PER_ETHER / 100_000).format_ether(4), "< 0.0001 ETH");
        assert_eq!(Wei(1).format_ether(18), "0.000000000000000001 ETH");
    }

    #[test]
    fn formats_gwei() {
        assert_eq!(Wei(1_500_000_000).format_gwei(2), "1.5 gwei");
        assert_eq!(Wei(30 * WEI_PER_GWEI).format_gwei(2), "30 gwei");
        assert_eq!(Wei(1).format_gwei(2), "< 0.01 gwei");
    }

    #[test]
    fn parsing_and_formatting_round_trip() {
        for text in ["0.1", "1", "42.424242", "0.000000000000000001"] {
            let wei = Wei::parse_ether(text).unwrap();
            assert_eq!(wei.format_ether(18), format!("{text} ETH"));
        }
    }
}
