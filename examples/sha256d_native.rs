//! Native SHA-256d throughput on one core, the yardstick for the browser kernels: `sha2`'s
//! compression function (SHA-NI when the CPU has it: sha2 detects it at run time) driven with the
//! same midstate trick as the kernels, then the crate's own scalar kernel.
//!
//! `RUSTFLAGS="-C target-cpu=native" cargo run --release --example sha256d_native`

use std::hint::black_box;
use std::time::{Duration, Instant};

use ethers_core::types::U256;
use hashtwin::miner::kernel::{scalar, PreparedJob};
use hashtwin::miner::sha256d::genesis;

const RUN: Duration = Duration::from_secs(3);
/// Hashes between clock reads: enough that reading the clock costs nothing measurable.
const CHUNK: u32 = 1 << 16;

const IV: [u32; 8] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

fn main() {
    #[cfg(target_arch = "x86_64")]
    println!("SHA-NI: {}", if std::arch::is_x86_feature_detected!("sha") { "yes" } else { "no" });

    let header = genesis::header();
    // One candidate in 256, as in the kernel tests: the reporting path is exercised, not dominant.
    let target_top = 0x00ff_ffff;
    let job = PreparedJob::with_target(&header, U256::from(target_top) << 224);
    let (mut by_sha2, mut by_kernel) = (Vec::new(), Vec::new());
    sha2_scan(&header, 0, 1 << 14, target_top, &mut by_sha2);
    scalar::scan(&job, 0, 1 << 14, &mut by_kernel);
    assert_eq!(by_sha2, by_kernel, "both paths must find the same candidates before being timed");

    let sha2 = measure(|start, found| sha2_scan(&header, start, CHUNK, target_top, found));
    println!("sha2 compress256 + midstate: {sha2:.2} MH/s");

    let kernel = measure(|start, found| scalar::scan(&job, start, CHUNK, found));
    println!("hashtwin scalar kernel:      {kernel:.2} MH/s ({:.2} x sha2)", kernel / sha2);
}

/// MH/s of `scan(start_nonce, found)`, which hashes `CHUNK` nonces per call, over `RUN`.
fn measure(mut scan: impl FnMut(u32, &mut Vec<u32>) -> u32) -> f64 {
    let (mut hashes, mut found) = (0u64, Vec::new());
    let start = Instant::now();
    while start.elapsed() < RUN {
        hashes += u64::from(scan(hashes as u32, &mut found));
        black_box(&found);
        found.clear();
    }
    hashes as f64 / start.elapsed().as_secs_f64() / 1e6
}

/// The kernels' contract on `sha2`: candidates are nonces whose digest's top 32 bits (bytes
/// 28..32, little endian) are at most `target_top`.
fn sha2_scan(header: &[u8; 80], start_nonce: u32, count: u32, target_top: u32, found: &mut Vec<u32>) -> u32 {
    let mut midstate = IV;
    let first_block: [u8; 64] = header[..64].try_into().expect("a 64-byte block");
    sha2::compress256(&mut midstate, &[first_block.into()]);
    // The header's second block and the digest's only block, padding in place.
    let mut tail = [0u8; 64];
    tail[..16].copy_from_slice(&header[64..]);
    tail[16] = 0x80;
    tail[62..].copy_from_slice(&(80u16 * 8).to_be_bytes());
    let mut digest_block = [0u8; 64];
    digest_block[32] = 0x80;
    digest_block[62..].copy_from_slice(&(32u16 * 8).to_be_bytes());

    let mut nonce = start_nonce;
    for _ in 0..count {
        tail[12..16].copy_from_slice(&nonce.to_le_bytes());
        let mut first = midstate;
        sha2::compress256(&mut first, &[tail.into()]);
        for (bytes, word) in digest_block.chunks_exact_mut(4).zip(first) {
            bytes.copy_from_slice(&word.to_be_bytes());
        }
        let mut second = IV;
        sha2::compress256(&mut second, &[digest_block.into()]);
        if second[7].swap_bytes() <= target_top {
            found.push(nonce);
        }
        nonce = nonce.wrapping_add(1);
    }
    count
}
