//! Pieces of view shared by several pages.

pub mod errors;
pub mod header;
pub mod twin_card;
pub mod tx;
pub mod wallet;
