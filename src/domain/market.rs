//! What is for sale, for how much, and what people offer and pay.

use super::{Address, Wei};

/// A fixed-price listing of a twin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listing {
    pub token_id: u64,
    pub seller: Address,
    pub price: Wei,
}

/// An open offer: ether a bidder has escrowed in the market for a twin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offer {
    pub twin_id: u64,
    pub bidder: Address,
    pub amount: Wei,
    /// Unix seconds: the first second at which the owner can no longer accept it.
    pub expires_at: u64,
}

impl Offer {
    /// Past its expiry the offer cannot be accepted, but its ether stays escrowed until the bidder
    /// cancels it (or raises it, which revives it).
    pub fn expired(&self, now: u64) -> bool {
        now >= self.expires_at
    }
}

/// A twin changing hands through the market.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sale {
    pub twin_id: u64,
    pub seller: Address,
    pub buyer: Address,
    pub price: Wei,
    /// To the twin's operator, out of the price.
    pub royalty: Wei,
    /// To the protocol's treasury, out of the price.
    pub fee: Wei,
    /// Whether the owner accepted an offer rather than a buyer paying a listing.
    pub via_offer: bool,
    pub block: u64,
    pub tx_hash: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn an_offer_expires_at_its_expiry_second_not_after() {
        let offer = Offer { twin_id: 1, bidder: Address([8; 20]), amount: Wei(1), expires_at: 1_000 };
        assert!(!offer.expired(999));
        assert!(offer.expired(1_000));
        assert!(offer.expired(1_001));
    }
}
