//! Jobs as the pool draws them, and the shares found on them until they are submitted.
//!
//! HashLedger accepts a job seed once per contributor, in one batch of strictly increasing nonces,
//! so shares are kept per job and a job is submitted whole. The queue is plain data: the page
//! persists it (it must survive a reload) and verifies it again on every load and before every
//! submission, because stored state can be edited behind the app's back.
//!
//! A batch the contributor has signed for a relayer is closed: the signature covers exactly its
//! nonces, so no share joins it afterwards, and it waits in the queue until the ledger credits it.

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
    /// The contributor's EIP-712 signature over exactly this batch, once signed for a relayer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<BatchSignature>,
}

impl PendingBatch {
    pub fn new(job: JobSpec, nonces: BTreeSet<u32>) -> Self {
        Self { job, nonces, signature: None }
    }

    pub fn is_signed(&self) -> bool {
        self.signature.is_some()
    }
}

/// A 65-byte `r | s | v` signature, stored as `0x` and 130 hex digits.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct BatchSignature(pub [u8; 65]);

impl std::fmt::Display for BatchSignature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "0x{}", hex::encode(self.0))
    }
}

impl std::fmt::Debug for BatchSignature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

impl std::str::FromStr for BatchSignature {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let digits = text.trim().strip_prefix("0x").ok_or("a signature starts with 0x")?;
        let bytes = hex::decode(digits).map_err(|_| "a signature has only the digits 0-9 and a-f".to_string())?;
        let bytes: [u8; 65] =
            bytes.try_into().map_err(|bytes: Vec<u8>| format!("a signature has 65 bytes, this has {}", bytes.len()))?;
        Ok(Self(bytes))
    }
}

impl Serialize for BatchSignature {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for BatchSignature {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// "1 share", "3 shares".
pub fn shares_words(count: usize) -> String {
    match count {
        1 => "1 share".to_string(),
        n => format!("{n} shares"),
    }
}

/// What verifying a batch found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub batch: PendingBatch,
    /// Nonces that are not shares of the job: dropped, and worth telling the user about.
    pub rejected: Vec<u32>,
}

/// Keeps only the nonces that are shares of the batch's job, by the exact `sha2` reference. A job
/// whose bits encode no valid target loses all its nonces. A signature survives only when every
/// nonce does: it covers the batch as it was signed, which a relayer could no longer submit.
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
    let signature = batch.signature.filter(|_| rejected.is_empty());
    Verified { batch: PendingBatch { job: batch.job.clone(), nonces: kept, signature }, rejected }
}

/// Every job with shares not yet submitted, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareQueue {
    pub batches: Vec<PendingBatch>,
}

impl ShareQueue {
    /// Records a share the main thread has verified. Returns false for a duplicate, and for a share
    /// of a batch already signed, which its signature would no longer cover.
    pub fn add(&mut self, job: &JobSpec, nonce: u32) -> bool {
        match self.batches.iter_mut().find(|batch| batch.job == *job) {
            // A signed batch is closed; a full one is all the ledger takes in one submission, and
            // the pool moves to a new job once it is full.
            Some(batch) if batch.is_signed() || batch.nonces.len() >= MAX_BATCH => false,
            Some(batch) => batch.nonces.insert(nonce),
            None => {
                self.batches.push(PendingBatch::new(job.clone(), BTreeSet::from([nonce])));
                true
            }
        }
    }

    /// Closes the batch `signed` with the contributor's signature over it. Returns false when the
    /// queue no longer holds that batch with exactly those nonces, which the signature covers.
    pub fn sign(&mut self, signed: &PendingBatch, signature: BatchSignature) -> bool {
        match self.batches.iter_mut().find(|batch| batch.job == signed.job && batch.nonces == signed.nonces) {
            Some(batch) => {
                batch.signature = Some(signature);
                true
            }
            None => false,
        }
    }

    pub fn batch(&self, job: &JobSpec) -> Option<&PendingBatch> {
        self.batches.iter().find(|batch| batch.job == *job)
    }

    /// The batches signed for a relayer, which stay until the ledger is seen to credit them.
    pub fn signed(&self) -> impl Iterator<Item = &PendingBatch> {
        self.batches.iter().filter(|batch| batch.is_signed())
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

/// The first `count` shares of contracts/test/vectors/shares.json, as a batch: real shares on anvil
/// account 2, which HashLedger's tests use too.
#[cfg(test)]
pub(crate) fn vector_batch(count: usize) -> PendingBatch {
    let vectors: serde_json::Value =
        serde_json::from_str(include_str!("../../contracts/test/vectors/shares.json")).unwrap();
    let address = |key: &str| vectors[key].as_str().unwrap().parse::<Address>().unwrap();
    let number = |key: &str| vectors[key].as_u64().unwrap();
    assert_eq!(number("version"), u64::from(HEADER_VERSION), "the vectors use the miner's header version");
    let mut seed = [0u8; 32];
    hex::decode_to_slice(&vectors["jobSeed"].as_str().unwrap()[2..], &mut seed).unwrap();
    let job = JobSpec {
        chain_id: number("chainId"),
        ledger: address("ledger"),
        twin_id: number("tokenId"),
        contributor: address("contributor"),
        seed,
        time: number("time") as u32,
        bits: number("bits") as u32,
    };
    let nonces = vectors["nonces"].as_array().unwrap().iter().take(count).map(|n| n.as_u64().unwrap() as u32);
    PendingBatch::new(job, nonces.collect())
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
    fn a_batch_never_grows_past_what_the_ledger_takes() {
        let job = job(1);
        let mut queue = ShareQueue::default();
        for nonce in 0..MAX_BATCH as u32 + 10 {
            queue.add(&job, nonce);
        }
        assert_eq!(queue.shares_of(&job), MAX_BATCH);
        assert!(!queue.add(&job, u32::MAX), "a full batch takes no more");
    }

    #[test]
    fn verification_keeps_shares_and_names_the_rest() {
        let job = job(1);
        let (shares, not) = shares_and_not(&job, 3);
        let batch = PendingBatch::new(job.clone(), shares.iter().chain(&not).copied().collect());
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
        let verified = verify(&PendingBatch::new(stolen, shares.iter().copied().collect()));
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
    fn a_signed_batch_takes_no_more_shares_and_keeps_its_signature_through_json() {
        let job = job(10);
        let (shares, _) = shares_and_not(&job, 3);
        let mut queue = ShareQueue::default();
        queue.add(&job, shares[0]);
        queue.add(&job, shares[1]);
        let signature = BatchSignature([0xab; 65]);
        let as_signed = queue.batch(&job).unwrap().clone();
        let stale = PendingBatch::new(job.clone(), BTreeSet::from([shares[0]]));
        assert!(!queue.sign(&stale, signature), "the queue has a share the signature does not cover");
        assert!(!queue.sign(&PendingBatch { job: self::job(11), ..as_signed.clone() }, signature), "no such batch");
        assert!(queue.sign(&as_signed, signature));
        assert!(!queue.add(&job, shares[2]), "the signature covers two shares, not three");
        assert_eq!(queue.shares_of(&job), 2);
        assert_eq!(queue.signed().count(), 1);

        let json = serde_json::to_string(&queue).unwrap();
        assert!(json.contains(&format!("\"signature\":\"0x{}\"", "ab".repeat(65))), "{json}");
        let mut reloaded: ShareQueue = serde_json::from_str(&json).unwrap();
        assert_eq!(reloaded, queue);
        assert_eq!(reloaded.reverify(), 0);
        assert_eq!(reloaded.batch(&job).unwrap().signature, Some(signature), "valid shares keep their signature");
    }

    #[test]
    fn a_signed_batch_that_loses_a_share_to_verification_loses_its_signature() {
        let job = job(12);
        let (shares, not) = shares_and_not(&job, 2);
        let batch = PendingBatch {
            job: job.clone(),
            nonces: shares.iter().chain(&not[..1]).copied().collect(),
            signature: Some(BatchSignature([1; 65])),
        };
        let verified = verify(&batch);
        assert_eq!(verified.rejected, vec![not[0]]);
        assert_eq!(verified.batch.signature, None);
    }

    #[test]
    fn stored_queues_from_before_signatures_still_load() {
        let json = format!(r#"{{"batches":[{{"job":{},"nonces":[1,2]}}]}}"#, serde_json::to_string(&job(13)).unwrap());
        let queue: ShareQueue = serde_json::from_str(&json).unwrap();
        assert!(!queue.batches[0].is_signed());
    }

    #[test]
    fn signatures_parse_only_as_65_bytes_of_hex() {
        let text = format!("0x{}", "0f".repeat(65));
        assert_eq!(text.parse::<BatchSignature>().unwrap().to_string(), text);
        assert_eq!("0x0f0f".parse::<BatchSignature>().unwrap_err(), "a signature has 65 bytes, this has 2");
        assert!("0f".repeat(65).parse::<BatchSignature>().is_err());
        assert!(format!("0x{}", "zz".repeat(65)).parse::<BatchSignature>().is_err());
    }

    #[test]
    fn share_counts_read_as_words() {
        assert_eq!(shares_words(1), "1 share");
        assert_eq!(shares_words(3), "3 shares");
        assert_eq!(shares_words(0), "0 shares");
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
