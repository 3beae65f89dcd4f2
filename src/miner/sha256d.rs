//! The scalar SHA-256d reference, on `sha2`. Faster kernels are checked against it.

use sha2::{Digest, Sha256};

/// Bitcoin's double SHA-256.
pub fn sha256d(data: &[u8]) -> [u8; 32] {
    Sha256::digest(Sha256::digest(data)).into()
}

/// The Bitcoin genesis block header and its hash, the first vector every kernel must reproduce.
pub mod genesis {
    pub const HEADER_HEX: &str = concat!(
        "01000000",
        "0000000000000000000000000000000000000000000000000000000000000000",
        "3ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a",
        "29ab5f49",
        "ffff001d",
        "1dac2b7c",
    );
    /// As block explorers print it: the digest's bytes reversed.
    /// The genesis block's difficulty, as its header carries it.
    pub const BITS: u32 = 0x1d00_ffff;

    pub const HASH_DISPLAY_HEX: &str = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f";

    pub fn header() -> [u8; 80] {
        let mut header = [0u8; 80];
        hex::decode_to_slice(HEADER_HEX, &mut header).expect("the genesis header is valid hex");
        header
    }
}

/// The kernel's self-test: the worker refuses to report ready if this fails.
pub fn self_test() -> bool {
    let mut digest = sha256d(&genesis::header());
    digest.reverse();
    hex::encode(digest) == genesis::HASH_DISPLAY_HEX
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn genesis_header_hashes_to_the_genesis_block_hash() {
        assert!(self_test());
    }

    #[test]
    fn empty_input_matches_the_published_double_hash() {
        assert_eq!(hex::encode(sha256d(b"")), "5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456");
    }
}
