//! Donated work, as HashLedger's `WorkCredited` events record it: per twin, per contributor, and
//! as a hashrate over recent time.

use std::collections::HashMap;

use super::Address;

/// How far back the donated hashrate looks.
pub const HASHRATE_WINDOW_SECONDS: u64 = 24 * 60 * 60;

/// One accepted batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credit {
    pub twin_id: u64,
    pub contributor: Address,
    /// The job seed of the credited batch: each batch a contributor submits has its own.
    pub job_seed: [u8; 32],
    pub shares: u64,
    /// Expected hashes the shares prove. u128: a u256 past that is no plausible amount of work.
    pub work: u128,
    pub block: u64,
    /// The block's time, unix seconds.
    pub timestamp: u64,
    /// `0x` and 64 hex digits: the submission, for the account's transaction list.
    pub tx_hash: String,
}

/// What has been donated to one twin.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Donations {
    pub work: u128,
    pub shares: u64,
    /// Hashes per second, averaged over the last [`HASHRATE_WINDOW_SECONDS`].
    pub hashrate: f64,
    /// Most work first.
    pub contributors: Vec<Contribution>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contribution {
    pub contributor: Address,
    pub work: u128,
    pub shares: u64,
}

/// Donations per twin; twins with none are absent.
pub fn by_twin(credits: &[Credit], now: u64) -> HashMap<u64, Donations> {
    let mut twins: HashMap<u64, (Donations, HashMap<Address, Contribution>)> = HashMap::new();
    for credit in credits {
        let (donations, contributors) = twins.entry(credit.twin_id).or_default();
        donations.work = donations.work.saturating_add(credit.work);
        donations.shares += credit.shares;
        if now.saturating_sub(credit.timestamp) <= HASHRATE_WINDOW_SECONDS {
            donations.hashrate += credit.work as f64 / HASHRATE_WINDOW_SECONDS as f64;
        }
        let contribution = contributors.entry(credit.contributor).or_insert(Contribution {
            contributor: credit.contributor,
            work: 0,
            shares: 0,
        });
        contribution.work = contribution.work.saturating_add(credit.work);
        contribution.shares += credit.shares;
    }
    twins
        .into_iter()
        .map(|(twin_id, (mut donations, contributors))| {
            donations.contributors = contributors.into_values().collect();
            donations.contributors.sort_by(|a, b| b.work.cmp(&a.work).then(a.contributor.cmp(&b.contributor)));
            (twin_id, donations)
        })
        .collect()
}

/// Everything one contributor has donated, per twin, most work first.
pub fn by_contributor(credits: &[Credit], contributor: Address) -> Vec<(u64, Contribution)> {
    let mut twins: HashMap<u64, Contribution> = HashMap::new();
    for credit in credits.iter().filter(|credit| credit.contributor == contributor) {
        let entry = twins.entry(credit.twin_id).or_insert(Contribution { contributor, work: 0, shares: 0 });
        entry.work = entry.work.saturating_add(credit.work);
        entry.shares += credit.shares;
    }
    let mut twins: Vec<_> = twins.into_iter().collect();
    twins.sort_by(|a, b| b.1.work.cmp(&a.1.work).then(a.0.cmp(&b.0)));
    twins
}

/// "3.10 G hashes", "812 hashes": work in the units a reader can picture.
pub fn format_work(work: u128) -> String {
    format!("{} hashes", format_count(work as f64))
}

/// "1.34 G": large counts, compactly.
pub fn format_count(count: f64) -> String {
    const UNITS: [(&str, f64); 6] = [("E", 1e18), ("P", 1e15), ("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)];
    match UNITS.iter().find(|(_, scale)| count >= *scale) {
        Some((unit, scale)) => format!("{:.2} {unit}", count / scale),
        None => format!("{count:.0}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const NOW: u64 = 1_764_000_000;

    fn credit(twin_id: u64, who: u8, work: u128, age: u64) -> Credit {
        Credit {
            twin_id,
            contributor: Address([who; 20]),
            job_seed: [who; 32],
            shares: 2,
            work,
            block: 10,
            timestamp: NOW - age,
            tx_hash: format!("0x{}", "ab".repeat(32)),
        }
    }

    #[test]
    fn twins_sum_their_credits_and_rank_contributors() {
        let credits = [credit(1, 0xa, 100, 10), credit(1, 0xb, 300, 20), credit(1, 0xa, 50, 30), credit(2, 0xa, 7, 0)];
        let twins = by_twin(&credits, NOW);
        let first = &twins[&1];
        assert_eq!((first.work, first.shares), (450, 6));
        assert_eq!(first.contributors[0], Contribution { contributor: Address([0xb; 20]), work: 300, shares: 2 });
        assert_eq!(first.contributors[1].work, 150);
        assert_eq!(twins[&2].work, 7);
        assert!(!twins.contains_key(&3));
    }

    #[test]
    fn the_hashrate_counts_only_the_last_day() {
        let day = HASHRATE_WINDOW_SECONDS;
        let credits = [credit(1, 1, day as u128 * 1_000, 60), credit(1, 1, day as u128 * 9_000, day + 1)];
        let donations = &by_twin(&credits, NOW)[&1];
        assert!((donations.hashrate - 1_000.0).abs() < 1e-6);
        assert_eq!(donations.work, day as u128 * 10_000);
    }

    #[test]
    fn a_contributor_sees_their_own_work_per_twin() {
        let credits = [credit(1, 0xa, 10, 0), credit(2, 0xa, 30, 0), credit(2, 0xa, 5, 0), credit(2, 0xb, 99, 0)];
        let mine = by_contributor(&credits, Address([0xa; 20]));
        assert_eq!(mine.iter().map(|(twin, c)| (*twin, c.work)).collect::<Vec<_>>(), vec![(2, 35), (1, 10)]);
    }

    #[test]
    fn work_reads_in_big_units() {
        assert_eq!(format_work(3_100_000_000), "3.10 G hashes");
        assert_eq!(format_count(1_340_000_000.0), "1.34 G");
        assert_eq!(format_count(12.0), "12");
        assert_eq!(format_work(999), "999 hashes");
    }
}
