//! Hashprice from what the Bitcoin network publishes: what a TH/s earns a day, in BTC and in USD.
//!
//! A block pays its subsidy and its fees. At difficulty `D` the network needs `D × 2³²` hashes a
//! block on average, so a hash earns `(subsidy + fees) / (D × 2³²)` BTC, and a TH/s, which does
//! `86,400 × 10¹²` hashes a day, earns that many times over. This is the yardstick a twin's payouts
//! are held against (issue #13): measured hashrate × hashprice over the period.

/// BTC a block pays its miner before fees, since the halving of April 2024 (block 840,000).
pub const SUBSIDY_BTC: f64 = 3.125;

const SECONDS_A_DAY: f64 = 86_400.0;
const HASHES_A_TERAHASH: f64 = 1e12;
/// Hashes a block takes on average per unit of difficulty.
const HASHES_A_DIFFICULTY: f64 = 4_294_967_296.0;

/// What the network and the market say at one time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NetworkFigures {
    pub difficulty: f64,
    /// Fees per block, averaged over recent blocks, in BTC.
    pub mean_fees_btc: f64,
    pub btc_usd: f64,
}

/// Why figures give no hashprice: each would divide by nothing or make one up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FiguresError {
    #[error("The difficulty must be a positive number.")]
    Difficulty,
    #[error("Fees per block can't be negative.")]
    Fees,
    #[error("The BTC price must be a positive number.")]
    Price,
}

impl NetworkFigures {
    pub fn checked(self) -> Result<Self, FiguresError> {
        let positive = |value: f64| value.is_finite() && value > 0.0;
        if !positive(self.difficulty) {
            return Err(FiguresError::Difficulty);
        }
        if !(self.mean_fees_btc.is_finite() && self.mean_fees_btc >= 0.0) {
            return Err(FiguresError::Fees);
        }
        if !positive(self.btc_usd) {
            return Err(FiguresError::Price);
        }
        Ok(self)
    }

    /// BTC a TH/s earns a day.
    pub fn btc_per_th_day(&self) -> f64 {
        (SUBSIDY_BTC + self.mean_fees_btc) * SECONDS_A_DAY * HASHES_A_TERAHASH / (self.difficulty * HASHES_A_DIFFICULTY)
    }

    /// USD a TH/s earns a day: the hashprice the earnings panel has so far asked the user for.
    pub fn usd_per_th_day(&self) -> f64 {
        self.btc_per_th_day() * self.btc_usd
    }

    /// What a rig that measured `mean_ths` over `seconds` should have earned, in USD.
    pub fn expected_usd(&self, mean_ths: f64, seconds: u64) -> f64 {
        mean_ths * self.usd_per_th_day() * seconds as f64 / SECONDS_A_DAY
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// Issue #13's worked example.
    fn example(mean_fees_btc: f64) -> NetworkFigures {
        NetworkFigures { difficulty: 152e12, mean_fees_btc, btc_usd: 91_000.0 }
    }

    #[test]
    fn the_subsidy_alone_pays_37_64_dollars_a_petahash_a_day() {
        let per_ph = example(0.0).usd_per_th_day() * 1_000.0;
        assert!((per_ph - 37.64).abs() < 0.005, "{per_ph}");
    }

    #[test]
    fn fees_of_two_hundredths_of_a_bitcoin_a_block_add_0_64_percent() {
        let gain = example(0.02).usd_per_th_day() / example(0.0).usd_per_th_day() - 1.0;
        assert!((gain - 0.0064).abs() < 1e-12, "{gain}");
    }

    #[test]
    fn twice_the_difficulty_halves_what_a_terahash_earns() {
        let double = NetworkFigures { difficulty: 304e12, ..example(0.0) };
        assert!((example(0.0).btc_per_th_day() / double.btc_per_th_day() - 2.0).abs() < 1e-12);
    }

    #[test]
    fn a_rig_is_expected_to_earn_its_hashrate_times_hashprice_over_the_period() {
        let figures = example(0.0);
        // 200 TH/s for a week.
        let week = figures.expected_usd(200.0, 7 * 86_400);
        assert!((week - 200.0 * 7.0 * figures.usd_per_th_day()).abs() < 1e-9);
        assert_eq!(figures.expected_usd(200.0, 0), 0.0);
    }

    #[test]
    fn figures_that_would_make_a_hashprice_up_are_refused() {
        assert_eq!(NetworkFigures { difficulty: 0.0, ..example(0.0) }.checked(), Err(FiguresError::Difficulty));
        assert_eq!(NetworkFigures { difficulty: f64::NAN, ..example(0.0) }.checked(), Err(FiguresError::Difficulty));
        assert_eq!(example(-0.1).checked(), Err(FiguresError::Fees));
        assert_eq!(NetworkFigures { btc_usd: 0.0, ..example(0.0) }.checked(), Err(FiguresError::Price));
        assert_eq!(example(0.02).checked(), Ok(example(0.02)));
    }
}
