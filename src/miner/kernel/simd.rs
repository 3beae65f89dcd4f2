//! Four consecutive nonces per step, one per lane of a wasm `v128`.
//!
//! Only this module's entry points carry `#[target_feature(enable = "simd128")]`, so the rest of
//! the crate compiles without SIMD. On wasm a target feature is a validation matter, not a safety
//! one (an engine without SIMD rejects the module when loading it rather than misbehaving), which
//! is why these functions and the intrinsics are safe to call: no `unsafe` is needed here.

use core::arch::wasm32::{
    i32x4_bitmask, i8x16_shuffle, u32x4, u32x4_add, u32x4_le, u32x4_shl, u32x4_shr, u32x4_splat, v128, v128_bitselect,
    v128_or, v128_xor,
};

use super::rounds::{self, Lanes};
use super::PreparedJob;

const LANES: u32 = 4;

/// Four SHA-256 words. A newtype so that the shared round code can take it as its word type.
#[derive(Clone, Copy)]
struct Words(v128);

// These are only called from the `simd128` functions below, into which they are always inlined;
// they carry no target feature themselves because trait methods cannot.
impl Lanes for Words {
    #[inline(always)]
    fn splat(x: u32) -> Self {
        Words(u32x4_splat(x))
    }
    #[inline(always)]
    fn add(self, other: Self) -> Self {
        Words(u32x4_add(self.0, other.0))
    }
    #[inline(always)]
    fn xor(self, other: Self) -> Self {
        Words(v128_xor(self.0, other.0))
    }
    #[inline(always)]
    fn shr(self, n: u32) -> Self {
        Words(u32x4_shr(self.0, n))
    }
    #[inline(always)]
    fn rotr(self, n: u32) -> Self {
        // wasm SIMD has no rotate.
        Words(v128_or(u32x4_shr(self.0, n), u32x4_shl(self.0, 32 - n)))
    }
    #[inline(always)]
    fn ch(e: Self, f: Self, g: Self) -> Self {
        Words(v128_bitselect(f.0, g.0, e.0))
    }
    #[inline(always)]
    fn maj(a: Self, b: Self, c: Self) -> Self {
        // Where a and c agree the majority is their value, elsewhere b decides.
        Words(v128_bitselect(b.0, a.0, v128_xor(a.0, c.0)))
    }
}

/// Byte-swaps each 32-bit lane: nonces are little-endian in the header, SHA-256 reads big-endian,
/// and the digest's top word is compared as little-endian.
#[inline(always)]
fn swap_bytes(v: v128) -> v128 {
    i8x16_shuffle::<3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12>(v, v)
}

/// [`super::scalar::scan`], four nonces at a time; same contract and same results.
#[target_feature(enable = "simd128")]
pub fn scan(job: &PreparedJob, start_nonce: u32, count: u32, found: &mut Vec<u32>) -> u32 {
    let precomputed = job.precomputed().splat::<Words>();
    let target_top = u32x4_splat(job.target_top());
    let lane_offsets = u32x4(0, 1, 2, 3);
    let mut nonce = start_nonce;
    let mut remaining = count;
    while remaining > 0 {
        let nonces = u32x4_add(u32x4_splat(nonce), lane_offsets);
        let h7 = rounds::word7(&precomputed, Words(swap_bytes(nonces))).0;
        let mut candidates = i32x4_bitmask(u32x4_le(swap_bytes(h7), target_top));
        if remaining < LANES {
            // The last step's extra lanes hash nonces past the range: ignore them.
            candidates &= (1 << remaining) - 1;
        }
        while candidates != 0 {
            found.push(nonce.wrapping_add(candidates.trailing_zeros()));
            candidates &= candidates - 1;
        }
        nonce = nonce.wrapping_add(LANES);
        remaining = remaining.saturating_sub(LANES);
    }
    count
}

/// Full digests of four consecutive nonces through the SIMD rounds, to check every word of them in
/// the tests (the worker's self-test checks [`scan`] itself).
#[cfg(test)]
#[target_feature(enable = "simd128")]
pub fn digests(job: &PreparedJob, first_nonce: u32) -> [[u8; 32]; 4] {
    let precomputed = job.precomputed().splat::<Words>();
    let nonces = u32x4_add(u32x4_splat(first_nonce), u32x4(0, 1, 2, 3));
    let words = rounds::digest_words(&precomputed, Words(swap_bytes(nonces)));
    let lane = |l: usize| words.map(|w| lane_of(w.0, l));
    [0, 1, 2, 3].map(|l| super::scalar::words_to_bytes(lane(l)))
}

#[cfg(test)]
#[target_feature(enable = "simd128")]
fn lane_of(v: v128, lane: usize) -> u32 {
    use core::arch::wasm32::u32x4_extract_lane;
    match lane {
        0 => u32x4_extract_lane::<0>(v),
        1 => u32x4_extract_lane::<1>(v),
        2 => u32x4_extract_lane::<2>(v),
        _ => u32x4_extract_lane::<3>(v),
    }
}
