//! Native SHA-256d throughput on one core, the yardstick for the browser hasher: `sha2`'s
//! compression function (SHA-NI where the CPU has it; sha2 detects it at run time) driven with the
//! same midstate trick as the wasm kernels. A crate of its own, with `sha2` as its only
//! dependency, so that `scripts/bench` can build it with any RUSTFLAGS in seconds.
//!
//! Prints `<MH/s>` alone on its last line.

use std::hint::black_box;
use std::time::{Duration, Instant};

const RUN: Duration = Duration::from_secs(5);
/// Hashes between clock reads: enough that reading the clock costs nothing measurable.
const CHUNK: u32 = 1 << 16;

const IV: [u32; 8] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/// The Bitcoin genesis block header.
const GENESIS: &str = concat!(
    "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e",
    "67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c"
);
const GENESIS_HASH: &str = "6fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000";

fn main() {
    #[cfg(target_arch = "x86_64")]
    eprintln!("SHA-NI: {}", if std::arch::is_x86_feature_detected!("sha") { "yes" } else { "no" });
    let header: [u8; 80] = hex(GENESIS).try_into().expect("80 bytes");
    let nonce = u32::from_le_bytes(header[76..].try_into().expect("4 bytes"));
    assert_eq!(digest(&header, nonce).to_vec(), hex(GENESIS_HASH), "sha2 reproduces the genesis block hash");

    let mut found = Vec::new();
    let start = Instant::now();
    let mut hashes = 0u64;
    while start.elapsed() < RUN {
        hashes += u64::from(scan(&header, hashes as u32, CHUNK, &mut found));
        black_box(&found);
        found.clear();
    }
    println!("{:.2}", hashes as f64 / start.elapsed().as_secs_f64() / 1e6);
}

/// The kernels' contract: appends the nonces whose digest's top 32 bits (bytes 28..32, little
/// endian) are zero, i.e. candidates under a hard target.
fn scan(header: &[u8; 80], start_nonce: u32, count: u32, found: &mut Vec<u32>) -> u32 {
    let midstate = midstate(header);
    let mut tail = tail_block(header);
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
        if second[7] == 0 {
            found.push(nonce);
        }
        nonce = nonce.wrapping_add(1);
    }
    count
}

fn midstate(header: &[u8; 80]) -> [u32; 8] {
    let mut state = IV;
    let first_block: [u8; 64] = header[..64].try_into().expect("a 64-byte block");
    sha2::compress256(&mut state, &[first_block.into()]);
    state
}

/// The header's second block, padded in place; the nonce goes at bytes 12..16.
fn tail_block(header: &[u8; 80]) -> [u8; 64] {
    let mut tail = [0u8; 64];
    tail[..16].copy_from_slice(&header[64..]);
    tail[16] = 0x80;
    tail[62..].copy_from_slice(&(80u16 * 8).to_be_bytes());
    tail
}

/// The full digest through the same midstate path, to check it.
fn digest(header: &[u8; 80], nonce: u32) -> [u8; 32] {
    let mut tail = tail_block(header);
    tail[12..16].copy_from_slice(&nonce.to_le_bytes());
    let mut first = midstate(header);
    sha2::compress256(&mut first, &[tail.into()]);
    let mut block = [0u8; 64];
    for (bytes, word) in block.chunks_exact_mut(4).zip(first) {
        bytes.copy_from_slice(&word.to_be_bytes());
    }
    block[32] = 0x80;
    block[62..].copy_from_slice(&(32u16 * 8).to_be_bytes());
    let mut second = IV;
    sha2::compress256(&mut second, &[block.into()]);
    let mut out = [0u8; 32];
    for (bytes, word) in out.chunks_exact_mut(4).zip(second) {
        bytes.copy_from_slice(&word.to_be_bytes());
    }
    out
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex digits")).collect()
}
