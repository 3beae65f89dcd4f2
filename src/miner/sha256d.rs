//! The scalar SHA-256d reference, on `sha2`. Faster kernels are checked against it.

use sha2::{Digest, Sha256};

/// Bitcoin's double SHA-256.
pub fn sha256d(data: &[u8]) -> [u8; 32] {
    Sha256::digest(Sha256::digest(data)).into()
}

/// The Bitcoin genesis block header and its hash, the first vector every kernel must reproduce.
/// Decoded from hex when this compiles, so that the worker carries neither a hex decoder nor the text.
pub mod genesis {
    pub const HEADER_HEX: &str = concat!(
        "01000000",
        "0000000000000000000000000000000000000000000000000000000000000000",
        "3ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a",
        "29ab5f49",
        "ffff001d",
        "1dac2b7c",
    );
    pub const HEADER: [u8; 80] = super::from_hex(HEADER_HEX);
    /// The genesis block's difficulty, as its header carries it.
    pub const BITS: u32 = 0x1d00_ffff;

    /// As block explorers print it: the digest's bytes reversed.
    pub const HASH_DISPLAY_HEX: &str = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f";
    /// As [`super::sha256d`] returns it.
    pub const HASH: [u8; 32] = {
        let display: [u8; 32] = super::from_hex(HASH_DISPLAY_HEX);
        let mut digest = [0u8; 32];
        let mut i = 0;
        while i < 32 {
            digest[i] = display[31 - i];
            i += 1;
        }
        digest
    };

    pub fn header() -> [u8; 80] {
        HEADER
    }
}

/// Lowercase hex of exactly `N` bytes; anything else fails the build where this is a constant.
const fn from_hex<const N: usize>(hex: &str) -> [u8; N] {
    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => panic!("not lowercase hex"),
        }
    }
    let hex = hex.as_bytes();
    assert!(hex.len() == 2 * N, "hex of the wrong length");
    let mut bytes = [0u8; N];
    let mut i = 0;
    while i < N {
        bytes[i] = nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]);
        i += 1;
    }
    bytes
}

/// The kernel's self-test: the worker refuses to report ready if this fails.
pub fn self_test() -> bool {
    sha256d(&genesis::HEADER) == genesis::HASH
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
    fn the_constants_are_the_hex_they_are_decoded_from() {
        assert_eq!(hex::encode(genesis::HEADER), genesis::HEADER_HEX);
        let mut display = genesis::HASH;
        display.reverse();
        assert_eq!(hex::encode(display), genesis::HASH_DISPLAY_HEX);
    }

    #[test]
    fn empty_input_matches_the_published_double_hash() {
        assert_eq!(hex::encode(sha256d(b"")), "5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456");
    }
}
