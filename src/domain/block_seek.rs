//! Which block to read from for "the last week": the newest block at or before a time, found by
//! interpolating between blocks whose times are known, so that a chart of a year-old twin reads
//! only its window's logs, after a handful of block lookups rather than a scan from deployment.

/// A block and its time, unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub number: u64,
    pub time: u64,
}

/// The search for the newest block at or before `target`, between two known blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockSeek {
    target: u64,
    /// A block at or before the target: the answer so far.
    before: Stamp,
    /// A block after the target, if any is known.
    after: Option<Stamp>,
    /// Close enough: a few extra blocks of logs cost less than another lookup.
    slack: u64,
    /// Lookups so far: every other one halves the range, which bounds the search where blocks
    /// come in bursts and interpolation alone would creep.
    lookups: u32,
}

impl BlockSeek {
    /// Between the first block there is anything to read from (`first`) and the newest (`latest`).
    /// A target at or before `first` is `first`; at or after `latest`, `latest`.
    pub fn new(target: u64, first: Stamp, latest: Stamp, slack: u64) -> Self {
        let known = |before| Self { target, before, after: None, slack, lookups: 0 };
        if latest.time <= target || latest.number <= first.number {
            return known(latest);
        }
        if target <= first.time {
            return known(first);
        }
        Self { target, before: first, after: Some(latest), slack, lookups: 0 }
    }

    /// The next block to look up, or `None` once the answer is known.
    pub fn probe(&self) -> Option<u64> {
        let after = self.after?;
        let (low, high) = (self.before, after);
        if high.number - low.number <= self.slack.max(1) {
            return None;
        }
        let guess = if self.lookups % 2 == 1 {
            low.number + (high.number - low.number) / 2
        } else {
            // Where the target would sit if blocks came at an even pace between the two.
            let span = u128::from(high.time.saturating_sub(low.time)).max(1);
            let offset = u128::from(self.target.saturating_sub(low.time)) * u128::from(high.number - low.number) / span;
            low.number + offset as u64
        };
        // Always strictly inside, so that every lookup narrows the range.
        Some(guess.clamp(low.number + 1, high.number - 1))
    }

    /// Takes in the time of a probed block.
    pub fn observe(&mut self, block: Stamp) {
        let inside = self.after.is_some_and(|after| block.number > self.before.number && block.number < after.number);
        if !inside {
            return;
        }
        self.lookups += 1;
        if block.time <= self.target {
            self.before = block;
        } else {
            self.after = Some(block);
        }
    }

    /// The newest known block at or before the target: where to read from.
    pub fn answer(&self) -> u64 {
        self.before.number
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// Runs the search against a chain whose block `n` has time `times[n]`; returns the answer and
    /// how many lookups it took.
    fn seek(times: &[u64], target: u64, slack: u64) -> (u64, usize) {
        let stamp = |number: u64| Stamp { number, time: times[number as usize] };
        let mut search = BlockSeek::new(target, stamp(0), stamp(times.len() as u64 - 1), slack);
        let mut lookups = 0;
        while let Some(number) = search.probe() {
            lookups += 1;
            assert!(lookups < 64, "the search does not converge");
            search.observe(stamp(number));
        }
        (search.answer(), lookups)
    }

    fn newest_at_or_before(times: &[u64], target: u64) -> u64 {
        times.iter().rposition(|&time| time <= target).unwrap_or(0) as u64
    }

    #[test]
    fn finds_the_block_of_a_time_on_a_regular_chain_in_a_few_lookups() {
        let times: Vec<u64> = (0..100_000).map(|n| 1_000_000 + 12 * n).collect();
        let target = 1_000_000 + 12 * 54_321 + 5;
        let (answer, lookups) = seek(&times, target, 0);
        assert_eq!(answer, 54_321);
        assert!(lookups <= 3, "{lookups} lookups");
    }

    #[test]
    fn never_starts_after_the_window_whatever_the_pace() {
        // Bursts and lulls: a test chain mined in steps, then a long quiet spell.
        let mut times = Vec::new();
        let mut time = 1_700_000_000u64;
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for n in 0..20_000u64 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            time += match n % 5_000 {
                0 => 86_400,
                _ => state % 3,
            };
            times.push(time);
        }
        for step in 0..200u64 {
            let target = times[0] + (times[times.len() - 1] - times[0]) * step / 199;
            let exact = newest_at_or_before(&times, target);
            for slack in [0, 16, 500] {
                let (answer, lookups) = seek(&times, target, slack);
                assert!(times[answer as usize] <= target || answer == 0, "block {answer} is after {target}");
                assert!(answer <= exact && exact - answer <= slack.max(1), "{answer} vs {exact} (slack {slack})");
                assert!(lookups <= 40, "{lookups} lookups");
            }
        }
    }

    #[test]
    fn a_time_outside_the_chain_is_its_first_or_latest_block() {
        let times: Vec<u64> = (0..1_000).map(|n| 5_000 + n).collect();
        assert_eq!(seek(&times, 10, 0), (0, 0));
        assert_eq!(seek(&times, 9_999_999, 0), (999, 0));
    }

    #[test]
    fn blocks_outside_the_range_teach_nothing() {
        let first = Stamp { number: 10, time: 100 };
        let latest = Stamp { number: 1_010, time: 1_100 };
        let mut search = BlockSeek::new(600, first, latest, 0);
        search.observe(Stamp { number: 5, time: 50 });
        search.observe(Stamp { number: 2_000, time: 5_000 });
        assert_eq!(search, BlockSeek::new(600, first, latest, 0));
    }
}
