//! One nonce at a time: the kernel for native code and for wasm engines without SIMD.

use super::rounds;
use super::{word7_may_meet, PreparedJob};

/// Hashes nonces `start_nonce, start_nonce + 1, ...` (`count` of them, wrapping past `u32::MAX`)
/// and appends to `found`, in order, every nonce whose digest's top 32 bits are at most the
/// target's. Those candidates include every share; keep the ones [`PreparedJob::is_share`]
/// accepts. Returns the number of hashes done, always `count`.
pub fn scan(job: &PreparedJob, start_nonce: u32, count: u32, found: &mut Vec<u32>) -> u32 {
    let precomputed = job.precomputed();
    let target_top = job.target_top();
    let mut nonce = start_nonce;
    for _ in 0..count {
        if word7_may_meet(rounds::word7(precomputed, nonce.swap_bytes()), target_top) {
            found.push(nonce);
        }
        nonce = nonce.wrapping_add(1);
    }
    count
}

/// The full SHA-256d digest through the kernel's specialised rounds, to check them.
#[cfg(test)]
pub(crate) fn digest(job: &PreparedJob, nonce: u32) -> [u8; 32] {
    words_to_bytes(rounds::digest_words(job.precomputed(), nonce.swap_bytes()))
}

/// H7 as the early-exit path computes it, to check that the skipped rounds did not matter.
#[cfg(test)]
pub(crate) fn word7(job: &PreparedJob, nonce: u32) -> u32 {
    rounds::word7(job.precomputed(), nonce.swap_bytes())
}

#[cfg(test)]
pub(crate) fn words_to_bytes(words: [u32; 8]) -> [u8; 32] {
    let mut bytes = [0u8; 32];
    for (chunk, word) in bytes.chunks_exact_mut(4).zip(words) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    bytes
}
