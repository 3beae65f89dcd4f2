//! What a hasher searches: the 80-byte header of the share format (DESIGN.md, "Share format"), its
//! difficulty in Bitcoin's compact `bits`, and the work a share proves.
//!
//! `version (4, LE) | commitment (32) | job seed (32) | time (4, LE) | bits (4, LE) | nonce (4, LE)`,
//! hashed with SHA-256d; a share is valid when the digest, read as a little-endian integer, is at
//! most the target. HashLedger checks exactly this on chain.

use ethers_core::abi::{encode, Token};
use ethers_core::types::H160;
use ethers_core::utils::keccak256;

pub use super::header::{meets_target, BitsError, CompactBits, HEADER_LEN};
use super::kernel::PreparedJob;
use crate::domain::Address;

const NONCE_OFFSET: usize = 76;

/// `keccak256(abi.encode(chainId, ledger, tokenId, contributor))`: binds a share to one chain,
/// one ledger, one twin and one contributor, so that whoever relays it, the credit cannot move.
pub fn commitment(chain_id: u64, ledger: Address, token_id: u64, contributor: Address) -> [u8; 32] {
    keccak256(encode(&[
        Token::Uint(chain_id.into()),
        Token::Address(H160(ledger.0)),
        Token::Uint(token_id.into()),
        Token::Address(H160(contributor.0)),
    ]))
}

/// One job: everything of the header but the nonce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub version: u32,
    pub commitment: [u8; 32],
    pub job_seed: [u8; 32],
    pub time: u32,
    pub bits: CompactBits,
}

impl Job {
    pub fn header(&self, nonce: u32) -> [u8; HEADER_LEN] {
        let mut header = [0u8; HEADER_LEN];
        header[0..4].copy_from_slice(&self.version.to_le_bytes());
        header[4..36].copy_from_slice(&self.commitment);
        header[36..68].copy_from_slice(&self.job_seed);
        header[68..72].copy_from_slice(&self.time.to_le_bytes());
        header[72..76].copy_from_slice(&self.bits.0.to_le_bytes());
        header[NONCE_OFFSET..].copy_from_slice(&nonce.to_le_bytes());
        header
    }
}

impl PreparedJob {
    pub fn new(job: &Job) -> Result<Self, BitsError> {
        Ok(Self::with_target(&job.header(0), job.bits.target()?))
    }
}

/// The job of contracts/test/vectors/shares.json, its shares and some non-shares: the vectors
/// HashLedger's tests and the kernels' tests share.
#[cfg(test)]
pub(crate) fn ledger_vectors() -> (Job, Vec<u32>, Vec<u32>) {
    let vectors: serde_json::Value =
        serde_json::from_str(include_str!("../../contracts/test/vectors/shares.json")).unwrap();
    let address = |key: &str| vectors[key].as_str().unwrap().parse::<Address>().unwrap();
    let number = |key: &str| vectors[key].as_u64().unwrap();
    let mut job_seed = [0u8; 32];
    hex::decode_to_slice(&vectors["jobSeed"].as_str().unwrap()[2..], &mut job_seed).unwrap();
    let job = Job {
        version: number("version") as u32,
        commitment: commitment(number("chainId"), address("ledger"), number("tokenId"), address("contributor")),
        job_seed,
        time: number("time") as u32,
        bits: CompactBits(number("bits") as u32),
    };
    let nonces =
        |key: &str| vectors[key].as_array().unwrap().iter().map(|n| n.as_u64().unwrap() as u32).collect::<Vec<_>>();
    (job, nonces("nonces"), nonces("invalidNonces"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::miner::sha256d::sha256d;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn the_header_lays_out_fields_as_the_ledger_reads_them() {
        let job = Job {
            version: 0x2000_0000,
            commitment: [0xcc; 32],
            job_seed: [0x5e; 32],
            time: 0x6923_4500,
            bits: CompactBits(0x2000_ffff),
        };
        let header = job.header(0x0102_0304);
        assert_eq!(&header[0..4], &[0, 0, 0, 0x20]);
        assert_eq!(&header[4..36], &[0xcc; 32]);
        assert_eq!(&header[36..68], &[0x5e; 32]);
        assert_eq!(&header[68..72], &[0x00, 0x45, 0x23, 0x69]);
        assert_eq!(&header[72..76], &[0xff, 0xff, 0x00, 0x20]);
        assert_eq!(&header[76..80], &[0x04, 0x03, 0x02, 0x01]);
    }

    #[test]
    fn the_commitment_is_keccak_of_the_abi_encoded_fields() {
        // cast keccak $(cast abi-encode "f(uint256,address,uint256,address)" 31337 \
        //   0x4c3d6e0000000000000000000000000000000001 1 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC)
        let ledger: Address = "0x4c3d6e0000000000000000000000000000000001".parse().unwrap();
        let contributor: Address = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC".parse().unwrap();
        assert_eq!(hex::encode(commitment(31337, ledger, 1, contributor)), COMMITMENT_FROM_CAST);
    }

    /// The vectors HashLedger's tests accept: this code must keep finding them valid.
    #[test]
    fn the_ledger_test_vectors_are_shares_for_this_job_code() {
        let (job, shares, not_shares) = ledger_vectors();
        let target = job.bits.target().unwrap();
        assert_eq!(shares.len(), 64);
        assert!(shares.windows(2).all(|pair| pair[0] < pair[1]), "nonces strictly increase");
        for nonce in shares {
            assert!(meets_target(&sha256d(&job.header(nonce)), target), "nonce {nonce} is a share");
        }
        for nonce in not_shares {
            assert!(!meets_target(&sha256d(&job.header(nonce)), target), "nonce {nonce} is not a share");
        }
    }

    const COMMITMENT_FROM_CAST: &str = "bde98ee59005b0e43a0155a139a107ef53ad630525870632b8d121cf3763022b";
}
