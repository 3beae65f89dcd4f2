//! The share header as the hasher sees it: its length, its difficulty in Bitcoin's compact `bits`,
//! and the test a digest must pass. Pure arithmetic, shared by the app (`job`, `shares`) and the
//! hasher worker, which is built from the worker-side modules alone (src/bin/hasher.rs).

use ethers_core::types::U256;

/// `version | commitment | job seed | time | bits | nonce`: see `job`.
pub const HEADER_LEN: usize = 80;

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

/// Whether a SHA-256d digest, read as a little-endian integer, is at most `target`.
pub fn meets_target(digest: &[u8; 32], target: U256) -> bool {
    U256::from_little_endian(digest) <= target
}

#[cfg(test)]
mod tests {
    use super::super::sha256d::{genesis, sha256d};
    use super::*;
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
    fn the_genesis_header_meets_its_own_target() {
        let header = genesis::header();
        let bits = CompactBits(u32::from_le_bytes(header[72..76].try_into().unwrap()));
        assert_eq!(bits, CompactBits(genesis::BITS));
        assert!(meets_target(&sha256d(&header), bits.target().unwrap()));
        assert!(!meets_target(&sha256d(&header), U256::from(1u64) << 200));
    }
}
