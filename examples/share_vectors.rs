//! Writes contracts/test/vectors/shares.json: real shares searched with the miner's own job code,
//! which HashLedger's tests must accept (and whose tampered variants they must reject). Run with
//! `cargo run --example share_vectors`; the file is committed, so tests need not search.

use hashtwin::domain::Address;
use hashtwin::miner::job::{commitment, meets_target, CompactBits, Job};
use hashtwin::miner::sha256d::sha256d;
use sha2::{Digest, Sha256};

const CHAIN_ID: u64 = 31337;
const LEDGER: &str = "0x4c3d6e0000000000000000000000000000000001";
const TOKEN_ID: u64 = 1;
/// anvil's dev account 2.
const CONTRIBUTOR: &str = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const VERSION: u32 = 0x2000_0000;
const TIME: u32 = 1_764_000_000;
/// About one share in 256 hashes: cheap to search, still a real proof of work.
const BITS: CompactBits = CompactBits(0x2000_ffff);
const VALID: usize = 64;
const INVALID: usize = 8;

fn main() {
    let out = std::env::args().nth(1).unwrap_or_else(|| "contracts/test/vectors/shares.json".into());
    let ledger: Address = LEDGER.parse().unwrap();
    let contributor: Address = CONTRIBUTOR.parse().unwrap();
    let job = Job {
        version: VERSION,
        commitment: commitment(CHAIN_ID, ledger, TOKEN_ID, contributor),
        job_seed: Sha256::digest(b"hashtwin share vectors").into(),
        time: TIME,
        bits: BITS,
    };
    let target = BITS.target().expect("the vector bits are valid");

    let (mut nonces, mut invalid) = (Vec::new(), Vec::new());
    for nonce in 0u32.. {
        if meets_target(&sha256d(&job.header(nonce)), target) {
            nonces.push(nonce);
        } else if invalid.len() < INVALID {
            invalid.push(nonce);
        }
        if nonces.len() == VALID {
            break;
        }
    }

    let json = serde_json::json!({
        "chainId": CHAIN_ID,
        "ledger": LEDGER,
        "tokenId": TOKEN_ID,
        "contributor": CONTRIBUTOR,
        "jobSeed": format!("0x{}", hex::encode(job.job_seed)),
        "version": VERSION,
        "time": TIME,
        "bits": BITS.0,
        "nonces": nonces,
        "invalidNonces": invalid,
    });
    std::fs::write(&out, serde_json::to_string_pretty(&json).unwrap() + "\n").expect("writing the vectors");
    println!("wrote {VALID} shares and {INVALID} non-shares to {out}");
}
