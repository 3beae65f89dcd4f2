//! Hands out a job's 2^32 nonces to workers in disjoint ranges.

/// Nonces per range: a few seconds of one worker, so a range lost with its worker costs little and
/// the pool hears from every worker often.
pub const RANGE_LEN: u32 = 1 << 24;

const NONCE_SPACE: u64 = 1 << 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NonceRange {
    pub start: u32,
    pub count: u32,
}

impl NonceRange {
    /// What is left after `hashes` of it are done.
    pub fn after(self, hashes: u32) -> Option<NonceRange> {
        let done = hashes.min(self.count);
        (done < self.count).then(|| NonceRange { start: self.start.wrapping_add(done), count: self.count - done })
    }
}

/// The ranges of one job not yet handed out. Ranges given back (by a worker that died or halted)
/// go out again before fresh ones, so no nonce is skipped and none is hashed twice.
#[derive(Debug, Clone, Default)]
pub struct NonceRanges {
    next: u64,
    returned: Vec<NonceRange>,
}

impl NonceRanges {
    /// The next range, or `None` once the job's nonces are all handed out: time for a new job seed.
    pub fn take(&mut self) -> Option<NonceRange> {
        if let Some(range) = self.returned.pop() {
            return Some(range);
        }
        if self.next >= NONCE_SPACE {
            return None;
        }
        let range = NonceRange { start: self.next as u32, count: RANGE_LEN };
        self.next += u64::from(RANGE_LEN);
        Some(range)
    }

    pub fn give_back(&mut self, range: NonceRange) {
        if range.count > 0 {
            self.returned.push(range);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn ranges_cover_the_nonce_space_once_then_run_out() {
        let mut ranges = NonceRanges::default();
        let mut expected_start = 0u64;
        while let Some(range) = ranges.take() {
            assert_eq!(u64::from(range.start), expected_start);
            expected_start += u64::from(range.count);
        }
        assert_eq!(expected_start, 1 << 32);
        assert_eq!(ranges.take(), None);
    }

    #[test]
    fn a_returned_remainder_goes_out_before_fresh_ranges() {
        let mut ranges = NonceRanges::default();
        let first = ranges.take().unwrap();
        let rest = first.after(1_000).unwrap();
        assert_eq!(rest, NonceRange { start: 1_000, count: RANGE_LEN - 1_000 });
        ranges.give_back(rest);
        assert_eq!(ranges.take(), Some(rest));
        assert_eq!(ranges.take().unwrap().start, RANGE_LEN);
    }

    #[test]
    fn a_finished_range_leaves_nothing() {
        let range = NonceRange { start: u32::MAX - 9, count: 10 };
        assert_eq!(range.after(10), None);
        assert_eq!(range.after(u32::MAX), None);
        assert_eq!(range.after(4), Some(NonceRange { start: u32::MAX - 5, count: 6 }));
    }
}
