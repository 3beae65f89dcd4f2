//! Jobs as the pool draws them, and the shares found on them until they are submitted.
//!
//! HashLedger accepts a job seed once per contributor, in one batch of strictly increasing nonces,
//! so shares are kept per job and a job is submitted whole. The queue is plain data: the page
//! persists it (it must survive a reload) and verifies it again on every load and before every
//! submission, because stored state can be edited behind the app's back.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::job::{commitment, BitsError, CompactBits, Job};
use super::kernel::PreparedJob;
use crate::domain::Address;

/// What the header's version field carries: Bitcoin's version-bits base, as real miners send.
pub const HEADER_VERSION: u32 = 0x2000_0000;
/// HashLedger's `MAX_BATCH`.
pub const MAX_BATCH: usize = 256;
/// HashLedger's `MAX_TIME_DRIFT`: a batch whose header time is further from the block's is refused.
pub const MAX_TIME_DRIFT_SECONDS: u64 = 2 * 60 * 60;
/// A job is retired well before the ledger would refuse its time, so that its shares can still be
/// submitted at leisure.
pub const JOB_LIFETIME_SECONDS: u64 = 30 * 60;

/// One job: whom and what its shares credit, and the header fields the hasher searches under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobSpec {
    pub chain_id: u64,
    pub ledger: Address,
    pub twin_id: u64,
    pub contributor: Address,
    #[serde(with = "hex::serde")]
    pub seed: [u8; 32],
    pub time: u32,
    pub bits: u32,
}

impl JobSpec {
    pub fn job(&self) -> Job {
        Job {
            version: HEADER_VERSION,
            commitment: commitment(self.chain_id, self.ledger, self.twin_id, self.contributor),
            job_seed: self.seed,
            time: self.time,
            bits: CompactBits(self.bits),
        }
    }

    pub fn prepare(&self) -> Result<PreparedJob, BitsError> {
        PreparedJob::new(&self.job())
    }

    /// Whether HashLedger would still accept this job's header time at block time `now`.
    pub fn within_time_drift(&self, now: u64) -> bool {
        now.abs_diff(self.time.into()) <= MAX_TIME_DRIFT_SECONDS
    }
}

/// A job's shares, waiting to be submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingBatch {
    pub job: JobSpec,
    /// Ordered and unique, as the ledger wants them.
    pub nonces: BTreeSet<u32>,
}

/// What verifying a batch found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub batch: PendingBatch,
    /// Nonces that are not shares of the job: dropped, and worth telling the user about.
    pub rejected: Vec<u32>,
}

/// Keeps only the nonces that are shares of the batch's job, by the exact `sha2` reference. A job
/// whose bits encode no valid target loses all its nonces.
pub fn verify(batch: &PendingBatch) -> Verified {
    let prepared = batch.job.prepare().ok();
    let (kept, rejected): (BTreeSet<u32>, Vec<u32>) = match &prepared {
        Some(prepared) => {
            let (kept, rejected): (Vec<u32>, Vec<u32>) =
                batch.nonces.iter().partition(|&&nonce| prepared.is_share(nonce));
            (kept.into_iter().collect(), rejected)
        }
        None => (BTreeSet::new(), batch.nonces.iter().copied().collect()),
    };
    Verified { batch: PendingBatch { job: batch.job.clone(), nonces: kept }, rejected }
}

/// Every job with shares not yet submitted, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareQueue {
    pub batches: Vec<PendingBatch>,
}

impl ShareQueue {
    /// Records a share the main thread has verified. Returns false for a duplicate.
    pub fn add(&mut self, job: &JobSpec, nonce: u32) -> bool {
        match self.batches.iter_mut().find(|batch| batch.job == *job) {
            Some(batch) => batch.nonces.insert(nonce),
            None => {
                self.batches.push(PendingBatch { job: job.clone(), nonces: BTreeSet::from([nonce]) });
                true
            }
        }
    }

    pub fn shares_of(&self, job: &JobSpec) -> usize {
        self.batches.iter().find(|batch| batch.job == *job).map_or(0, |batch| batch.nonces.len())
    }

    pub fn share_count(&self) -> usize {
        self.batches.iter().map(|batch| batch.nonces.len()).sum()
    }

    /// Drops a job once the ledger has it (or has refused it for good).
    pub fn remove(&mut self, job: &JobSpec) {
        self.batches.retain(|batch| batch.job != *job);
    }

    /// Verifies every batch, keeps what passes and returns the nonces that did not.
    pub fn reverify(&mut self) -> usize {
        let mut rejected = 0;
        for batch in &mut self.batches {
            let verified = verify(batch);
            rejected += verified.rejected.len();
            *batch = verified.batch;
        }
        self.batches.retain(|batch| !batch.nonces.is_empty());
        rejected
    }

    /// The batches of one chain and contributor, the only ones its wallet can submit.
    pub fn submittable(&self, chain_id: u64, contributor: Address) -> impl Iterator<Item = &PendingBatch> {
        self.batches.iter().filter(move |batch| batch.job.chain_id == chain_id && batch.job.contributor == contributor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// 0x2000ffff: a target near 2^248, so about one nonce in 256 is a share.
    const EASY_BITS: u32 = 0x2000_ffff;

    fn job(seed: u8) -> JobSpec {
        JobSpec {
            chain_id: 31_337,
            ledger: Address([0x11; 20]),
            twin_id: 4,
            contributor: Address([0x22; 20]),
            seed: [seed; 32],
            time: 1_764_000_000,
            bits: EASY_BITS,
        }
    }

    fn shares_and_not(job: &JobSpec, wanted: usize) -> (Vec<u32>, Vec<u32>) {
        let prepared = job.prepare().unwrap();
        let (shares, not): (Vec<u32>, Vec<u32>) = (0..20_000u32).partition(|&nonce| prepared.is_share(nonce));
        assert!(shares.len() >= wanted, "the easy target yields shares");
        (shares[..wanted].to_vec(), not[..wanted].to_vec())
    }

    #[test]
    fn the_ledger_vectors_verify_as_shares() {
        let (vector_job, shares, not_shares) = crate::miner::job::ledger_vectors();
        let prepared = PreparedJob::new(&vector_job).unwrap();
        assert!(shares.iter().all(|&nonce| prepared.is_share(nonce)));
        assert!(not_shares.iter().all(|&nonce| !prepared.is_share(nonce)));
    }

    #[test]
    fn verification_keeps_shares_and_names_the_rest() {
        let job = job(1);
        let (shares, not) = shares_and_not(&job, 3);
        let batch = PendingBatch { job: job.clone(), nonces: shares.iter().chain(&not).copied().collect() };
        let verified = verify(&batch);
        assert_eq!(verified.batch.nonces, shares.iter().copied().collect());
        let mut rejected = verified.rejected;
        rejected.sort();
        let mut expected = not.clone();
        expected.sort();
        assert_eq!(rejected, expected);
    }

    #[test]
    fn a_share_moved_to_another_contributor_no_longer_verifies() {
        let job = job(2);
        let (shares, _) = shares_and_not(&job, 8);
        let stolen = JobSpec { contributor: Address([0x33; 20]), ..job };
        let verified = verify(&PendingBatch { job: stolen, nonces: shares.iter().copied().collect() });
        // One in 256 might pass by chance under the easy target; most must not.
        assert!(verified.rejected.len() >= 6, "{verified:?}");
    }

    #[test]
    fn the_queue_groups_by_job_dedupes_and_survives_json() {
        let (first, second) = (job(3), job(4));
        let mut queue = ShareQueue::default();
        assert!(queue.add(&first, 9));
        assert!(queue.add(&first, 2));
        assert!(!queue.add(&first, 9));
        assert!(queue.add(&second, 5));
        assert_eq!(queue.share_count(), 3);
        assert_eq!(queue.batches[0].nonces.iter().copied().collect::<Vec<_>>(), vec![2, 9]);

        let json = serde_json::to_string(&queue).unwrap();
        assert!(json.contains(&format!("\"seed\":\"{}\"", hex::encode([3u8; 32]))), "{json}");
        assert_eq!(serde_json::from_str::<ShareQueue>(&json).unwrap(), queue);

        queue.remove(&first);
        assert_eq!(queue.shares_of(&first), 0);
        assert_eq!(queue.shares_of(&second), 1);
    }

    #[test]
    fn reverify_drops_tampered_nonces_and_emptied_jobs() {
        let (kept_job, emptied_job) = (job(5), job(6));
        let (shares, not) = shares_and_not(&kept_job, 2);
        let (_, not_for_emptied) = shares_and_not(&emptied_job, 2);
        let mut queue = ShareQueue::default();
        for &nonce in shares.iter().chain(&not) {
            queue.add(&kept_job, nonce);
        }
        for &nonce in &not_for_emptied {
            queue.add(&emptied_job, nonce);
        }
        assert_eq!(queue.reverify(), 4);
        assert_eq!(queue.batches.len(), 1);
        assert_eq!(queue.shares_of(&kept_job), 2);
    }

    #[test]
    fn only_the_connected_contributor_and_chain_can_submit() {
        let mut queue = ShareQueue::default();
        queue.add(&job(7), 1);
        queue.add(&JobSpec { chain_id: 1, ..job(8) }, 1);
        queue.add(&JobSpec { contributor: Address([0x44; 20]), ..job(9) }, 1);
        let mine: Vec<_> = queue.submittable(31_337, Address([0x22; 20])).collect();
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].job.seed, [7; 32]);
    }

    #[test]
    fn the_time_drift_window_matches_the_ledger() {
        let job = job(1);
        let time = u64::from(job.time);
        assert!(job.within_time_drift(time + MAX_TIME_DRIFT_SECONDS));
        assert!(job.within_time_drift(time - MAX_TIME_DRIFT_SECONDS));
        assert!(!job.within_time_drift(time + MAX_TIME_DRIFT_SECONDS + 1));
    }
}
