//! The hot loop of the miner: SHA-256d over consecutive nonces of one job, cut down to what the
//! share test needs.
//!
//! Three observations make it cheaper than hashing 80 bytes twice per nonce:
//! - the first 64 bytes of the header never change within a job, so their SHA-256 state (the
//!   [`Midstate`]) is computed once;
//! - in the second 64-byte block the nonce is only word 3, so rounds 0..=2, most of round 3 and
//!   every message-schedule term that does not involve word 3 are per-job constants
//!   ([`PreparedJob`] holds them), and the padding words are compile-time constants;
//! - a share compares the digest as a little-endian integer, so only its last word (H7 of the
//!   second hash) can decide cheaply; H7 = IV7 + e₆₁, which round 60 produces, so the second hash
//!   stops after round 60 and the kernels report the nonces whose top 32 bits are at most the
//!   target's. Those candidates are a superset of the shares (the top word may tie); the caller
//!   keeps the ones [`PreparedJob::is_share`] accepts, an exact check on the `sha2` reference.
//!
//! [`scalar::scan`] runs anywhere; [`simd::scan`] (wasm32 only) hashes four nonces per step with
//! 128-bit SIMD. Both share the round code in `rounds`, generic over a [`rounds::Lanes`] word type.
//! Note that a wasm module containing any SIMD instruction fails validation as a whole on an
//! engine without SIMD, even if that function is never called: a module that must also load on
//! such engines has to be built without `simd`.

mod rounds;
pub mod scalar;
#[cfg(target_arch = "wasm32")]
pub mod simd;

#[cfg(test)]
mod tests;

use ethers_core::types::U256;

use super::header::{meets_target, CompactBits, HEADER_LEN};
use super::sha256d::sha256d;
use rounds::Precomputed;

const BLOCK_LEN: usize = 64;
const TAIL_LEN: usize = 12;

/// The SHA-256 state after the header's first 64-byte block, and the 12 header bytes that follow
/// it up to the nonce: everything a job contributes to the hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Midstate {
    pub state: [u32; 8],
    pub tail: [u8; TAIL_LEN],
}

impl Midstate {
    /// From any header; its nonce bytes are ignored.
    pub fn new(header: &[u8; HEADER_LEN]) -> Self {
        let mut state = rounds::IV;
        let mut block = [0u32; 16];
        for (word, bytes) in block.iter_mut().zip(header[..BLOCK_LEN].chunks_exact(4)) {
            *word = u32::from_be_bytes(bytes.try_into().expect("chunks of 4"));
        }
        rounds::compress(&mut state, &block);
        let mut tail = [0u8; TAIL_LEN];
        tail.copy_from_slice(&header[BLOCK_LEN..BLOCK_LEN + TAIL_LEN]);
        Midstate { state, tail }
    }

    fn tail_words(&self) -> [u32; 3] {
        let word = |i: usize| u32::from_be_bytes(self.tail[4 * i..4 * i + 4].try_into().expect("4 bytes"));
        [word(0), word(1), word(2)]
    }
}

/// One job ready for the kernels: its header, exact target, and the per-job constants of the hash.
#[derive(Debug, Clone)]
pub struct PreparedJob {
    header: [u8; HEADER_LEN],
    midstate: Midstate,
    target: U256,
    target_top: u32,
    precomputed: Precomputed<u32>,
}

impl PreparedJob {
    /// For a header and target, from a job (`PreparedJob::new`, in `job`) or not (the self-test).
    pub fn with_target(header: &[u8; HEADER_LEN], target: U256) -> Self {
        let midstate = Midstate::new(header);
        PreparedJob {
            header: *header,
            midstate,
            target,
            target_top: (target >> 224).low_u32(),
            precomputed: Precomputed::new(midstate.state, midstate.tail_words()),
        }
    }

    pub fn midstate(&self) -> &Midstate {
        &self.midstate
    }

    pub fn target(&self) -> U256 {
        self.target
    }

    /// The target's most significant 32 bits: a digest whose own top 32 bits (bytes 28..32, little
    /// endian) exceed this cannot be a share.
    pub fn target_top(&self) -> u32 {
        self.target_top
    }

    pub fn header(&self, nonce: u32) -> [u8; HEADER_LEN] {
        let mut header = self.header;
        header[HEADER_LEN - 4..].copy_from_slice(&nonce.to_le_bytes());
        header
    }

    /// The exact share test, on the `sha2` reference: for the kernels' candidates, which are rare,
    /// so its cost does not matter.
    pub fn is_share(&self, nonce: u32) -> bool {
        meets_target(&sha256d(&self.header(nonce)), self.target)
    }

    /// The same header under the highest target whose top word is `top`.
    fn with_target_top(&self, top: u32) -> Self {
        PreparedJob { target: (U256::from(top) << 224) | (U256::MAX >> 32), target_top: top, ..self.clone() }
    }

    pub(crate) fn precomputed(&self) -> &Precomputed<u32> {
        &self.precomputed
    }
}

/// Whether a digest's H7 word (big-endian, as SHA-256 produces it) puts it at or under the
/// target's top word, i.e. whether the nonce is a candidate.
#[inline(always)]
fn word7_may_meet(h7: u32, target_top: u32) -> bool {
    h7.swap_bytes() <= target_top
}

/// A kernel: hashes `count` nonces from a start, appends the candidates, returns the hashes done.
/// [`scalar::scan`] is the contract every kernel keeps.
pub type Kernel = fn(&PreparedJob, u32, u32, &mut Vec<u32>) -> u32;

pub const SCALAR: Kernel = scalar::scan;

#[cfg(target_arch = "wasm32")]
pub const SIMD: Kernel = |job, start, count, found| simd::scan(job, start, count, found);

/// Random headers a worker checks before it reports ready: a few milliseconds of work.
const SELF_TEST_HEADERS: usize = 1_024;
/// Nonces per random header: one SIMD step, a nonce in every lane.
const SELF_TEST_LANES: u32 = 4;

/// Whether a kernel scans exactly like `sha2` decides, checked on the kernel's own scan, the code
/// that hashes for the visitor. First it must pick the Bitcoin genesis block's nonce out of its
/// neighbours under the genesis target, whose top word is zero so nothing else qualifies even as a
/// candidate. Then, on [`SELF_TEST_HEADERS`] headers drawn from a fixed seed and four nonces each
/// (a nonce in every lane), the digest's top word in each lane must be exactly `sha2`'s: a scan
/// under that word as the target's top word must report the lane, and one under the word less one
/// must not. A kernel that fails this must not hash for anyone.
pub fn self_test(kernel: Kernel) -> bool {
    let header = super::sha256d::genesis::header();
    let nonce = u32::from_le_bytes(header[HEADER_LEN - 4..].try_into().expect("4 bytes"));
    let Ok(target) = CompactBits(super::sha256d::genesis::BITS).target() else { return false };
    let job = PreparedJob::with_target(&header, target);
    let mut candidates = Vec::new();
    let hashed = kernel(&job, nonce - 5, 11, &mut candidates);
    if hashed != 11 || candidates != [nonce] || !job.is_share(nonce) {
        return false;
    }
    let mut rng = XorShift(0x5151_d00d);
    (0..SELF_TEST_HEADERS).all(|_| {
        let job = PreparedJob::with_target(&rng.header(), U256::MAX);
        let first = rng.next_u32();
        let nonces = (0..SELF_TEST_LANES).map(|lane| first.wrapping_add(lane));
        let tops: Vec<u32> = nonces.clone().map(|nonce| top_word(&sha256d(&job.header(nonce)))).collect();
        let mut thresholds = tops.iter().flat_map(|&top| [Some(top), top.checked_sub(1)]).flatten();
        thresholds.all(|threshold| {
            let job = job.with_target_top(threshold);
            candidates.clear();
            let expected = nonces.clone().zip(&tops).filter(|&(_, &top)| top <= threshold).map(|(nonce, _)| nonce);
            kernel(&job, first, SELF_TEST_LANES, &mut candidates) == SELF_TEST_LANES
                && candidates.iter().copied().eq(expected)
        })
    })
}

/// A digest's top 32 bits, as the share test reads them: bytes 28..32, little-endian.
fn top_word(digest: &[u8; 32]) -> u32 {
    u32::from_le_bytes([digest[28], digest[29], digest[30], digest[31]])
}

/// xorshift64*: deterministic, so a failing header can be replayed.
pub(crate) struct XorShift(pub u64);

impl XorShift {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    pub fn header(&mut self) -> [u8; HEADER_LEN] {
        let mut header = [0u8; HEADER_LEN];
        for chunk in header.chunks_mut(8) {
            chunk.copy_from_slice(&self.next_u64().to_le_bytes()[..chunk.len()]);
        }
        header
    }
}
