//! What a hasher searches: the 80-byte header of the share format (DESIGN.md, "Share format"), its
//! difficulty in Bitcoin's compact `bits`, and the work a share proves.
//!
//! `version (4, LE) | commitment (32) | job seed (32) | time (4, LE) | bits (4, LE) | nonce (4, LE)`,
//! hashed with SHA-256d; a share is valid when the digest, read as a little-endian integer, is at
//! most the target. HashLedger checks exactly this on chain.

use ethers_core::abi::{encode, Token};
use ethers_core::types::{H160, U256};
use ethers_core::utils::keccak256;

use crate::domain::Address;

pub const HEADER_LEN: usize = 80;
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BitsError {
    #[error("bits {0:#010x} encode a negative target")]
    Negative(u32),
    #[error("bits {0:#010x} encode a zero target")]
    Zero(u32),
    #[error("bits {0:#010x} encode a target over 256 bits")]
    Overflow(u32),
}

/// A difficulty target in Bitcoin's compact form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CompactBits(pub u32);

impl CompactBits {
    pub fn target(self) -> Result<U256, BitsError> {
        let bits = self.0;
        let exponent = bits >> 24;
        let mantissa = bits & 0x007f_ffff;
        if bits & 0x0080_0000 != 0 {
            return Err(BitsError::Negative(bits));
        }
        let overflows = mantissa != 0
            && (exponent > 34 || (mantissa > 0xff && exponent > 33) || (mantissa > 0xffff && exponent > 32));
        if overflows {
            return Err(BitsError::Overflow(bits));
        }
        let target = if exponent <= 3 {
            U256::from(mantissa >> (8 * (3 - exponent)))
        } else {
            U256::from(mantissa) << (8 * (exponent - 3))
        };
        if target.is_zero() {
            return Err(BitsError::Zero(bits));
        }
        Ok(target)
    }

    /// The compact form of `target`, rounded down to the 23 bits of mantissa it keeps.
    pub fn from_target(target: U256) -> Self {
        let mut size = target.bits().div_ceil(8) as u32;
        let mut mantissa =
            if size <= 3 { target.low_u32() << (8 * (3 - size)) } else { (target >> (8 * (size - 3))).low_u32() };
        // The top mantissa bit is a sign in this encoding: shift it out rather than go negative.
        if mantissa & 0x0080_0000 != 0 {
            mantissa >>= 8;
            size += 1;
        }
        CompactBits(mantissa | (size << 24))
    }

    /// Expected hashes per share: 2^256 / (target + 1), as Bitcoin counts chain work.
    pub fn work_per_share(self) -> Result<U256, BitsError> {
        let target = self.target()?;
        Ok(match target.checked_add(U256::one()) {
            Some(divisor) => (!target / divisor) + 1,
            None => U256::one(),
        })
    }
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

/// Whether a SHA-256d digest, read as a little-endian integer, is at most `target`.
pub fn meets_target(digest: &[u8; 32], target: U256) -> bool {
    U256::from_little_endian(digest) <= target
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
    use crate::miner::sha256d::{genesis, sha256d};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const GENESIS_BITS: CompactBits = CompactBits(0x1d00_ffff);

    #[test]
    fn genesis_bits_decode_to_the_genesis_target() {
        let target = GENESIS_BITS.target().unwrap();
        assert_eq!(format!("{target:064x}"), "00000000ffff0000000000000000000000000000000000000000000000000000");
        assert_eq!(CompactBits::from_target(target), GENESIS_BITS);
    }

    #[test]
    fn genesis_work_is_bitcoins_first_block_work() {
        assert_eq!(GENESIS_BITS.work_per_share().unwrap(), U256::from(0x1_0001_0001u64));
    }

    #[test]
    fn the_genesis_header_meets_its_own_target() {
        let header = genesis::header();
        let bits = CompactBits(u32::from_le_bytes(header[72..76].try_into().unwrap()));
        assert_eq!(bits, GENESIS_BITS);
        assert!(meets_target(&sha256d(&header), bits.target().unwrap()));
        assert!(!meets_target(&sha256d(&header), U256::from(1u64) << 200));
    }

    #[test]
    fn invalid_bits_are_refused() {
        assert_eq!(CompactBits(0x0480_0000).target(), Err(BitsError::Negative(0x0480_0000)));
        assert_eq!(CompactBits(0x2000_0000).target(), Err(BitsError::Zero(0x2000_0000)));
        assert_eq!(CompactBits(0x2301_0000).target(), Err(BitsError::Overflow(0x2301_0000)));
        assert_eq!(CompactBits(0x0100_0012).target(), Err(BitsError::Zero(0x0100_0012)));
    }

    #[test]
    fn compact_round_trips_for_normalised_bits() {
        for bits in [0x1d00_ffff, 0x2000_ffff, 0x1f00_ffff, 0x1b04_04cb, 0x0312_3456, 0x2100_ffff] {
            let target = CompactBits(bits).target().unwrap();
            assert_eq!(CompactBits::from_target(target), CompactBits(bits), "{bits:#x}");
        }
    }

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
