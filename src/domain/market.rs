//! What is for sale, and for how much.

use super::{Address, Wei};

/// A fixed-price listing of a twin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listing {
    pub token_id: u64,
    pub seller: Address,
    pub price: Wei,
}
