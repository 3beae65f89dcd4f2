use super::*;
use crate::miner::sha256d::genesis;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::XorShift as Rng;

/// Top 32 bits of 0x00ffffff: one candidate in 256 hashes.
fn easy_target() -> U256 {
    (U256::from(0x00ff_ffffu64) << 224) | U256::from(0xdead_beefu64)
}

/// Runs `scan` over a range and checks its candidates and shares against `sha2` on every nonce.
fn check_scan(scan: fn(&PreparedJob, u32, u32, &mut Vec<u32>) -> u32, job: &PreparedJob, start: u32, count: u32) {
    let nonces = (0..count).map(|i| start.wrapping_add(i));
    let expected_candidates: Vec<u32> =
        nonces.clone().filter(|&n| top_word(&sha256d(&job.header(n))) <= job.target_top()).collect();
    let expected_shares: Vec<u32> = nonces.filter(|&n| job.is_share(n)).collect();

    let mut found = vec![];
    assert_eq!(scan(job, start, count, &mut found), count);
    assert_eq!(found, expected_candidates, "candidates from {start} for {count}");
    found.retain(|&n| job.is_share(n));
    assert_eq!(found, expected_shares, "shares from {start} for {count}");
}

/// Ranges that start and end off the SIMD step, are empty or tiny, and wrap past u32::MAX.
const RANGES: [(u32, u32); 6] = [(0, 3001), (7, 0), (1_000_003, 1), (u32::MAX - 1000, 2003), (12_345, 4096), (9, 5)];

fn vector_job() -> (PreparedJob, Vec<u32>, Vec<u32>) {
    let (job, shares, not_shares) = crate::miner::job::ledger_vectors();
    (PreparedJob::new(&job).unwrap(), shares, not_shares)
}

/// The vectors are the first 64 shares from nonce 0: a scan up to the last must find exactly them.
fn check_vectors(scan: fn(&PreparedJob, u32, u32, &mut Vec<u32>) -> u32) {
    let (job, shares, not_shares) = vector_job();
    let mut found = vec![];
    scan(&job, 0, shares.last().unwrap() + 1, &mut found);
    found.retain(|&n| job.is_share(n));
    assert_eq!(found, shares);
    assert!(not_shares.iter().all(|n| !found.contains(n)));
}

#[test]
fn the_midstate_is_sha2s_state_after_the_first_block() {
    let header = genesis::header();
    let mut state = rounds::IV;
    let block: [u8; 64] = header[..64].try_into().unwrap();
    sha2::compress256(&mut state, &[block.into()]);
    let midstate = Midstate::new(&header);
    assert_eq!(midstate.state, state);
    assert_eq!(midstate.tail, header[64..76]);
}

#[test]
fn the_genesis_header_hashes_through_the_kernel_rounds() {
    let header = genesis::header();
    let job = PreparedJob::with_target(&header, easy_target());
    let nonce = u32::from_le_bytes(header[76..80].try_into().unwrap());
    let mut digest = scalar::digest(&job, nonce);
    assert_eq!(digest, sha256d(&header));
    digest.reverse();
    assert_eq!(hex::encode(digest), genesis::HASH_DISPLAY_HEX);
}

/// Every specialised round against `sha2`, and the early exit's H7 against the full digest's.
#[test]
fn random_headers_hash_like_sha2() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..2000 {
        let header = rng.header();
        let job = PreparedJob::with_target(&header, easy_target());
        let nonce = u32::from_le_bytes(header[76..80].try_into().unwrap());
        let expected = sha256d(&header);
        assert_eq!(scalar::digest(&job, nonce), expected, "header {}", hex::encode(header));
        assert_eq!(scalar::word7(&job, nonce).to_be_bytes(), expected[28..32]);
    }
}

#[test]
fn scalar_scan_finds_exactly_the_candidates_and_shares() {
    let mut rng = Rng(7);
    for (start, count) in RANGES {
        check_scan(scalar::scan, &PreparedJob::with_target(&rng.header(), easy_target()), start, count);
    }
}

#[test]
fn scalar_scan_finds_the_ledger_share_vectors() {
    check_vectors(scalar::scan);
}

/// A digest whose top word equals the target's is a candidate; only the full comparison decides.
#[test]
fn a_tied_top_word_is_settled_by_verification() {
    let mut rng = Rng(11);
    let header = rng.header();
    let nonce = rng.next_u32();
    let probe = PreparedJob::with_target(&header, easy_target());
    let value = U256::from_little_endian(&sha256d(&probe.header(nonce)));
    for (target, is_share) in [(value, true), (value - 1, false)] {
        let job = PreparedJob::with_target(&header, target);
        assert_eq!(job.target_top(), top_word(&sha256d(&job.header(nonce))));
        let mut found = vec![];
        scalar::scan(&job, nonce, 1, &mut found);
        assert_eq!(found, [nonce]);
        assert_eq!(job.is_share(nonce), is_share);
    }
}

#[test]
fn the_scalar_kernel_passes_its_self_test() {
    assert!(self_test(SCALAR));
}

#[test]
fn a_kernel_that_misses_the_share_or_miscounts_fails_the_self_test() {
    assert!(!self_test(|_, _, count, _| count));
    assert!(!self_test(|_, start, count, found| {
        found.extend(start..start + count);
        count
    }));
    assert!(!self_test(|job, start, count, found| scalar::scan(job, start, count - 1, found)));
}

/// The fourth lane's nonces, under a target one higher than asked: a top word off by one there.
fn off_by_one_in_the_last_lane(job: &PreparedJob, start: u32, count: u32, found: &mut Vec<u32>) -> u32 {
    let looser = job.with_target_top(job.target_top().saturating_add(1));
    for nonce in (0..count).map(|i| start.wrapping_add(i)) {
        let job = if nonce.wrapping_sub(start) % 4 == 3 { &looser } else { job };
        scalar::scan(job, nonce, 1, found);
    }
    count
}

#[test]
fn a_kernel_whose_top_word_is_off_by_one_in_one_lane_fails_the_self_test() {
    // The genesis check alone does not see it: the genesis target's top word is zero, and the
    // neighbours' are far above one.
    let header = genesis::header();
    let target = CompactBits(genesis::BITS).target().unwrap();
    let (mut scalar_found, mut faulty_found) = (vec![], vec![]);
    let job = PreparedJob::with_target(&header, target);
    scalar::scan(&job, 2_083_236_893 - 5, 11, &mut scalar_found);
    off_by_one_in_the_last_lane(&job, 2_083_236_893 - 5, 11, &mut faulty_found);
    assert_eq!(scalar_found, faulty_found);
    assert!(!self_test(off_by_one_in_the_last_lane));
}

/// A kernel that fails for one lane, on one header of the thousand: the self-test looks at all.
#[test]
fn a_kernel_wrong_on_one_late_header_fails_the_self_test() {
    let mut rng = Rng(0x5151_d00d);
    let late_header = (0..=SELF_TEST_HEADERS / 2).map(|_| {
        let header = rng.header();
        rng.next_u32();
        header
    });
    let late_midstate = Midstate::new(&late_header.last().unwrap());
    let faulty: Kernel = |job, start, count, found| {
        let hashed = scalar::scan(job, start, count, found);
        if job.midstate().state == faulty_midstate() && count == SELF_TEST_LANES {
            found.retain(|&nonce| nonce != start.wrapping_add(2));
        }
        hashed
    };
    FAULTY_MIDSTATE.with(|cell| cell.set(Some(late_midstate.state)));
    assert!(!self_test(faulty));
    FAULTY_MIDSTATE.with(|cell| cell.set(None));
    assert!(self_test(faulty), "the same kernel is right on every other header");
}

thread_local! {
    static FAULTY_MIDSTATE: std::cell::Cell<Option<[u32; 8]>> = const { std::cell::Cell::new(None) };
}

fn faulty_midstate() -> [u32; 8] {
    FAULTY_MIDSTATE.with(|cell| cell.get()).unwrap_or([0; 8])
}

#[cfg(target_arch = "wasm32")]
mod simd_kernel {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn random_headers_hash_like_sha2_in_every_lane() {
        let mut rng = Rng(0x5151_d00d);
        for _ in 0..1000 {
            let header = rng.header();
            let job = PreparedJob::with_target(&header, easy_target());
            let first = rng.next_u32();
            let digests = simd::digests(&job, first);
            for (lane, digest) in digests.iter().enumerate() {
                let nonce = first.wrapping_add(lane as u32);
                assert_eq!(*digest, sha256d(&job.header(nonce)), "header {} lane {lane}", hex::encode(header));
            }
        }
    }

    #[test]
    fn simd_scan_finds_exactly_the_candidates_and_shares() {
        let mut rng = Rng(7);
        for (start, count) in RANGES {
            check_scan(simd::scan, &PreparedJob::with_target(&rng.header(), easy_target()), start, count);
        }
    }

    #[test]
    fn the_simd_kernel_passes_its_self_test() {
        assert!(self_test(SIMD));
    }

    #[test]
    fn simd_scan_finds_the_ledger_share_vectors() {
        check_vectors(simd::scan);
    }
}

/// Throughput, not correctness: `cargo test --release --lib miner::kernel -- --ignored --nocapture`
/// natively; on wasm the same with `--target wasm32-unknown-unknown` and the wasm-bindgen runner.
#[test]
#[ignore]
fn throughput() {
    let job = PreparedJob::with_target(&genesis::header(), easy_target());
    report("scalar", measure(scalar::scan, &job));
    #[cfg(target_arch = "wasm32")]
    report("simd", measure(simd::scan, &job));
}

fn measure(scan: fn(&PreparedJob, u32, u32, &mut Vec<u32>) -> u32, job: &PreparedJob) -> f64 {
    const CHUNK: u32 = 1 << 20;
    let start = now_ms();
    let (mut hashes, mut found) = (0u64, vec![]);
    while now_ms() - start < 3000.0 {
        hashes += u64::from(scan(job, hashes as u32, CHUNK, &mut found));
        found.clear();
    }
    hashes as f64 / (now_ms() - start) / 1000.0
}

#[cfg(not(target_arch = "wasm32"))]
fn now_ms() -> f64 {
    use std::sync::OnceLock;
    use std::time::Instant;
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    EPOCH.get_or_init(Instant::now).elapsed().as_secs_f64() * 1000.0
}

#[cfg(target_arch = "wasm32")]
fn now_ms() -> f64 {
    js_sys::Date::now()
}

fn report(kernel: &str, mhs: f64) {
    #[cfg(not(target_arch = "wasm32"))]
    println!("{kernel}: {mhs:.2} MH/s");
    #[cfg(target_arch = "wasm32")]
    wasm_bindgen_test::console_log!("{kernel}: {mhs:.2} MH/s");
}
